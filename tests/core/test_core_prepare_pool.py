"""Updates prepared in worker processes store exactly what the serial path stores."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from feedvault.timeutil import now_utc
from feedvault.update.pipeline import Document, StaleDecision, commit, ingest, prepare
from feedvault.vault import Vault, open_vault

ZH = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "feeds" / "zh"


def _feed_files(tmp_path: Path, corpus: Path, n: int = 14) -> list[Path]:
    """``n`` real Chinese feeds (more than the pool's threshold), as local files."""
    paths = sorted((corpus / "feeds" / "zh").glob("*.xml"))[:n]
    assert len(paths) == n
    return paths


def _snapshot(db: Path) -> list[tuple[object, ...]]:
    """What a user would compare: every entry's feed, key, dates, versions and texts."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT f.slug, e.key, e.published, e.version_count, v.seq, v.title, v.link, "
        "v.raw_html, v.content_html, v.text, v.content_hash FROM entries e "
        "JOIN feeds f ON f.id = e.feed_id JOIN versions v ON v.entry_id = e.id "
        "ORDER BY f.slug, e.key, v.seq"
    ).fetchall()
    conn.close()
    return rows


def _vault(tmp_path: Path, name: str, workers: int, paths: list[Path]) -> Vault:
    vault = open_vault(str(tmp_path / name))
    vault.settings = dataclasses.replace(vault.settings, workers=workers)
    for path in paths:
        vault.add_feed(str(path), slug=path.stem, update=False)
    return vault


def test_workers_store_the_same_entries_versions_and_search_as_serial(
    tmp_path: Path, corpus: Path
) -> None:
    paths = _feed_files(tmp_path, corpus)
    serial = _vault(tmp_path, "serial.db", 0, paths)
    pooled = _vault(tmp_path, "pooled.db", 2, paths)
    pool = pooled.updater._prepare_pool(len(paths))
    assert pool is not None and pool.warm_up()
    a, b = serial.update(), pooled.update()
    assert pool.prepared == len(paths)  # every feed went through a worker
    assert [(r.slug, r.status, r.new) for r in a] == [(r.slug, r.status, r.new) for r in b]
    assert sum(r.new for r in b) > 100
    for query in ("美国", "中国 经济", "习近平"):
        hits_a = [(h.entry.key, h.snippet) for h in serial.search(query, limit=50)]
        hits_b = [(h.entry.key, h.snippet) for h in pooled.search(query, limit=50)]
        assert hits_a == hits_b
        assert hits_a, query
    serial.close()
    pooled.close()
    assert _snapshot(tmp_path / "serial.db") == _snapshot(tmp_path / "pooled.db")


def test_a_second_pooled_update_adds_nothing(tmp_path: Path, corpus: Path) -> None:
    paths = _feed_files(tmp_path, corpus)
    vault = _vault(tmp_path, "v.db", 2, paths)
    vault.update()
    count = vault.store.count_entries()
    again = vault.update()
    assert {r.status for r in again} == {"not_modified"}
    assert vault.store.count_entries() == count
    vault.close()


def test_prepared_update_is_refused_when_another_writer_stored_the_feed_first(
    tmp_path: Path, corpus: Path
) -> None:
    path = sorted((corpus / "feeds" / "zh").glob("*.xml"))[0]
    vault = open_vault(str(tmp_path / "v.db"))
    feed = vault.add_feed(str(path), slug="f", update=False)
    doc = Document(path.read_bytes(), feed.url)
    prepared = prepare(vault.store, feed, doc, seen_at=now_utc(), rules=vault.rules)
    ingest(vault.store, feed, doc, seen_at=now_utc(), rules=vault.rules)  # the other writer
    stored = vault.store.count_entries()
    with pytest.raises(StaleDecision):
        commit(vault.store, prepared)
    assert vault.store.count_entries() == stored  # nothing written twice
    vault.close()


def test_a_worker_that_cannot_start_leaves_the_update_to_this_process(
    tmp_path: Path, corpus: Path
) -> None:
    paths = _feed_files(tmp_path, corpus)
    vault = _vault(tmp_path, "v.db", 2, paths)
    not_a_db = tmp_path / "not-a-vault.db"
    not_a_db.write_text("this is not a database\n" * 100)
    vault.settings = dataclasses.replace(vault.settings, db=str(not_a_db))  # workers fail
    results = vault.update()
    assert all(r.status == "ok" and r.new > 0 for r in results), results
    reference = _vault(tmp_path, "ref.db", 0, paths)
    reference.update()
    assert vault.store.count_entries() == reference.store.count_entries()
    vault.close()
    reference.close()


def test_stop_mid_update_commits_what_is_prepared_and_starts_nothing_new(
    tmp_path: Path, corpus: Path
) -> None:
    """SIGTERM during `run` sets ``stop``: feeds already handed to workers are committed
    whole, no new feed starts, and the next update finishes the rest."""
    import threading

    paths = _feed_files(tmp_path, corpus)
    vault = _vault(tmp_path, "v.db", 2, paths)
    stop = threading.Event()

    def on_result(result: object) -> None:
        stop.set()  # as a signal handler would, right after the first stored feed

    first = vault.update(on_result=on_result, stop=stop)
    assert 1 <= len(first) < len(paths)
    assert all(r.status == "ok" and r.new > 0 for r in first)
    done = {r.slug for r in first}
    for path in paths:
        stored = len(vault.entries(path.stem, limit=None))
        assert (stored > 0) == (path.stem in done), path.stem  # whole feeds or nothing
    rest = vault.update()
    assert {r.slug for r in rest if r.new > 0} == {p.stem for p in paths} - done
    vault.close()


def test_workers_setting_from_config_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedvault.config import load_settings
    from feedvault.errors import UsageError

    config = tmp_path / "config.toml"
    config.write_text("[update]\nworkers = 0\n")
    monkeypatch.delenv("FEEDVAULT_WORKERS", raising=False)
    assert load_settings(str(tmp_path / "v.db"), config).workers == 0
    monkeypatch.setenv("FEEDVAULT_WORKERS", "3")
    assert load_settings(str(tmp_path / "v.db"), config).workers == 3
    for bad in ("-1", "many"):
        monkeypatch.setenv("FEEDVAULT_WORKERS", bad)
        with pytest.raises(UsageError, match="bad setting"):
            load_settings(str(tmp_path / "v.db"), config)


def test_the_writer_starts_on_the_first_feeds_while_workers_start(
    tmp_path: Path, corpus: Path
) -> None:
    """No waiting for the workers' imports: feeds the writer did itself are stored the same."""
    paths = _feed_files(tmp_path, corpus)
    vault = _vault(tmp_path, "v.db", 1, paths)
    results = vault.update()
    pool = vault.updater._pool
    assert pool is not None
    assert pool.prepared < len(paths)  # the first feed at least was done by the writer
    assert all(r.status == "ok" and r.new > 0 for r in results)
    reference = _vault(tmp_path, "ref.db", 0, paths)
    reference.update()
    vault.close()
    reference.close()
    assert _snapshot(tmp_path / "v.db") == _snapshot(tmp_path / "ref.db")
