"""The media archiver: the images new versions show, downloaded, checked and kept.

Two steps (docs/media.md). *Scan*: each version not looked at yet (above its feed's
``media_scanned`` mark; for the backfill, every version of the feed/since) gives its image
references (``media.refs.image_refs``), linked to it as pending URLs. *Download*: the URLs
that are due go through the project's hardened fetcher (address guard, deadline, per-host
politeness) with the per-file cap; the bytes are sniffed (media/sniff.py), stored once by
sha (``MediaFiles.put``) and recorded (``store.media.record_ok``) with the HTTP exchanges.

Never raises for one file: a failure is recorded and retried with backoff (1 h, 4 h, 16 h...,
given up after 8 attempts; 404 and 410 give up at once). Only a VaultFault (the database, or
the media directory full or read-only) stops it. Quotas per entry and in total leave the rest
pending with a one-line warning. The updater runs this after every feed of an update was
committed, never inside ingest.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from feedvault.bugs import log_unexpected, one_line
from feedvault.config import MediaSettings, Settings
from feedvault.errors import FeedvaultError, FetchError, VaultFault
from feedvault.media.files import MediaFiles
from feedvault.media.model import MediaFile, MediaTask
from feedvault.media.sniff import sniff
from feedvault.store.base import Storage
from feedvault.timeutil import now_utc

if TYPE_CHECKING:
    from feedvault.fetch.client import Fetcher
    from feedvault.fetch.result import FetchRequest, FetchResult
    from feedvault.models import Feed

log = logging.getLogger("feedvault.media")

IMAGE_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
ENCLOSURE_ACCEPT = "audio/*,video/*,image/*,*/*;q=0.8"
MAX_ATTEMPTS = 8  # a failing URL is given up after this many tries
FIRST_BACKOFF = timedelta(hours=1)  # then x4 each attempt: 1 h, 4 h, 16 h, 64 h...
QUOTA_WAIT = timedelta(days=1)  # an entry over its quota is looked at again after this
GIVE_UP_STATUSES = frozenset({404, 410})
BATCH = 200  # URLs fetched per round (quotas are re-read between rounds)

Progress = Callable[[int, int], None]  # (done, known so far)


@dataclass
class MediaResult:
    """What one archiver run did; ``by_feed`` holds the same counts per feed id."""

    fetched: int = 0  # files downloaded and kept
    stored_bytes: int = 0  # bytes of those (new files or not)
    skipped: int = 0
    failed: int = 0
    warnings: list[str] = field(default_factory=list)
    linked: int = 0  # new URLs found in the versions scanned
    scanned: int = 0  # versions scanned
    pending: int = 0  # left pending by a quota or a stop
    by_feed: dict[int, Counter[str]] = field(default_factory=dict)

    def count(self, feed_id: int, what: str, n: int = 1) -> None:
        self.by_feed.setdefault(feed_id, Counter())[what] += n

    def as_dict(self) -> dict[str, object]:
        return {
            "fetched": self.fetched,
            "stored_bytes": self.stored_bytes,
            "skipped": self.skipped,
            "failed": self.failed,
            "pending": self.pending,
            "linked": self.linked,
            "scanned": self.scanned,
            "warnings": list(self.warnings),
        }

    def feed_dict(self, feed_id: int) -> dict[str, int]:
        counts = self.by_feed.get(feed_id, Counter())
        return {k: int(counts[k]) for k in ("fetched", "stored_bytes", "skipped", "failed")}

    @property
    def anything(self) -> bool:
        return bool(self.fetched or self.skipped or self.failed or self.warnings or self.pending)

    def summary(self) -> str:
        """One line for the update output."""
        line = (
            f"media: {self.fetched} archived ({human_size(self.stored_bytes)}), "
            f"{self.skipped} skipped, {self.failed} failed"
        )
        if self.pending:
            line += f", {self.pending} left pending"
        return line


def human_size(n: int) -> str:
    """Bytes as a person reads them: 812 bytes, 3.4 MiB."""
    if n < 1024:
        return f"{n} bytes"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"


def feed_media_on(feed: Feed) -> bool:
    """The feed's ``media`` setting (on unless set false)."""
    return feed.settings.get("media", True) is not False


def feed_enclosures_on(feed: Feed, media: MediaSettings) -> bool:
    value = feed.settings.get("media_enclosures")
    return media.enclosures if value is None else value is True


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure (1: 1 h, 2: 4 h, 3: 16 h...)."""
    return FIRST_BACKOFF * int(4 ** max(attempts - 1, 0))


def archive_media(
    store: Storage,
    files: MediaFiles,
    fetcher: Fetcher,
    settings: Settings,
    *,
    feed_id: int | None = None,
    since: datetime | None = None,
    feed_ids: Sequence[int] | None = None,
    backfill: bool = False,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    now: datetime | None = None,
) -> MediaResult:
    """Scan the versions not scanned yet (all of ``feed_id``/``since`` with ``backfill``),
    then download what is due. ``feed_ids`` narrows both to those feeds (the updater passes
    the feeds whose update did not fail)."""
    run = _Run(store, files, fetcher, settings, now or now_utc(), progress, stop)
    feeds = {f.id: f for f in store.list_feeds()}
    wanted = set(feeds) if feed_ids is None else set(feed_ids) & set(feeds)
    if feed_id is not None:
        wanted &= {feed_id}
    off = sorted(feeds[i].slug for i in wanted if not feed_media_on(feeds[i]))
    if off and (backfill or feed_id is not None):
        run.result.warnings.append(f"media are off for feed {', '.join(off)} (feed setting)")
    on = {i for i in wanted if feed_media_on(feeds[i])}
    run.scan(feeds, wanted, on, since=since, backfill=backfill)
    if on:
        run.download(feeds, sorted(on))
    return run.result


class _Run:
    """One archiver run's state: the result so far, quotas, the fetcher with the file cap."""

    def __init__(
        self,
        store: Storage,
        files: MediaFiles,
        fetcher: Fetcher,
        settings: Settings,
        now: datetime,
        progress: Progress | None,
        stop: threading.Event | None,
    ) -> None:
        self.store = store
        self.media = store.media
        self.files = files
        self.fetcher = fetcher
        self.settings = settings
        self.limits = settings.media
        self.now = now
        self.progress = progress
        self.stop = stop
        self.result = MediaResult()
        self.done = 0
        self.known = 0
        self.entry_bytes: dict[int, int] = {}  # entry id: bytes counted against its quota
        self.total: int | None = None  # bytes of the whole vault's media, when capped
        self.quota_warned: set[str] = set()
        self.feed_ids: Sequence[int] = ()
        self.full = False  # the total quota was reached in this run
        self.documents: dict[str, dict[str, tuple[str, ...]]] = {}  # sha: key: enclosures

    # ---- scanning ------------------------------------------------------------------

    def scan(
        self,
        feeds: dict[int, Feed],
        wanted: set[int],
        on: set[int],
        *,
        since: datetime | None,
        backfill: bool,
    ) -> None:
        from feedvault.media.refs import image_refs

        with_enclosures = {i for i in on if feed_enclosures_on(feeds[i], self.limits)}
        if not wanted:
            return
        top = self.media.max_version_id()  # versions written after this wait for the next scan
        ids = sorted(wanted)
        rows = self.media.versions_to_scan(
            since=since if backfill else None, unscanned=not backfill, feed_ids=ids, upto=top
        )
        for vid, entry_id, fid, link, html, raw in rows:
            if fid not in on:
                continue
            try:
                enclosures = self._item_enclosures(vid, fid) if fid in with_enclosures else ()
                refs = image_refs(raw, link, enclosures=enclosures, shown=html)
            except Exception as exc:  # never one version's HTML stopping the rest
                log_unexpected(log, f"version {vid}: image references: {one_line(exc)}", exc)
                continue
            self.result.scanned += 1
            if refs:
                self.result.linked += self.media.link_version(vid, entry_id, refs)
        if backfill and since is not None:
            return  # versions before `since` were not looked at: the marks stay
        # every version of these feeds up to `top` is committed (the update is done, and
        # under `run` their leases are this worker's): the next scan starts above it
        self.media.mark_feeds_scanned(ids, top)

    def _item_enclosures(self, version_id: int, feed_id: int) -> Sequence[str]:
        """The enclosure URLs of a version's item, read back from the feed document it
        came from (versions keep no enclosures of their own); a few documents cached."""
        from feedvault.decide.decider import candidates
        from feedvault.parse import parse_feed

        source = self.media.version_source(version_id)
        if source is None:
            return ()
        key, sha, url, content_type = source
        if sha not in self.documents:
            if len(self.documents) >= 4:
                self.documents.pop(next(iter(self.documents)))
            try:
                parsed = parse_feed(self.store.get_document(sha), url=url,
                                    content_type=content_type)
                found, _ = candidates(  # keyed as stored (items sharing a guid)
                    parsed.entries, lambda keys: self.store.entry_states(feed_id, keys)
                )
                self.documents[sha] = {c.key: c.parsed.enclosures for c in found}
            except FeedvaultError as exc:
                log.warning("media: enclosures of document %s: %s", sha[:12], one_line(exc))
                self.documents[sha] = {}
        return self.documents[sha].get(key, ())

    # ---- downloading ---------------------------------------------------------------

    def download(self, feeds: dict[int, Feed], feed_ids: Sequence[int]) -> None:
        """Fetch what is due in rounds of ``BATCH`` until nothing is due, a quota stops the
        rest, or ``stop`` is set."""
        tried: set[int] = set()
        self.feed_ids = feed_ids
        fetcher: Fetcher | None = None
        own = False
        try:
            while not (self.stop and self.stop.is_set()):
                due = [
                    t for t in self.media.due(self.now, limit=BATCH + len(tried),
                                              feed_ids=feed_ids)
                    if t.url_id not in tried
                ][:BATCH]
                if not due:
                    break
                tried.update(t.url_id for t in due)
                self.known += len(due)
                tasks = self._within_quota(due)
                if tasks is None or self.full:
                    break
                if fetcher is None:
                    fetcher, own = self._capped_fetcher()
                self._fetch(fetcher, feeds, tasks)
        finally:
            if own and fetcher is not None:
                fetcher.close()
        if (self.stop and self.stop.is_set()) or self.full:
            left = len(self.media.due(self.now, limit=100_000, feed_ids=feed_ids))
            self.result.pending += left

    def _capped_fetcher(self) -> tuple[Fetcher, bool]:
        """The fetcher with ``max_file_bytes`` as its byte cap (a new one when it differs)."""
        cap = self.limits.max_file_bytes
        if self.fetcher.policy.max_bytes == cap:
            return self.fetcher, False
        from feedvault.fetch.client import Fetcher

        return Fetcher(replace(self.fetcher.policy, max_bytes=cap)), True

    def _total(self) -> int:
        if self.total is None:
            self.total = self.media.total_bytes()
        return self.total

    def _entry(self, entry_id: int) -> int:
        if entry_id not in self.entry_bytes:
            self.entry_bytes[entry_id] = self.media.entry_bytes(entry_id)
        return self.entry_bytes[entry_id]

    def _within_quota(self, tasks: list[MediaTask]) -> list[MediaTask] | None:
        """The tasks that quotas leave to fetch; None when the total quota is reached (the
        rest stay pending). Entries over their quota are deferred."""
        cap = self.limits.max_total_bytes
        if cap and self._total() >= cap:
            left = len(self.media.due(self.now, limit=100_000, feed_ids=self.feed_ids))
            self._quota_warning(
                "total",
                f"media quota reached: {self._total()} bytes stored, [media] max_total_bytes "
                f"is {cap}; {left} files left pending",
            )
            self.result.pending += left
            return None
        keep: list[MediaTask] = []
        over: list[MediaTask] = []
        cap_entry = self.limits.max_entry_bytes
        for task in tasks:
            if cap_entry and self._entry(task.entry_id) >= cap_entry:
                over.append(task)
            else:
                keep.append(task)
        self._defer(over)
        return keep

    def _defer(self, tasks: Iterable[MediaTask]) -> None:
        tasks = list(tasks)
        if not tasks:
            return
        self.media.defer([t.url_id for t in tasks], self.now + QUOTA_WAIT)
        self.result.pending += len(tasks)
        entries = sorted({t.entry_id for t in tasks})
        self._quota_warning(
            f"entry {entries}",
            f"media quota reached for entr{'y' if len(entries) == 1 else 'ies'} "
            f"{', '.join(map(str, entries[:5]))}{'...' if len(entries) > 5 else ''}: "
            f"[media] max_entry_bytes is {self.limits.max_entry_bytes}; "
            f"{len(tasks)} files left pending",
        )

    def _quota_warning(self, key: str, message: str) -> None:
        if key not in self.quota_warned:
            self.quota_warned.add(key)
            self.result.warnings.append(message)
            log.warning("%s", message)

    def _fetch(self, fetcher: Fetcher, feeds: dict[int, Feed], tasks: list[MediaTask]) -> None:
        from feedvault.fetch.result import FetchRequest

        by_id = {t.url_id: t for t in tasks}
        requests = [
            FetchRequest(
                t.url,
                accept=ENCLOSURE_ACCEPT if self._enclosures(feeds, t) else IMAGE_ACCEPT,
                key=t.url_id,
            )
            for t in tasks
        ]

        def done(request: FetchRequest, outcome: FetchResult | FetchError) -> None:
            assert isinstance(request.key, int)
            task = by_id[request.key]
            try:
                self._record(feeds, task, outcome)
            except VaultFault:
                raise
            except Exception as exc:  # one file's bug or database error: the rest go on
                log_unexpected(log, f"media {task.url}: {one_line(exc)}", exc)
                self.result.failed += 1
                self.result.count(task.feed_id, "failed")
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, self.known)

        fetcher.fetch_many(requests, done, stop=self.stop)

    def _enclosures(self, feeds: dict[int, Feed], task: MediaTask) -> bool:
        feed = feeds.get(task.feed_id)
        return feed is not None and feed_enclosures_on(feed, self.limits)

    def _record(
        self, feeds: dict[int, Feed], task: MediaTask, outcome: FetchResult | FetchError
    ) -> None:
        from feedvault.fetch.result import exchanges_json

        at = now_utc()
        http = exchanges_json(getattr(outcome, "exchanges", ()) or ())
        if isinstance(outcome, FetchError):
            self._failed(task, outcome, http, at)
            return
        if outcome.gone:
            self._give_up(task, f"HTTP 410 Gone: {task.url}", http, at)
            return
        kind = "enclosure" if self._enclosures(feeds, task) else "img"
        verdict = sniff(outcome.content, outcome.content_type, kind=kind)
        if not verdict.kept or verdict.mime is None:
            self.media.record_skipped(task.url_id, verdict.reason or "not kept", http, at)
            self._skipped(task)
            return
        size = len(outcome.content)
        if self._over_quota(task, size):
            return
        sha = self.files.put(outcome.content)
        file = MediaFile(sha, size, verdict.mime, verdict.width, verdict.height)
        self.media.record_ok(task.url_id, file, http, at)
        self.result.fetched += 1
        self.result.stored_bytes += size
        self.result.count(task.feed_id, "fetched")
        self.result.count(task.feed_id, "stored_bytes", size)
        self.entry_bytes[task.entry_id] = self._entry(task.entry_id) + size
        if self.total is not None:
            self.total += size

    def _over_quota(self, task: MediaTask, size: int) -> bool:
        """True (and the URL deferred) when keeping ``size`` more bytes would pass a quota."""
        cap_entry = self.limits.max_entry_bytes
        if cap_entry and self._entry(task.entry_id) + size > cap_entry:
            self._defer([task])
            return True
        cap = self.limits.max_total_bytes
        if cap and self._total() + size > cap:
            self.full = True  # no new round; what is in flight is deferred as it arrives
            self._quota_warning(
                "total",
                f"media quota reached: {self._total()} bytes stored, [media] max_total_bytes "
                f"is {cap}; the rest left pending",
            )
            self.media.defer([task.url_id], self.now + QUOTA_WAIT)
            self.result.pending += 1
            return True
        return False

    def _skipped(self, task: MediaTask) -> None:
        self.result.skipped += 1
        self.result.count(task.feed_id, "skipped")

    def _failed(self, task: MediaTask, exc: FetchError, http: str | None, at: datetime) -> None:
        message = one_line(exc)
        if message.startswith("too large"):
            cap = self.limits.max_file_bytes
            reason = f"too large: over the [media] max_file_bytes cap of {cap} bytes"
            self.media.record_skipped(task.url_id, reason, http, at)
            self._skipped(task)
            return
        if exc.status in GIVE_UP_STATUSES:
            self._give_up(task, message, http, at)
            return
        attempts = task.attempts + 1
        wait = backoff(attempts)
        retry_after: Any = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float) and timedelta(seconds=retry_after) > wait:
            wait = timedelta(seconds=retry_after)
        next_try = None if attempts >= MAX_ATTEMPTS else at + wait
        self.media.record_failed(task.url_id, message, http, at, next_try)
        self.result.failed += 1
        self.result.count(task.feed_id, "failed")

    def _give_up(self, task: MediaTask, message: str, http: str | None, at: datetime) -> None:
        self.media.record_failed(task.url_id, message, http, at, None)
        self.result.failed += 1
        self.result.count(task.feed_id, "failed")


@dataclass
class VerifyReport:
    """``media verify``: every file the vault records, re-hashed."""

    where: str
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "dir": self.where,
            "checked": self.checked,
            "missing": list(self.missing),
            "damaged": list(self.damaged),
        }


def verify_media(
    store: Storage, files: MediaFiles, progress: Progress | None = None
) -> VerifyReport:
    """Re-hash every recorded file: missing ones, and ones whose bytes no longer have their
    sha256 (or size). Reads one file at a time."""
    import hashlib

    from feedvault.media.files import MediaMissing

    report = VerifyReport(str(getattr(files, "root", files)))
    for file in store.media.iter_files():
        report.checked += 1
        try:
            data = files.read(file.sha)
        except MediaMissing:
            report.missing.append(file.sha)
            continue
        if len(data) != file.size or hashlib.sha256(data).hexdigest() != file.sha:
            report.damaged.append(file.sha)
        if progress is not None:
            progress(report.checked, report.checked)
    return report
