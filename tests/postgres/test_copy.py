"""A SQLite vault built from the corpus copies to PostgreSQL and back with identical contents."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedvault.errors import StorageError
from feedvault.media.model import MediaFile, MediaRef
from feedvault.store.copy import copy_vault, table_checksums
from feedvault.vault import Vault, open_vault

QUERIES = [
    "美国",
    "中",
    "習近平",
    "经济 -美国",
    "trump OR biden",
    "china*",
    '"human rights"',
    "香港",
]


def _build(vault: Vault, corpus: Path) -> None:
    for lang in ("zh", "en"):
        for path in sorted((corpus / "feeds" / lang).iterdir()):
            vault.add_feed(str(path))
    vault.import_paths([corpus / "archive-format" / "duty-machine-news"])


def _results(vault: Vault) -> dict[str, list[tuple[int, int]]]:
    """(published, id) newest first; entries published in the same second are in no set
    order on SQLite (its index slots), so ties are put in id order before comparing."""
    out = {}
    for q in QUERIES:
        hits = [
            (int(h.entry.published.timestamp()), h.entry.id) for h in vault.search(q, limit=500)
        ]
        assert [p for p, _i in hits] == sorted((p for p, _i in hits), reverse=True), q
        out[q] = sorted(hits, reverse=True)
    return out


def test_corpus_vault_sqlite_to_postgres_and_back(
    corpus: Path, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    with open_vault(str(tmp_path / "a.db")) as a, open_vault(pg_url) as pg:
        _build(a, corpus)
        a.store.set_meta("admin", "secret-hash")
        # an edit: a second version of one entry, so versions != entries
        first = a.entries(limit=1)[0]
        _media(a, first.id)
        original = table_checksums(a.store)
        counts = {t.name: t.rows for t in original}
        assert counts["feeds"] >= 50 and counts["entries"] > 1000 and counts["documents"] >= 50
        assert counts["media_urls"] == 2 and counts["media_links"] == 2
        assert counts["media_files"] == counts["snapshots"] == counts["snapshot_links"] == 1

        there = copy_vault(a.store, pg.store)
        assert there.verified and there.tables == original
        assert there.indexed == counts["entries"]
        with open_vault(str(tmp_path / "b.db")) as b:
            back = copy_vault(pg.store, b.store)
            assert back.tables == original
            assert table_checksums(b.store) == original

            # the same reads from all three
            assert [f.__repr__() for f in pg.feeds()] == [f.__repr__() for f in a.feeds()]
            assert pg.entry(first.id) == a.entry(first.id) == b.entry(first.id)
            for version in pg.entry(first.id).versions:
                if version.document_sha:
                    assert pg.store.get_document(version.document_sha) == a.store.get_document(
                        version.document_sha
                    )
            expected = _results(a)
            assert all(expected[q] for q in ("美国", "中", "香港")), expected
            assert _results(pg) == expected
            assert _results(b) == expected
            for q in QUERIES:
                assert pg.store.count_matches(_parse(q)) == a.store.count_matches(_parse(q)), q

            # ids continue after the copied ones on the new backend
            feed = pg.add_feed(
                str(
                    corpus
                    / "feeds"
                    / "json"
                    / sorted(p.name for p in (corpus / "feeds" / "json").iterdir())[0]
                )
            )
            assert feed.id > max(f.id for f in a.feeds())
            vid = a.entry(first.id).versions[0].id
            links = a.store.media.links_for_versions([vid])
            assert pg.store.media.links_for_versions([vid]) == links and len(links[vid]) == 2
            assert pg.store.media.snapshots(first.id) == a.store.media.snapshots(first.id)
            new = MediaRef("http://127.0.0.1:9/new.png", "img")
            assert pg.store.media.link_version(vid, first.id, [new]) == 1  # a new id


def _media(vault: Vault, entry_id: int) -> None:
    """A few rows of every media table: two URLs (one archived), a snapshot with a link."""
    from datetime import UTC, datetime

    at = datetime(2024, 1, 2, tzinfo=UTC)
    media = vault.store.media
    vid = vault.entry(entry_id).versions[0].id
    media.link_version(vid, entry_id, [MediaRef("http://127.0.0.1:9/a.png", "img"),
                                       MediaRef("http://127.0.0.1:9/b.png", "srcset", "x")])
    task = media.due(at)[0]
    png = MediaFile("ab" * 32, 10, "image/png", 2, 3)
    media.record_ok(task.url_id, png, '{"exchanges": []}', at)
    sid = media.add_snapshot(entry_id, "http://127.0.0.1:9/p", "http://127.0.0.1:9/p",
                             png.sha, "first", at, None)
    media.link_snapshot(sid, entry_id, [MediaRef("http://127.0.0.1:9/a.png", "img")])


def test_copy_refuses_a_non_empty_destination(vault: Vault, pg_url: str, corpus: Path) -> None:
    vault.import_paths([corpus / "archive-format" / "nodebe4-oped2"])
    with open_vault(pg_url) as pg:
        pg.import_paths([corpus / "archive-format" / "nodebe4-oped2"])
        with pytest.raises(StorageError, match="not empty"):
            copy_vault(vault.store, pg.store)


def _parse(q: str):  # type: ignore[no-untyped-def]
    from feedvault.search.query import parse_query

    return parse_query(q)
