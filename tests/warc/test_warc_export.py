"""`export warc`: the records warcio's own tools accept, true to the vault's bytes and to the
HTTP exchanges kept, resource records for what was stored without them, the filters."""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import subprocess
import sys
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warc_kit import JPEG, PAGE_PNG, PNG, Archived
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from feedvault.errors import UsageError
from feedvault.export.warc import export_warc, warc_date

WARCIO = Path(sys.executable).with_name("warcio")
Records = list[tuple[ArcWarcRecord, bytes]]


def _records(path: Path) -> Records:
    with path.open("rb") as fh:
        return [(r, r.content_stream().read()) for r in ArchiveIterator(fh)]


def _digest(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode()


def _by_type(records: Records, kind: str) -> dict[str, tuple[ArcWarcRecord, bytes]]:
    return {
        r.rec_headers.get_header("WARC-Target-URI"): (r, body)
        for r, body in records
        if r.rec_type == kind
    }


def test_warcio_check_and_index_pass(archived: Archived) -> None:
    out = archived.tmp / "vault.warc.gz"
    stats = export_warc(archived.vault.store, archived.files, out)
    # 1 warcinfo; the snapshot (302 + 200), the feed (301 + 200), a.png, old.jpg (302 + 200),
    # page.png: a request and a response each
    assert (stats.documents, stats.media, stats.snapshots, stats.missing) == (1, 3, 1, 0)
    assert stats.records == 1 + 2 * (2 + 2 + 1 + 2 + 1) == 17
    assert stats.size == out.stat().st_size

    check = subprocess.run([WARCIO, "check", "-v", out], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == stats.records
    index = subprocess.run([WARCIO, "index", out], capture_output=True, text=True)
    assert index.returncode == 0, index.stderr
    assert len(index.stdout.splitlines()) == stats.records


def test_records_are_the_stored_bytes_and_the_kept_exchanges(archived: Archived) -> None:
    out = archived.tmp / "vault.warc.gz"
    export_warc(archived.vault.store, archived.files, out)
    records = _records(out)
    u = archived.site.url
    responses = _by_type(records, "response")
    requests = _by_type(records, "request")
    assert set(responses) == set(requests) == {
        u("/go/1"), u("/article/1"), u("/feed"), u("/feed.xml"), u("/img/a.png"), u("/img/old.jpg"),
        u("/img/b.jpg"), u("/img/page.png"),
    }
    assert not _by_type(records, "resource")

    expected = {
        "/feed.xml": archived.site.feed_bytes, "/img/a.png": PNG, "/img/b.jpg": JPEG,
        "/img/page.png": PAGE_PNG,
    }
    for path, data in expected.items():
        record, body = responses[u(path)]
        assert body == data, path
        assert record.rec_headers.get_header("WARC-Payload-Digest") == _digest(data)
        assert record.http_headers.get_header("Content-Length") == str(len(data))
    # the media are the vault's files, whose names are the payload digests
    for url, mfile, _http, _at in archived.vault.store.media.iter_archived():
        final = archived.site.url("/img/b.jpg") if url.endswith("old.jpg") else url
        record, body = responses[final]
        assert hashlib.sha256(body).hexdigest() == mfile.sha
        assert archived.files.read(mfile.sha) == body

    # the feed: its 301 hop without a body, then the document as stored (decoded): the
    # Content-Encoding it came with is gone, both Set-Cookie headers are there, in order
    moved, body = responses[u("/feed")]
    assert moved.http_headers.get_statuscode() == "301" and body == b""
    assert moved.http_headers.get_header("Location") == u("/feed.xml")
    assert moved.http_headers.get_header("Content-Length") == "0"
    feed = responses[u("/feed.xml")][0].http_headers
    assert feed.get_header("Content-Encoding") is None
    assert [v for k, v in feed.headers if k == "Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]
    hop, body = responses[u("/img/old.jpg")]
    assert hop.http_headers.get_statuscode() == "302" and body == b""
    assert hop.http_headers.get_header("Location") == "/img/b.jpg"
    link, body = responses[u("/go/1")]  # the entry link: a redirect to the article
    assert link.http_headers.get_statuscode() == "302" and body == b""
    assert link.http_headers.get_header("Location") == "/article/1"
    page, body = responses[u("/article/1")]
    assert page.http_headers.get_header("Content-Type") == "text/html; charset=utf-8"
    assert b"<title>Article one</title>" in body

    # each request is the one sent, tied to its response, at the fetch time
    for url, (request, _) in requests.items():
        response = responses[url][0]
        assert request.rec_headers.get_header("WARC-Concurrent-To") == (
            response.rec_headers.get_header("WARC-Record-ID")
        )
        assert request.rec_headers.get_header("WARC-Date") == (
            response.rec_headers.get_header("WARC-Date")
        )
        assert request.http_headers.protocol == "GET"
        assert request.http_headers.get_header("Host") == f"127.0.0.1:{archived.site.port}"
        assert request.http_headers.get_header("User-Agent", "").startswith("feedvault/")
    [(_, _, fetched, _, _, _)] = archived.vault.store.media.iter_documents()
    assert responses[u("/feed.xml")][0].rec_headers.get_header("WARC-Date") == warc_date(fetched)


def test_downloads_kept_without_http_are_resource_records(archived_sqlite: Archived) -> None:
    """A vault from before HTTP exchanges were kept, and a document imported from bytes."""
    vault = archived_sqlite.vault
    store = vault.store
    with store.transaction():
        for table in ("documents", "media_urls", "snapshots"):
            store.db.execute(f"UPDATE {table} SET http = NULL")
    vault.add_feed(archived_sqlite.site.url("/none"), slug="imported", update=False)
    imported = archived_sqlite.site.feed_bytes.replace(b"Item one", b"Item two")
    vault.update_from_bytes("imported", imported, content_type="application/rss+xml")

    out = archived_sqlite.tmp / "old.warc"
    stats = export_warc(store, archived_sqlite.files, out)
    assert out.read_bytes().startswith(b"WARC/1.1\r\n")  # a .warc name: not gzipped
    records = _records(out)
    assert {r.rec_type for r, _ in records} == {"warcinfo", "resource"}
    assert stats.records == len(records) == 1 + 2 + 3 + 1
    resources = _by_type(records, "resource")
    u = archived_sqlite.site.url
    types = {url: r.rec_headers.get_header("Content-Type") for url, (r, _) in resources.items()}
    assert types == {
        u("/feed.xml"): "application/rss+xml; charset=utf-8",
        u("/none"): "application/rss+xml",
        u("/img/a.png"): "image/png",
        u("/img/old.jpg"): "image/jpeg",  # the URL as linked: no hops kept to say more
        u("/img/page.png"): "image/png",
        u("/article/1"): "text/html",
    }
    assert resources[u("/none")][1] == imported
    for record, body in resources.values():
        assert record.rec_headers.get_header("WARC-Payload-Digest") == _digest(body)
    check = subprocess.run([WARCIO, "check", out], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_feed_and_since_select(archived_sqlite: Archived) -> None:
    vault = archived_sqlite.vault
    other = vault.add_feed(archived_sqlite.site.url("/none"), slug="other", update=False)
    vault.update_from_bytes("other", archived_sqlite.site.feed_bytes.replace(b"one", b"two"))
    store, files, tmp = vault.store, archived_sqlite.files, archived_sqlite.tmp
    news = vault.feed("news").id

    only_other = export_warc(store, files, tmp / "other.warc.gz", feed_id=other.id)
    assert (only_other.documents, only_other.media, only_other.snapshots) == (1, 0, 0)
    only_news = export_warc(store, files, tmp / "news.warc.gz", feed_id=news, feed_slug="news")
    assert (only_news.documents, only_news.media, only_news.snapshots) == (1, 3, 1)
    info = _records(tmp / "news.warc.gz")[0][1].decode()
    assert "feed news" in info

    tomorrow = datetime.now(UTC) + timedelta(days=1)
    later = export_warc(store, files, tmp / "later.warc.gz", since=tomorrow)
    assert (later.documents, later.media, later.snapshots, later.records) == (0, 0, 0, 1)
    earlier = export_warc(store, files, tmp / "all.warc.gz", since=tomorrow - timedelta(days=3))
    assert (earlier.documents, earlier.media, earlier.snapshots) == (2, 3, 1)


def test_a_missing_media_file_is_left_out_and_counted(archived_sqlite: Archived) -> None:
    [mfile] = [f for u, f, _, _ in archived_sqlite.vault.store.media.iter_archived()
               if u.endswith("a.png")]
    archived_sqlite.files.delete(mfile.sha)
    out = archived_sqlite.tmp / "gap.warc.gz"
    stats = export_warc(archived_sqlite.vault.store, archived_sqlite.files, out)
    assert (stats.media, stats.missing) == (2, 1)
    assert archived_sqlite.site.url("/img/a.png") not in _by_type(_records(out), "response")


def test_an_unwritable_file_leaves_nothing(archived_sqlite: Archived) -> None:
    store, files, tmp = archived_sqlite.vault.store, archived_sqlite.files, archived_sqlite.tmp
    with pytest.raises(UsageError, match="cannot write .*nowhere"):
        export_warc(store, files, tmp / "nowhere" / "x.warc.gz")
    (tmp / "plain").write_text("a file, not a folder")
    with pytest.raises(UsageError, match="cannot write .*plain"):
        export_warc(store, files, tmp / "plain" / "x.warc.gz")
    folder = tmp / "taken.warc.gz"  # the name is a folder: the final rename fails
    folder.mkdir()
    before = sorted(p.name for p in tmp.iterdir())
    with pytest.raises(UsageError, match="cannot write .*taken.warc.gz"):
        export_warc(store, files, folder)
    assert sorted(p.name for p in tmp.iterdir()) == before  # no temporary file left
    assert list(folder.iterdir()) == []


def test_a_failed_export_keeps_the_old_file(
    archived_sqlite: Archived, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, files, tmp = archived_sqlite.vault.store, archived_sqlite.files, archived_sqlite.tmp
    out = tmp / "keep.warc.gz"
    out.write_bytes(b"the previous export")

    def broken(sha: str) -> bytes:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "get_document", broken)
    with pytest.raises(RuntimeError):
        export_warc(store, files, out)
    assert out.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp.iterdir() if p.name.startswith(".keep")) == []


def test_gzip_is_per_record(archived_sqlite: Archived) -> None:
    out = archived_sqlite.tmp / "vault.warc.gz"
    stats = export_warc(archived_sqlite.vault.store, archived_sqlite.files, out)
    data = out.read_bytes()
    members = 0
    while data:
        d = zlib.decompressobj(31)
        d.decompress(data)
        data = d.unused_data
        members += 1
    assert members == stats.records
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # like any new file, not 0600
    assert gzip.decompress(out.read_bytes()).startswith(b"WARC/1.1\r\nWARC-Type: warcinfo")
