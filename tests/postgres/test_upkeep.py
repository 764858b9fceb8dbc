"""A vault just filled searches through its GIN index at once: the storage merges the index's
pending list and analyzes the tables itself instead of waiting for autovacuum."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedvault.search.fold import fold
from feedvault.search.query import parse_query
from feedvault.store.postgres import PostgresStorage, search_index
from feedvault.vault import open_vault


def _plan(storage: PostgresStorage, query: str) -> str:
    where, params = search_index._where(parse_query(query), None, None, None)
    sql = f"EXPLAIN SELECT d.entry_id FROM {where} ORDER BY d.published DESC LIMIT 20"
    return "\n".join(str(r[0]) for r in storage.conn.execute(sql.encode(), params))


def test_fresh_vault_is_merged_analyzed_and_searched_through_the_index(
    pg_url: str, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    with open_vault(pg_url) as vault:
        for path in sorted((corpus / "feeds" / "zh").glob("*.xml")):
            vault.add_feed(str(path))
        total = vault.store.count_entries()
    with open_vault(pg_url) as vault:  # another process, later: what a reader finds
        storage = vault.store
        assert isinstance(storage, PostgresStorage)
        [(tuples,)] = storage.conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'search_doc'::regclass"
        ).fetchall()
        assert tuples >= 0.9 * total > 0, "search_doc was never analyzed"
        assert "search_doc_vec" in _plan(storage, "美国总统")
        hits = vault.search("美国总统", limit=100)
        assert hits and all("美国总统" in fold(h.entry.title + h.entry.text) for h in hits)


def test_reindex_leaves_a_merged_analyzed_index(
    pg_url: str, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    with open_vault(pg_url) as vault:
        vault.add_feed(str(corpus / "feeds" / "zh" / "bbc-chinese-1.xml"))
        before = [h.entry.id for h in vault.search("美国", limit=100)]
        assert vault.reindex() == vault.store.count_entries()
        storage = vault.store
        assert isinstance(storage, PostgresStorage)
        assert storage.upkeep.unmerged == 0
        [(analyzed,)] = storage.conn.execute(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE relid = 'search_doc'::regclass"
        ).fetchall()
        assert analyzed
        assert [h.entry.id for h in vault.search("美国", limit=100)] == before != []
