"""WARC/1.1 out (docs/warc.md): feed documents, archived media and article snapshots.

Where the HTTP exchange of a download was kept (``http`` columns, fetch.result.HttpExchange),
each hop becomes a ``request`` + ``response`` pair, redirects as 3xx responses without a body,
so a replay tool follows them; an older download, or an imported one, becomes a ``resource``
record with its stored content type. The stored bodies are decoded, so the response headers
lose Content-Encoding and Transfer-Encoding and get the stored body's Content-Length
(docs/decisions.md). Records are written one at a time (each body read, digested and
written, then dropped), so the vault's size never sits in memory.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from importlib.metadata import PackageNotFoundError, version
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from feedvault.errors import FeedvaultError, UsageError
from feedvault.fetch.result import HttpExchange, exchanges_from_json
from feedvault.media.files import MediaMissing

if TYPE_CHECKING:
    from feedvault.media.files import MediaFiles
    from feedvault.store.base import Storage

WARC_VERSION = "WARC/1.1"
WARC_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
# the stored body is the decoded one: these would describe bytes the record does not hold
_DROPPED = frozenset({"content-encoding", "transfer-encoding", "content-length"})

Opener = Callable[[], IO[bytes]]


class _Sha256Writer(WARCWriter):  # type: ignore[misc]
    """warcio digests with SHA-1 unless told otherwise; sha256 is what the vault names
    its files by, so a record's payload digest is the stored file's own hash (base32)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


@dataclass(slots=True)
class Page:
    """A replayable page: what a WACZ lists in pages.jsonl."""

    url: str
    at: datetime
    title: str | None = None


@dataclass(slots=True)
class WarcStats:
    """What an export wrote; ``missing`` counts media the catalog lists but the media
    directory lacks (`feedvault media verify` says more)."""

    documents: int = 0
    media: int = 0
    snapshots: int = 0
    records: int = 0
    missing: int = 0
    size: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Capture:
    url: str
    at: datetime
    content_type: str | None
    exchanges: tuple[HttpExchange, ...]
    open_body: Opener


def since_datetime(day: date | None) -> datetime | None:
    """The start (UTC) of ``--since DAY``."""
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def export_warc(
    store: Storage,
    files: MediaFiles,
    path: str | Path,
    *,
    feed_id: int | None = None,
    feed_slug: str | None = None,
    since: datetime | None = None,
    gzip: bool | None = None,
) -> WarcStats:
    """Write the WARC file ``path`` (a ``.warc`` name is written uncompressed, any other
    gzip per record); nothing is left at ``path`` unless the whole export succeeded."""
    target = Path(path)
    compress = not target.name.endswith(".warc") if gzip is None else gzip
    with atomic_output(target) as out:
        stats = write_warc(
            out, store, files, feed_id=feed_id, feed_slug=feed_slug, since=since,
            gzip=compress, filename=target.name,
        )
    stats.size = target.stat().st_size
    return stats


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[IO[bytes]]:
    """A temporary file beside ``target`` (its mode as the umask says, like any new file),
    renamed over it only when the block succeeds, removed otherwise. An OSError out of the
    block is the output's (reads of the vault raise FeedvaultErrors): a place that cannot be
    written or a disk that fills up is one UsageError naming the file."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise


def write_warc(
    out: IO[bytes],
    store: Storage,
    files: MediaFiles,
    *,
    feed_id: int | None = None,
    feed_slug: str | None = None,
    since: datetime | None = None,
    gzip: bool = True,
    filename: str | None = None,
    on_page: Callable[[Page], None] | None = None,
    on_response: Callable[[str, datetime], None] | None = None,
) -> WarcStats:
    """Stream every selected capture into ``out``: a warcinfo record first, then the article
    snapshots, the feed documents and the archived media. ``on_page`` hears of each snapshot
    (a page to list), ``on_response`` of each URL given a response record."""
    writer = _Sha256Writer(out, gzip=gzip, warc_version=WARC_VERSION)
    stats = WarcStats()
    writer.write_record(writer.create_warcinfo_record(filename, _info(feed_slug, since)))
    stats.records += 1
    catalog = store.media
    for snap in catalog.iter_snapshots(feed_id=feed_id, since=since):
        # every hop (the entry link's redirects too); a row from before has none
        hops = _parse_hops(snap.hops) or _parse_exchanges(snap.http)
        body = _media_opener(files, snap.sha)
        cap = _Capture(snap.final_url, snap.fetched_at, "text/html", hops, body)
        if not _write_capture(writer, cap, stats, on_response):
            stats.missing += 1
            continue
        stats.snapshots += 1
        if on_page is not None:
            first = hops[0].url if hops else snap.final_url
            on_page(Page(first, snap.fetched_at, _entry_title(store, snap.entry_id)))
    for sha, _feed, at, doc_url, ctype, http in catalog.iter_documents(
        feed_id=feed_id, since=since
    ):
        target = doc_url or f"urn:feedvault:document:{sha}"
        cap = _Capture(target, at, ctype, _parse(http), _document_opener(store, sha))
        _write_capture(writer, cap, stats, on_response)
        stats.documents += 1
    for url, mfile, http, at in catalog.iter_archived(feed_id=feed_id, since=since):
        cap = _Capture(url, at, mfile.mime, _parse(http), _media_opener(files, mfile.sha))
        if _write_capture(writer, cap, stats, on_response):
            stats.media += 1
        else:
            stats.missing += 1
    return stats


def _write_capture(
    writer: _Sha256Writer,
    cap: _Capture,
    stats: WarcStats,
    on_response: Callable[[str, datetime], None] | None,
) -> bool:
    """The capture's records; False (nothing written) when its archived file is gone."""
    try:
        opened = cap.open_body()
    except (OSError, MediaMissing):
        return False
    date_ = warc_date(cap.at)
    with _Reading(opened, cap.url) as body:
        length = _length(body)
        if not cap.exchanges:
            record = writer.create_warc_record(
                cap.url, "resource", payload=body, length=length,
                warc_content_type=cap.content_type or "application/octet-stream",
                warc_headers_dict={"WARC-Date": date_},
            )
            writer.write_record(record)
            stats.records += 1
            return True
        last = len(cap.exchanges) - 1
        for i, hop in enumerate(cap.exchanges):
            if i < last:  # a redirect: its body was never kept
                _write_pair(writer, hop, date_, BytesIO(b""), 0)
            else:
                _write_pair(writer, hop, date_, body, length)
            stats.records += 2
            if on_response is not None:
                on_response(hop.url, cap.at)
    return True


class _Reading:
    """A stored body being copied: a read that fails mid-way is a FeedvaultError naming the
    capture, never mistaken for a failed write of the export (atomic_output)."""

    def __init__(self, raw: IO[bytes], url: str) -> None:
        self._raw = raw
        self._url = url

    def __enter__(self) -> _Reading:
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()

    def read(self, size: int = -1) -> bytes:
        try:
            return self._raw.read(size)
        except OSError as exc:
            raise FeedvaultError(f"cannot read the archived copy of {self._url}: {exc}") from None

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


def _write_pair(
    writer: _Sha256Writer, hop: HttpExchange, date_: str, body: _Reading | BytesIO, length: int
) -> None:
    response = writer.create_warc_record(
        hop.url, "response", payload=body, length=length,
        http_headers=StatusAndHeaders(
            f"{hop.status} {hop.reason}".rstrip(), response_headers(hop, length),
            protocol=hop.http_version or "HTTP/1.1",
        ),
        warc_headers_dict={"WARC-Date": date_},
    )
    request = writer.create_warc_record(
        hop.url, "request",
        http_headers=StatusAndHeaders(
            f"{_request_target(hop.url)} {hop.http_version or 'HTTP/1.1'}",
            list(hop.request_headers), protocol="GET",
        ),
        warc_headers_dict={"WARC-Date": date_},
    )
    writer.write_request_response_pair(request, response)


def response_headers(hop: HttpExchange, length: int) -> list[tuple[str, str]]:
    """The received headers, in order, for a body of ``length`` stored (decoded) bytes:
    Content-Encoding and Transfer-Encoding go, Content-Length is the stored body's."""
    headers: list[tuple[str, str]] = []
    placed = False
    for name, value in hop.response_headers:
        lower = name.lower()
        if lower == "content-length" and not placed:
            headers.append((name, str(length)))
            placed = True
        elif lower not in _DROPPED:
            headers.append((name, value))
    if not placed:
        headers.append(("Content-Length", str(length)))
    return headers


def warc_date(at: datetime) -> str:
    """WARC-Date of a fetch time: UTC, to the second (what CDX timestamps keep)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(at))


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _length(body: _Reading) -> int:
    body.seek(0, os.SEEK_END)
    size = body.tell()
    body.seek(0)
    return size


def _parse(http: str | None) -> tuple[HttpExchange, ...]:
    """The kept hops, or () for a row from before (or one that cannot be read: such a
    capture is still exported, as a resource record)."""
    try:
        return exchanges_from_json(http)
    except (ValueError, KeyError, TypeError, AttributeError):
        return ()


def _parse_exchanges(http: Mapping[str, Any] | None) -> tuple[HttpExchange, ...]:
    """A snapshot's hops: the whole ``{"exchanges": [...]}`` or the final exchange alone."""
    if not http:
        return ()
    try:
        if "exchanges" in http:
            return tuple(HttpExchange.from_json(ex) for ex in http["exchanges"] or ())
        return (HttpExchange.from_json(http),)
    except (ValueError, KeyError, TypeError, AttributeError):
        return ()


def _parse_hops(hops: Any) -> tuple[HttpExchange, ...]:
    try:
        return tuple(HttpExchange.from_json(ex) for ex in hops or ())
    except (ValueError, KeyError, TypeError, AttributeError):
        return ()


def _document_opener(store: Storage, sha: str) -> Opener:
    return lambda: BytesIO(store.get_document(sha))


def _media_opener(files: MediaFiles, sha: str) -> Opener:
    """Opens the file when its record is written (a local file is streamed, not read whole);
    a missing one raises OSError or MediaMissing then."""
    local = files.path(sha)
    if local is not None:
        return lambda: local.open("rb")
    return lambda: BytesIO(files.read(sha))


def _entry_title(store: Storage, entry_id: int) -> str | None:
    try:
        return store.get_entry(entry_id, with_versions=False).title or None
    except FeedvaultError:
        return None


def software() -> str:
    try:
        return f"feedvault/{version('feedvault')}"
    except PackageNotFoundError:  # a source tree without package metadata
        return "feedvault"


def _info(feed_slug: str | None, since: datetime | None) -> dict[str, str]:
    selection = [f"feed {feed_slug}" if feed_slug else "all feeds"]
    if since is not None:
        selection.append(f"fetched since {since.date().isoformat()}")
    return {
        "software": software(),
        "format": "WARC File Format 1.1",
        "conformsTo": WARC_SPEC,
        "description": "feedvault export: feed documents, archived media and article "
        "snapshots; " + ", ".join(selection),
    }
