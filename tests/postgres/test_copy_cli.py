"""`feedvault copy --to` from the command line, SQLite to PostgreSQL and back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fv_testpaths import SEED


def fv(db: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feedvault.cli", "--db", db, *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_copy_command_round_trip(tmp_path: Path, corpus: Path, pg_url: str) -> None:
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"))
    src = str(tmp_path / "src.db")
    assert fv(src, "import", str(SEED), str(corpus / "archive-format" / "duty-machine-news"),
              env=env).returncode == 0
    assert fv(src, "add", str(corpus / "feeds" / "zh" / "rthk-1.xml"), env=env).returncode == 0
    to_pg = fv(src, "copy", "--to", pg_url, "--json", env=env)
    assert to_pg.returncode == 0, to_pg.stderr
    report = json.loads(to_pg.stdout)
    assert report["verified"] is True and report["tables"]["entries"]["rows"] == 23
    back = str(tmp_path / "back.db")
    assert fv(pg_url, "copy", "--to", back, env=env).returncode == 0
    entries = [json.loads(fv(db, "entries", "--limit", "100", "--json", env=env).stdout)
               for db in (src, back)]
    assert entries[0] == entries[1] and len(entries[0]) == 23
    search = [json.loads(fv(db, "search", "芬太尼", "--json", env=env).stdout)
              for db in (src, pg_url, back)]
    assert search[0] == search[1] == search[2] and search[0]
    again = fv(src, "copy", "--to", pg_url, env=env)
    assert again.returncode == 1 and "not empty" in again.stderr
