"""End to end through the Python API: corpus feeds in, entries and versions out."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from feedvault.decide import entry_key
from feedvault.errors import FeedNotFound, UsageError
from feedvault.naming import slugify
from feedvault.vault import Vault

FEED_DIRS = ("zh", "en", "json")


def corpus_feeds(corpus: Path) -> list[Path]:
    return sorted(p for d in FEED_DIRS for p in (corpus / "feeds" / d).iterdir())


def reference_count(path: Path) -> int | None:
    """How many distinct entries feedparser, the well-established reference, sees.

    Items repeating an earlier item's guid are one entry (scriptingnews-1 lists two items
    twice), and feedparser's phantom entries with no title, link, id or content (from the
    illegally nested items of pcmag-dvorak-1) are not entries. None: it cannot read the file.
    """
    if path.suffix == ".json":
        import json

        try:
            doc = json.loads(path.read_bytes())
        except ValueError:
            return None
        items = doc.get("items", [])
        if "rss" in doc:  # RSS written as JSON (Scripting News): RSS 2.0's names
            items = [
                {"id": (i.get("guid") or {}).get("#value") if isinstance(i.get("guid"), dict)
                 else i.get("guid"), "url": i.get("link"), "title": i.get("title", "")}
                for i in doc["rss"]["channel"]["item"]
            ]
        return len(
            {
                entry_key(i.get("id") and str(i["id"]), i.get("url"), i.get("title", ""), None)
                for i in items
            }
        )
    keys = set()
    for e in feedparser.parse(path.read_bytes()).entries:
        if not (e.get("title") or e.get("link") or e.get("id") or e.get("summary")):
            continue
        keys.add(entry_key(e.get("id") or None, e.get("link"), e.get("title", ""), None))
    return len(keys)


@pytest.mark.slow_on_postgres
def test_every_corpus_feed_ingests_with_reference_counts_and_second_update_adds_nothing(
    vault: Vault, corpus: Path
) -> None:
    paths = corpus_feeds(corpus)
    assert len(paths) >= 60
    for path in paths:
        vault.add_feed(str(path), slug=slugify(path.stem), update=False)
    vault.update()
    mismatches = []
    for path in paths:
        slug = slugify(path.stem)
        expected = reference_count(path)
        stored = vault.feed(slug).entry_count
        if expected is None:
            # the reference cannot read it (truncated JSON): we recover what we can and say so
            assert vault.feed(slug).last_error, slug
            continue
        if stored != expected:
            mismatches.append((slug, stored, expected))
    assert mismatches == []
    versions_before = _version_total(vault)
    second = vault.update()
    assert all(r.new == 0 and r.changed == 0 for r in second), [
        r for r in second if r.new or r.changed
    ]
    assert _version_total(vault) == versions_before


def _version_total(vault: Vault) -> int:
    return sum(e.version_count for e in vault.entries(limit=None))


def _rss(items: list[tuple[str, str, str]], *, channel_title: str = "Test feed") -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><description><![CDATA[{d}]]></description>"
        f"<pubDate>Sat, 03 Feb 2024 09:34:00 GMT</pubDate></item>"
        for t, link, d in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{channel_title}</title><link>https://example.org/</link>{body}"
        f"</channel></rss>"
    ).encode()


def test_edits_make_versions_and_tracking_params_do_not_make_entries(
    vault: Vault, tmp_path: Path
) -> None:
    feed_file = tmp_path / "feed.xml"
    feed_file.write_bytes(_rss([("First", "https://example.org/a?utm_source=rss", "<p>one</p>")]))
    vault.add_feed(str(feed_file), slug="t")
    [entry] = vault.entries("t")
    assert entry.title == "First" and entry.version_count == 1

    # same article: other tracking parameters, http instead of https, trailing slash
    feed_file.write_bytes(
        _rss([("First", "http://example.org/a/?at_medium=RSS&maca=x", "<p>one</p>")])
    )
    [result] = vault.update(["t"])
    assert (result.new, result.changed, result.unchanged) == (0, 0, 1)

    feed_file.write_bytes(_rss([("First, corrected", "https://example.org/a", "<p>one, two</p>")]))
    [result] = vault.update(["t"])
    assert (result.new, result.changed) == (0, 1)
    edited = vault.entry(entry.id)
    assert [v.title for v in edited.versions] == ["First", "First, corrected"]
    assert edited.versions[0].raw_html == "<p>one</p>"
    assert edited.raw_html == "<p>one, two</p>"
    assert "one, two" in edited.text
    assert len(vault.entries("t")) == 1


def test_entry_without_date_takes_first_seen_time(vault: Vault, tmp_path: Path) -> None:
    feed_file = tmp_path / "nodate.xml"
    feed_file.write_bytes(
        b'<rss version="2.0"><channel><title>x</title><item><title>No date</title>'
        b"<link>https://example.org/n</link><description>hi</description></item></channel></rss>"
    )
    vault.add_feed(str(feed_file), slug="nodate")
    [entry] = vault.entries("nodate")
    assert entry.published_source == "first_seen"
    assert abs((entry.published - entry.first_seen).total_seconds()) < 1


def test_broken_feed_records_error_and_keeps_what_was_stored(vault: Vault, tmp_path: Path) -> None:
    feed_file = tmp_path / "f.xml"
    feed_file.write_bytes(_rss([("Kept", "https://example.org/k", "<p>kept</p>")]))
    vault.add_feed(str(feed_file), slug="f")
    feed_file.write_bytes(b"\x00\x01 this is not a feed at all")
    [result] = vault.update(["f"])
    assert result.status == "error" and result.error and result.error.startswith("f: ")
    feed = vault.feed("f")
    assert feed.last_error and feed.entry_count == 1
    assert [e.title for e in vault.entries("f")] == ["Kept"]
    feed_file.write_bytes(_rss([("Kept", "https://example.org/k", "<p>kept</p>")]))
    vault.update(["f"])
    assert vault.feed("f").last_error is None


def test_original_document_bytes_are_kept(vault: Vault, tmp_path: Path) -> None:
    data = _rss([("Doc", "https://example.org/d", "<p>d</p>")])
    feed_file = tmp_path / "d.xml"
    feed_file.write_bytes(data)
    vault.add_feed(str(feed_file), slug="d")
    [entry] = vault.entries("d")
    [version] = vault.entry(entry.id).versions
    assert version.document_sha is not None
    assert vault.store.get_document(version.document_sha) == data


def test_user_errors_are_feedvault_errors(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(FeedNotFound):
        vault.entries("nope")
    with pytest.raises(UsageError):
        vault.add_feed(str(tmp_path / "missing.xml"))
    with pytest.raises(UsageError):
        vault.add_feed("ftp://example.org/feed")
    with pytest.raises(UsageError):
        vault.import_paths([tmp_path / "missing-dir"])


def test_remove_deletes_only_that_feed(vault: Vault, tmp_path: Path) -> None:
    for name in ("a", "b"):
        f = tmp_path / f"{name}.xml"
        f.write_bytes(_rss([(name, f"https://example.org/{name}", name)]))
        vault.add_feed(str(f), slug=name)
    assert vault.remove_feed("a") == 1
    assert [f.slug for f in vault.feeds()] == ["b"]
    assert [e.title for e in vault.entries()] == ["b"]


def test_unchanged_local_file_is_not_read_but_a_quick_same_size_rewrite_is(
    vault: Vault, tmp_path: Path
) -> None:
    """A local feed's inode, size and mtime act as its ETag, except when it was modified just
    before it was last read, where a same-size rewrite could keep the timestamp."""
    import os

    feed_file = tmp_path / "feed.xml"
    feed_file.write_bytes(_rss([("Alpha", "https://example.org/a", "<p>one</p>")]))
    vault.add_feed(str(feed_file), slug="t")
    feed_file.write_bytes(_rss([("Alphb", "https://example.org/a", "<p>one</p>")]))  # same size
    [result] = vault.update(["t"])
    assert result.changed == 1  # rewritten at once: read despite the equal size

    old = feed_file.stat()
    past = old.st_mtime_ns - 60 * 10**9
    os.utime(feed_file, ns=(past, past))
    [result] = vault.update(["t"])  # new mtime: read, same bytes
    assert result.status == "not_modified"
    # now forge a same-size edit that keeps inode and mtime: proof the file is not read
    feed_file.write_bytes(_rss([("Alphc", "https://example.org/a", "<p>one</p>")]))
    os.utime(feed_file, ns=(past, past))
    [result] = vault.update(["t"])
    assert result.status == "not_modified"
    assert vault.entries("t")[0].title == "Alphb"


def test_documents_stored_by_older_versions_still_read_back(tmp_path: Path) -> None:
    """Older vaults hold feed documents zlib-compressed; new ones are zstd."""
    import sqlite3
    import zlib

    from feedvault.vault import open_vault

    data = _rss([("Old", "https://example.org/o", "<p>o</p>")])
    feed_file = tmp_path / "o.xml"
    feed_file.write_bytes(data)
    vault = open_vault(str(tmp_path / "v.db"))
    vault.add_feed(str(feed_file), slug="o")
    [entry] = vault.entries("o")
    [version] = vault.entry(entry.id).versions
    sha = version.document_sha
    assert sha is not None
    conn = sqlite3.connect(tmp_path / "v.db")
    [(stored,)] = conn.execute("SELECT data FROM documents WHERE sha = ?", (sha,)).fetchall()
    assert stored.startswith(b"\x28\xb5\x2f\xfd")  # zstd frame
    with conn:
        conn.execute("UPDATE documents SET data = ? WHERE sha = ?", (zlib.compress(data), sha))
    conn.close()
    assert vault.store.get_document(sha) == data
    vault.close()


def test_unchanged_feeds_move_their_next_check_when_the_update_ends(
    vault: Vault, tmp_path: Path
) -> None:
    """Unchanged feeds' states are written together at the end of the update (both stores):
    each ends up checked, scheduled for later, and its entries untouched."""
    import os
    import time

    for n in range(30):
        path = tmp_path / f"u{n}.xml"
        path.write_bytes(_rss([(f"U{n}", f"https://example.org/u{n}", "<p>u</p>")]))
        old = time.time() - 60  # settled: not modified within the last seconds
        os.utime(path, (old, old))
        vault.add_feed(str(path), slug=f"u{n}")
    before = {f.slug: f.last_updated for f in vault.feeds()}
    latest = max(t for t in before.values() if t is not None)
    while latest.timestamp() * 1000 + 1 >= time.time() * 1000:
        pass  # stored times are in ms: wait (< 2 ms) for the clock to pass them, not a sleep
    results = vault.update()
    assert {r.status for r in results} == {"not_modified"}
    for feed in vault.feeds():
        last_updated = before[feed.slug]
        assert feed.last_updated is not None and last_updated is not None
        assert feed.last_updated > last_updated
        assert feed.next_check is not None and feed.next_check > feed.last_updated
        assert feed.status == "ok" and feed.entry_count == 1


def test_a_local_feed_file_over_the_size_cap_is_refused_and_nothing_is_lost(
    vault: Vault, tmp_path: Path
) -> None:
    """The download cap ([fetch] max_bytes) holds for local files too: memory stays bounded."""
    import dataclasses

    path = tmp_path / "big.xml"
    path.write_bytes(_rss([("Small", "https://example.org/s", "<p>s</p>")]))
    vault.add_feed(str(path), slug="big")
    body = "<p>" + "x" * 2000 + "</p>"
    items = [(f"Item {n}", f"https://example.org/{n}", body) for n in range(60)]
    path.write_bytes(_rss(items))
    vault.settings = dataclasses.replace(vault.settings, max_bytes=50_000)
    [result] = vault.update(["big"])
    assert result.status == "error" and result.error is not None
    assert result.error.startswith("big: ") and "too large" in result.error
    assert "max_bytes" in result.error
    assert [e.title for e in vault.entries("big")] == ["Small"]
    assert vault.feed("big").last_error == result.error


def test_when_a_local_file_can_be_skipped_without_reading() -> None:
    """feedvault/localfiles.py: skip only when the mtime lies two clock ticks before the
    last read (2 s on filesystems with whole-second timestamps)."""
    import os
    from datetime import UTC, datetime

    from feedvault.update.localfiles import file_etag, unchanged_since_read

    def stat(mtime_ns: int, size: int = 100, ino: int = 7) -> os.stat_result:
        fields = (0o100644, ino, 1, 1, 0, 0, size, 0, 0, 0, 0.0, 0.0, 0.0, 0, mtime_ns, 0)
        return os.stat_result(fields)

    second = 10**9
    fine = 1_700_000_000 * second + 123_456_789
    coarse = 1_700_000_000 * second
    assert unchanged_since_read(stat(fine), file_etag(stat(fine), fine + second), None)
    assert not unchanged_since_read(stat(fine), file_etag(stat(fine), fine + second // 100), None)
    assert not unchanged_since_read(stat(coarse), file_etag(stat(coarse), coarse + second), None)
    assert unchanged_since_read(stat(coarse), file_etag(stat(coarse), coarse + 3 * second), None)
    etag = file_etag(stat(fine), fine + second)
    assert not unchanged_since_read(stat(fine, size=101), etag, None)  # another size
    assert not unchanged_since_read(stat(fine, ino=8), etag, None)  # replaced file
    assert not unchanged_since_read(stat(fine + 1), etag, None)  # touched
    assert not unchanged_since_read(stat(fine), None, None)
    old_style = f'"file-7-100-{fine}"'  # kept by vaults before read times were recorded
    later = datetime.fromtimestamp((fine + 3 * second) / second, UTC)
    sooner = datetime.fromtimestamp((fine + second) / second, UTC)
    assert unchanged_since_read(stat(fine), old_style, later)
    assert not unchanged_since_read(stat(fine), old_style, sooner)
