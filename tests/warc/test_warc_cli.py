"""`feedvault export warc|wacz FILE [--feed SLUG] [--since DATE] [--json]`, run as a user
would: counts on stdout, one-line errors and exit 1, nothing left behind on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from warc_kit import Archived


def _run(archived: Archived, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "feedvault.cli", "--db", archived.db, "export", *args],
        capture_output=True, text=True, env=dict(os.environ), timeout=120,
    )


def test_export_warc_and_wacz_print_counts(archived_sqlite: Archived) -> None:
    warc = archived_sqlite.tmp / "out.warc.gz"
    done = _run(archived_sqlite, "warc", str(warc), "--json")
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert counts == {
        "file": str(warc), "documents": 1, "media": 3, "snapshots": 1, "records": 17,
        "missing": 0, "size": warc.stat().st_size,
    }

    wacz = archived_sqlite.tmp / "out.wacz"
    done = _run(archived_sqlite, "wacz", str(wacz), "--feed", "news", "--since", "2020-01-01")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {wacz}: 1 feed documents, 3 media files, 1 page ")
    assert "17 records, 1 pages" in done.stdout
    assert wacz.stat().st_size > warc.stat().st_size

    later = _run(archived_sqlite, "warc", str(warc), "--since", "2999-01-01", "--json")
    assert json.loads(later.stdout)["records"] == 1  # the warcinfo alone


def test_errors_are_one_line_and_leave_no_file(archived_sqlite: Archived) -> None:
    tmp = archived_sqlite.tmp
    before = sorted(p.name for p in tmp.iterdir())
    for args, says in (
        (["warc", str(tmp / "missing" / "x.warc.gz")], "cannot write"),
        (["wacz", str(tmp / "missing" / "x.wacz")], "cannot write"),
        (["warc", str(tmp / "x.warc.gz"), "--feed", "nope"], "no feed with slug 'nope'"),
    ):
        done = _run(archived_sqlite, *args)
        assert done.returncode == 1, args
        assert done.stderr.startswith("feedvault: error: ") and says in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""
    bad_day = _run(archived_sqlite, "wacz", str(tmp / "x.wacz"), "--since", "yesterday")
    assert bad_day.returncode == 2 and "not a date" in bad_day.stderr  # argparse's usage error
    assert sorted(p.name for p in tmp.iterdir()) == before
    assert not Path(tmp / "x.warc.gz").exists()
