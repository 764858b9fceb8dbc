"""WACZ 1.1.1 out (docs/warc.md): the WARC export packaged for replay in ReplayWeb.page/pywb.

The zip holds ``archive/data.warc.gz`` (the WARC, gzip per record), ``indexes/index.cdx.gz``
+ ``indexes/index.idx`` (a compressed CDXJ index made by cdxj-indexer, as py-wacz makes it),
``pages/pages.jsonl`` and ``datapackage.json`` (+ ``datapackage-digest.json``). It is built
here with zipfile rather than by py-wacz's ``create``, which pulls in frictionless and its
~40 dependencies for a validation feedvault does not need at export time
(docs/decisions.md); the tests check the result with py-wacz's validator.

Pages: one per article snapshot; a vault without snapshots lists instead each entry link
that has a response record (an archived page or enclosure).
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from cdxj_indexer.main import CDXJIndexer

from feedvault.errors import UsageError
from feedvault.export.warc import Page, WarcStats, atomic_output, software, write_warc

if TYPE_CHECKING:
    from feedvault.media.files import MediaFiles
    from feedvault.store.base import Storage

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
_CHUNK = 1 << 20
# named, not cdxj-indexer's default list: importing py-wacz appends "warcinfo" to that list
_INDEXED = "response,revisit,resource,metadata"


@dataclass(slots=True)
class WaczStats(WarcStats):
    """The WARC's counts, the pages listed and the size of the package."""

    pages: int = 0


def export_wacz(
    store: Storage,
    files: MediaFiles,
    path: str | Path,
    *,
    feed_id: int | None = None,
    feed_slug: str | None = None,
    since: datetime | None = None,
) -> WaczStats:
    """Write the WACZ file ``path``; nothing is left there unless the whole export succeeded.
    The parts are made in a temporary folder beside ``path`` (the WARC can be large)."""
    target = Path(path)
    try:
        with tempfile.TemporaryDirectory(prefix=f".{target.name}.", dir=target.parent) as work:
            return _package(store, files, target, Path(work), feed_id, feed_slug, since)
    except OSError as exc:  # the vault's reads raise FeedvaultErrors: this is a write
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None


def _package(
    store: Storage,
    files: MediaFiles,
    target: Path,
    work: Path,
    feed_id: int | None,
    feed_slug: str | None,
    since: datetime | None,
) -> WaczStats:
    """The parts in ``work``, then the zip at ``target`` (atomic_output)."""
    pages = _PageList(work / "pages.jsonl")
    links: dict[str, datetime] = {}

    def heard(url: str, at: datetime) -> None:
        if pages.count == 0:  # only a vault without snapshots needs entry links
            links.setdefault(url, at)

    warc = work / WARC_NAME
    with warc.open("wb") as out:
        stats = write_warc(
            out, store, files, feed_id=feed_id, feed_slug=feed_slug, since=since,
            gzip=True, filename=WARC_NAME, on_page=pages.add, on_response=heard,
        )
    if pages.count == 0:
        for page in entry_link_pages(store, links, feed_id):
            pages.add(page)
    pages.close()
    _index(warc, work / "index.cdx.gz", work / "index.idx")
    parts = [
        (f"archive/{WARC_NAME}", warc, zipfile.ZIP_STORED),
        ("indexes/index.cdx.gz", work / "index.cdx.gz", zipfile.ZIP_STORED),
        ("indexes/index.idx", work / "index.idx", zipfile.ZIP_DEFLATED),
        ("pages/pages.jsonl", pages.path, zipfile.ZIP_DEFLATED),
    ]
    with atomic_output(target) as package:
        _zip(package, parts, feed_slug)
    return WaczStats(
        stats.documents, stats.media, stats.snapshots, stats.records, stats.missing,
        target.stat().st_size, pages.count,
    )


def entry_link_pages(
    store: Storage, responses: dict[str, datetime], feed_id: int | None
) -> Iterator[Page]:
    """The entries whose link got a response record, read a page of entries at a time."""
    if not responses:
        return
    offset = 0
    while True:
        batch = store.list_entries(feed_id, limit=500, offset=offset, oldest_first=True)
        if not batch:
            return
        for entry in batch:
            at = responses.get(entry.link or "")
            if at is not None and entry.link:
                yield Page(entry.link, at, entry.title or None)
        offset += len(batch)


class _PageList:
    """pages/pages.jsonl, written as the pages are heard of."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._out: IO[str] = path.open("w", encoding="utf-8")
        header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
        self._out.write(json.dumps(header) + "\n")

    def add(self, page: Page) -> None:
        self.count += 1
        line = {
            "id": f"page-{self.count}",
            "url": page.url,
            "ts": _iso(page.at),
            "title": page.title or page.url,
        }
        self._out.write(json.dumps(line, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._out.close()


def _index(warc: Path, data: Path, idx: Path) -> None:
    """The compressed CDXJ index (blocks of 300 lines, gzip each) and its .idx, as py-wacz
    writes them: replay loads only the blocks a lookup needs."""
    text = io.BytesIO()
    wrapper = io.TextIOWrapper(text, "utf-8", write_through=True)
    with data.open("wb") as data_out:
        indexer = CDXJIndexer(
            wrapper, [str(warc)], sort=True, post_append=True, compress=data_out,
            data_out_name="index.cdx.gz", lines=300, digest_records=True, fields="referrer",
            records=_INDEXED,
        )
        indexer.process_all()
    idx.write_bytes(text.getvalue())


def _zip(out: IO[bytes], parts: list[tuple[str, Path, int]], feed_slug: str | None) -> None:
    resources = []
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        for name, source, method in parts:
            digest = hashlib.sha256()
            info = zipfile.ZipInfo.from_file(source, name)
            info.compress_type = method
            with source.open("rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                size = 0
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
            resources.append({
                "name": Path(name).name.lower(), "path": name,
                "hash": f"sha256:{digest.hexdigest()}", "bytes": size,
            })
        package = {
            "profile": "data-package",
            "resources": resources,
            "title": f"feedvault: {feed_slug}" if feed_slug else "feedvault",
            "created": _iso(datetime.now(UTC)),
            "wacz_version": WACZ_VERSION,
            "software": software(),
        }
        data = json.dumps(package, indent=2).encode()
        zf.writestr(_deflated("datapackage.json"), data)
        own = {"path": "datapackage.json", "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}
        zf.writestr(_deflated("datapackage-digest.json"), json.dumps(own, indent=2))


def _deflated(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _iso(at: datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")

