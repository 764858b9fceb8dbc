"""`export wacz`: a package py-wacz's validator accepts, with the WARC stored as written, a
CDXJ index that finds every capture, and one page per article snapshot."""

from __future__ import annotations

import contextlib
import gzip
import io
import ipaddress
import json
import socket
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from warc_kit import Archived

from feedvault.export.wacz import export_wacz


@contextlib.contextmanager
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any connection or name lookup beyond 127.0.0.0/8 by code run in this block fails
    the test (the validator must not reach for a schema on the internet)."""
    real_connect = socket.socket.connect
    real_lookup = socket.getaddrinfo

    def connect(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not ipaddress.ip_address(host).is_loopback:
            pytest.fail(f"connection to {address} left the machine")
        real_connect(self, address)  # type: ignore[arg-type]

    def lookup(host: object, *args: object, **kw: object) -> object:
        try:
            ipaddress.ip_address(str(host))
        except ValueError:
            pytest.fail(f"name lookup of {host!r}")
        return real_lookup(host, *args, **kw)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket, "getaddrinfo", lookup)
        yield


def _validate(
    path: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    from wacz.main import main as wacz_main

    with loopback_only(monkeypatch):
        code = wacz_main(["validate", "-f", path])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def test_wacz_validates_and_lists_the_snapshot(
    archived: Archived, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = archived.tmp / "vault.wacz"
    stats = export_wacz(archived.vault.store, archived.files, out)
    assert (stats.documents, stats.media, stats.snapshots, stats.pages) == (1, 3, 1, 1)
    assert stats.records == 17 and stats.size == out.stat().st_size
    assert "Validation succeeded" in _validate(str(out), monkeypatch, capsys)

    with zipfile.ZipFile(out) as zf:
        names = {i.filename: i for i in zf.infolist()}
        assert set(names) == {
            "archive/data.warc.gz", "indexes/index.cdx.gz", "indexes/index.idx",
            "pages/pages.jsonl", "datapackage.json", "datapackage-digest.json",
        }
        # a replay tool reads records at their offsets: the WARC is stored, not deflated
        assert names["archive/data.warc.gz"].compress_type == zipfile.ZIP_STORED
        header, *pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()]
        index = gzip.decompress(zf.read("indexes/index.cdx.gz")).decode().splitlines()
        package = json.loads(zf.read("datapackage.json"))

    assert header["format"] == "json-pages-1.0"
    [page] = pages
    [snapshot] = archived.vault.store.media.iter_snapshots()
    assert page["url"] == archived.site.url("/go/1") == snapshot.url  # the entry link
    assert page["title"] == "Item one"
    assert page["ts"] == snapshot.fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    captured = {json.loads(line.split(" ", 2)[2])["url"] for line in index}
    u = archived.site.url
    assert captured == {
        u("/go/1"), u("/article/1"), u("/feed"), u("/feed.xml"), u("/img/a.png"), u("/img/old.jpg"),
        u("/img/b.jpg"), u("/img/page.png"),
    }
    assert all(json.loads(line.split(" ", 2)[2])["filename"] == "data.warc.gz" for line in index)
    assert package["wacz_version"] == "1.1.1"
    assert {r["path"] for r in package["resources"]} == set(names) - {
        "datapackage.json", "datapackage-digest.json",
    }


def test_without_snapshots_entry_links_with_a_response_are_pages(
    archived_sqlite: Archived, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    vault, site = archived_sqlite.vault, archived_sqlite.site
    store = vault.store
    with store.transaction():
        store.db.execute("DELETE FROM snapshot_links")
        store.db.execute("DELETE FROM snapshots")
    # a podcast-like item whose link is itself an archived file
    vault.add_feed(site.url("/cast"), slug="cast", update=False)
    cast = site.feed_bytes.replace(b"/go/1", b"/img/a.png").replace(b"Item one", b"Episode")
    vault.update_from_bytes("cast", cast)

    out = archived_sqlite.tmp / "links.wacz"
    stats = export_wacz(store, archived_sqlite.files, out)
    assert (stats.snapshots, stats.pages) == (0, 1)
    with zipfile.ZipFile(out) as zf:
        lines = zf.read("pages/pages.jsonl").splitlines()
    [page] = [json.loads(line) for line in lines[1:]]
    assert (page["url"], page["title"]) == (site.url("/img/a.png"), "Episode")
    _validate(str(out), monkeypatch, capsys)


def test_an_empty_selection_is_a_valid_package(
    archived_sqlite: Archived, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = archived_sqlite.tmp / "empty.wacz"
    future = datetime(2999, 1, 1, tzinfo=UTC)
    stats = export_wacz(archived_sqlite.vault.store, archived_sqlite.files, out, since=future)
    assert (stats.records, stats.pages) == (1, 0)
    _validate(str(out), monkeypatch, capsys)
    with zipfile.ZipFile(out) as zf:
        assert len(zf.read("pages/pages.jsonl").splitlines()) == 1
        assert io.BytesIO(zf.read("archive/data.warc.gz")).read(2) == b"\x1f\x8b"
