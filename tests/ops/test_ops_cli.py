"""`feedvault status`, `feedvault backup`, and search after a restore without its index."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ops_kit import rss

from feedvault.cli import main
from feedvault.config import Settings
from feedvault.update.runner import LEASE_SECONDS
from feedvault.vault import Vault, open_vault


@pytest.fixture
def filled(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Vault]:
    """Two stored feeds, a failing one, one leased to worker w1 (and due)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)
    with open_vault(settings=Settings(db=db_url)) as vault:
        for n in (1, 2):
            vault.add_feed(f"http://127.0.0.1:9/f{n}", slug=f"f{n}", update=False)
            vault.update_from_bytes(f"f{n}", rss(n))
        bad = vault.add_feed("http://127.0.0.1:9/bad", slug="bad", update=False)
        later = datetime.now(UTC) + timedelta(hours=1)
        vault.store.record_feed_error(bad.id, "bad: HTTP 500 from http://127.0.0.1:9/bad",
                                      datetime.now(UTC), next_check=later, status="error")
        vault.add_feed("http://127.0.0.1:9/due", slug="due", update=False)
        vault.add_feed("http://127.0.0.1:9/due2", slug="due2", update=False)
        assert [f.slug for f in vault.store.claim_due_feeds("w1:1", 1, LEASE_SECONDS)] == ["due"]
        yield vault


def test_status_json(filled: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", filled.settings.db, "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["feeds"] == {"ok": 4, "error": 1}
    assert report["due"] == 2  # the leased one counts: it is being worked on
    assert report["overdue"] == 0  # never-checked feeds have no due time
    assert (report["entries"], report["versions"]) == (6, 6)
    assert report["failing_total"] == 1
    assert report["failing"] == [{"feed": "bad", "status": "error", "errors": 1,
                                  "last_error": "bad: HTTP 500 from http://127.0.0.1:9/bad"}]
    [worker] = report["workers"]
    assert worker["worker"] == "w1:1" and [h["feed"] for h in worker["leases"]] == ["due"]
    held = worker["leases"][0]
    assert 0 <= held["age"] < 60 and LEASE_SECONDS - 60 < held["expires_in"] <= LEASE_SECONDS
    assert report["media"]["pending"] == 0 and report["media"]["files"] == 0


def test_status_text(filled: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", filled.settings.db, "status"]) == 0
    out = capsys.readouterr().out
    assert "feeds: 5 (error 1, ok 4); due now: 2" in out
    assert "entries: 6, versions: 6" in out
    assert "  bad: error, 1 in a row: bad: HTTP 500 from http://127.0.0.1:9/bad" in out
    assert "  w1:1: 1 leases, oldest held" in out and "expired" not in out


def test_status_shows_an_expired_lease(filled: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    filled.store.db.execute(  # type: ignore[attr-defined]
        "UPDATE feeds SET lease_until = lease_until - ? WHERE slug = 'due'",
        (int((LEASE_SECONDS + 5) * 1000),))
    assert main(["--db", filled.settings.db, "status"]) == 0
    assert "1 expired (the worker died or is stuck)" in capsys.readouterr().out


def test_status_needs_a_vault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(tmp_path / "none.db"), "status"]) == 1
    assert "no vault at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_backup_is_consistent_while_another_process_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "vault.db")
    with open_vault(settings=Settings(db=db)) as vault:
        vault.add_feed("http://127.0.0.1:9/f1", slug="f1", update=False)
        vault.update_from_bytes("f1", rss(1))
    wrote_once, stop = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:  # a second connection, like `run` in another process
        try:
            with open_vault(settings=Settings(db=db)) as other:
                n = 100
                while not stop.is_set():
                    other.add_feed(f"http://127.0.0.1:9/f{n}", slug=f"f{n}", update=False)
                    other.update_from_bytes(f"f{n}", rss(n))
                    wrote_once.set()
                    n += 1
        except BaseException as exc:
            failures.append(exc)
            wrote_once.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert wrote_once.wait(30)
        out = tmp_path / "copy.db"
        assert main(["--db", db, "backup", str(out)]) == 0
    finally:
        stop.set()
        thread.join()
    assert not failures
    assert f"to {out}" in capsys.readouterr().out
    assert not Path(f"{out}.part").exists()
    with open_vault(settings=Settings(db=str(out))) as copy:
        assert copy.store.integrity_check() == "ok"
        feeds = copy.feeds()
        assert len(feeds) >= 2
        assert all(f.entry_count in (0, 3) for f in feeds)  # each feed whole, or not yet
        assert copy.store.count_entries() == 3 * sum(1 for f in feeds if f.entry_count)
        assert len(copy.search("item")) > 0
    with sqlite3.connect(out) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "vault.db"
    with open_vault(settings=Settings(db=str(db))):
        pass
    out = tmp_path / "copy.db"
    out.write_bytes(b"keep me")
    assert main(["--db", str(db), "backup", str(out)]) == 1
    assert "exists (--force replaces it)" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"
    assert main(["--db", str(db), "backup", str(db)]) == 1
    assert "the vault itself" in capsys.readouterr().err
    assert main(["--db", str(db), "backup", str(tmp_path / "no" / "x.db")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["--db", str(db), "backup", "--force", str(out)]) == 0
    with sqlite3.connect(out) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] > 0


def test_backup_of_postgres_points_at_pg_dump(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", pg_url, "backup", str(tmp_path / "x.dump")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("feedvault: ")
    schema = pg_url.rsplit("%3D", 1)[1]
    assert f"pg_dump --format=custom --no-owner --schema={schema} " in err
    assert "--exclude-table-data=search_doc" in err and "feedvault reindex" in err
    assert not (tmp_path / "x.dump").exists()


def test_search_after_a_restore_without_the_index(
    filled: Vault, capsys: pytest.CaptureFixture[str]
) -> None:
    """pg_dump --exclude-table-data=search_doc, or a copy without the index: search says
    to reindex instead of finding nothing; reindex brings the results back."""
    db = filled.settings.db
    assert main(["--db", db, "search", "item"]) == 0
    assert "Feed 1 item 0" in capsys.readouterr().out
    with filled.store.transaction():  # type: ignore[attr-defined]
        filled.store._clear_index()  # type: ignore[attr-defined]
        filled.store.db.execute("DELETE FROM search_doc")  # type: ignore[attr-defined]
    assert main(["--db", db, "search", "item"]) == 1
    assert "run `feedvault reindex`" in capsys.readouterr().err
    assert main(["--db", db, "reindex"]) == 0
    assert "indexed 6 entries" in capsys.readouterr().out
    assert main(["--db", db, "search", "item"]) == 0
    assert "Feed 2 item 2" in capsys.readouterr().out
    assert main(["--db", db, "search", "nosuchwordanywhere"]) == 0  # an index, no match
    assert "no matches" in capsys.readouterr().err


def test_postgres_reindex_recreates_a_missing_index_table(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A restore that left the search table out entirely (pg_restore -T search_doc)."""
    with open_vault(settings=Settings(db=pg_url)) as vault:
        vault.add_feed("http://127.0.0.1:9/f1", slug="f1", update=False)
        vault.update_from_bytes("f1", rss(1))
        vault.store.db.execute("DROP TABLE search_doc")  # type: ignore[attr-defined]
    assert main(["--db", pg_url, "search", "item"]) == 1
    assert "run `feedvault reindex`" in capsys.readouterr().err
    assert main(["--db", pg_url, "reindex"]) == 0
    assert main(["--db", pg_url, "search", "item"]) == 0
    assert "Feed 1 item 1" in capsys.readouterr().out


def test_status_says_how_overdue_the_backlog_is(
    filled: Vault, capsys: pytest.CaptureFixture[str]
) -> None:
    an_hour_ago = int((datetime.now(UTC) - timedelta(hours=1)).timestamp() * 1000)
    filled.store.db.execute(  # type: ignore[attr-defined]
        "UPDATE feeds SET next_check = ? WHERE slug = 'f1'", (an_hour_ago,))
    assert main(["--db", filled.settings.db, "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["due"] == 3 and 3590 < report["overdue"] < 3700
    assert main(["--db", filled.settings.db, "status"]) == 0
    assert "due now: 3 (the most overdue for 60 min)" in capsys.readouterr().out
