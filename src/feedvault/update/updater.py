"""The update orchestration behind `Vault.update`: which path each feed takes (a local file,
a fetch, a preparing worker), the per-feed fault boundary, unchanged feeds' batched states,
the learnt next check and the full-text pages after an ingest.

`Vault` (the public API) owns one `Updater` and delegates to it; nothing here knows `Vault`.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from feedvault.bugs import log_unexpected
from feedvault.bugs import one_line as _one_line
from feedvault.config import Settings
from feedvault.errors import FeedvaultError, FetchError, VaultFault
from feedvault.models import Feed
from feedvault.store.base import FeedStateUpdate, Storage
from feedvault.timeutil import now_utc
from feedvault.update import fulltext
from feedvault.update.localfiles import file_etag, read_time_ns, unchanged_since_read
from feedvault.update.pipeline import (
    Document,
    Prepared,
    StaleDecision,
    UpdateResult,
    commit,
    ingest,
)
from feedvault.update.schedule import next_check

if TYPE_CHECKING:
    from feedvault.clean import RuleSet
    from feedvault.fetch.client import Fetcher, FetchResult
    from feedvault.media.files import MediaFiles
    from feedvault.update.media import MediaResult
    from feedvault.update.prepare_pool import PreparePool

_UNCHANGED_BATCH = 500  # unchanged feeds' states written per transaction

log = logging.getLogger("feedvault.update")
T = TypeVar("T")


class Updater:
    """Updates the feeds of one store; holds what lives across updates (the fetcher, the
    compiled rules, the preparing workers, recent publication times, queued states)."""

    def __init__(self, store: Storage, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._rules: RuleSet | None = None
        self._fetcher: Fetcher | None = None
        self._recent: dict[int, tuple[int, list[datetime]]] = {}  # feed id: (count, times)
        self._unchanged: list[tuple[int, datetime, FeedStateUpdate]] = []  # to write
        self._pool: PreparePool | None = None
        self.last_media: MediaResult | None = None  # what the last update archived

    def close(self) -> None:
        """Stop the workers and the fetcher; the store is the caller's."""
        if self._pool is not None:
            self._pool.close()
        if self._fetcher is not None:
            self._fetcher.close()

    @property
    def rules(self) -> RuleSet:
        if self._rules is None:
            from feedvault.clean import load_rules

            self._rules = load_rules(self.settings.rules_files)
        return self._rules

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            from feedvault.fetch.client import Fetcher
            from feedvault.fetch.policy import FetchPolicy

            policy = FetchPolicy(
                timeout=self.settings.fetch_timeout,
                max_bytes=self.settings.max_bytes,
                allow_networks=self.settings.allow_networks,
                per_host=self.settings.per_host,
                concurrency=self.settings.concurrency,
            )
            self._fetcher = Fetcher(policy)
        return self._fetcher

    def update(
        self,
        slugs: Sequence[str] | None = None,
        on_result: Callable[[UpdateResult], None] | None = None,
        *,
        stop: threading.Event | None = None,
    ) -> list[UpdateResult]:
        """Fetch and store the given feeds (all when None). Errors are per feed, never raised.

        ``stop`` (set from a signal handler) lets the fetches in flight finish and store,
        and starts nothing new.
        """
        feeds = [self.store.get_feed(s) for s in slugs] if slugs else self.store.list_feeds()
        feeds = [f for f in feeds if f.url and (slugs or f.status != "gone")]
        results: list[UpdateResult] = []

        def done(result: UpdateResult) -> None:
            results.append(result)
            if on_result is not None:
                on_result(result)

        local = [f for f in feeds if f.url and f.url.startswith("file://")]
        remote = [f for f in feeds if f.url and not f.url.startswith("file://")]
        try:
            self._update_local_all(local, done, stop)
            if remote:
                self._update_remote(remote, done, stop)
        finally:
            self._flush_unchanged()
        self.last_media = self._archive_media(feeds, results, stop)
        return results

    def _archive_media(
        self, feeds: Sequence[Feed], results: Sequence[UpdateResult], stop: threading.Event | None
    ) -> MediaResult | None:
        """After every feed of the update was committed: the images of the versions it
        wrote, and the media due for retry, of the feeds whose update did not fail. Never
        fails the update (only a VaultFault stops the command); None when media are off."""
        if not self.settings.media.enabled or (stop is not None and stop.is_set()):
            return None
        from feedvault.media.files import DirectoryMediaFiles
        from feedvault.update.media import MediaResult, archive_media

        fine = {r.slug for r in results if r.status in ("ok", "not_modified")}
        ids = [f.id for f in feeds if f.slug in fine]
        if not ids:
            return None
        files = DirectoryMediaFiles(self.settings.media.directory(self.settings.db))
        try:
            outcome = archive_media(
                self.store, files, self.fetcher, self.settings, feed_ids=ids, stop=stop
            )
        except VaultFault:
            raise
        except Exception as exc:  # media never fail an update
            log_unexpected(log, f"media: {_one_line(exc)}", exc)
            return MediaResult(warnings=[f"media archiving failed: {_one_line(exc)}"])
        if outcome.anything:
            log.info("%s", outcome.summary())
        return outcome

    def update_from_bytes(
        self, slug: str, data: bytes, *, url: str | None = None, content_type: str | None = None
    ) -> UpdateResult:
        """Store a feed document obtained elsewhere (a file, a test, another fetcher)."""
        feed = self.store.get_feed(slug)
        doc = Document(data, url or feed.url, content_type)
        return self._ingest(feed, doc)

    def _ingest(self, feed: Feed, doc: Document) -> UpdateResult:
        now = now_utc()
        return self._after_ingest(feed, self._ingest_document(feed, doc, now))

    def _after_ingest(self, feed: Feed, result: UpdateResult) -> UpdateResult:
        if result.touched_keys and fulltext.wants_page(feed):
            try:
                states = self.store.entry_states(feed.id, result.touched_keys)
                pages = fulltext.fetch_full_text(
                    self.store,
                    self.fetcher,
                    feed,
                    [s.entry_id for s in states.values()],
                    rules=self.rules,
                    media_files=self._snapshot_files(),
                )
                if pages.warnings:  # snapshots not kept; the entries are stored
                    result.warnings = (*result.warnings, *pages.warnings)
            except VaultFault:
                raise
            except Exception as exc:  # the feed's entries are stored: only the pages failed
                message = f"{feed.slug}: full text failed: {_one_line(exc)}"
                _log_failure(feed, exc, message)
                result.warnings = (*result.warnings, message)
        return result

    def _snapshot_files(self) -> MediaFiles:
        """Where article snapshots go: the media files (a feed's ``snapshot`` setting keeps
        them even with [media] off; only their images then wait for ``media fetch``)."""
        from feedvault.media.files import DirectoryMediaFiles

        return DirectoryMediaFiles(self.settings.media.directory(self.settings.db))

    def _ingest_document(self, feed: Feed, doc: Document, now: datetime) -> UpdateResult:
        return ingest(
            self.store,
            feed,
            doc,
            seen_at=now,
            rules=self.rules,
            next_check=lambda: self._next_check(feed, now),
            fail=lambda message: self._fail(feed, message),
        )

    def _next_check(
        self, feed: Feed, now: datetime, *, error: bool = False, retry_after: float | None = None
    ) -> datetime:
        override = feed.settings.get("interval")
        cached = self._recent.get(feed.id)  # same count: same history (a 304 costs no query)
        if cached is not None and cached[0] == feed.entry_count:
            published = cached[1]
        else:
            published = self.store.recent_published(feed.id, 20)
            self._recent[feed.id] = (feed.entry_count, published)
        return next_check(
            now,
            published=published,
            override_seconds=float(override) if isinstance(override, int | float) else None,
            error_count=feed.error_count + 1 if error else 0,
            retry_after=retry_after,
        )

    def _guarded(self, feed: Feed, work: Callable[..., T], *args: Any) -> T | UpdateResult:
        """The per-feed fault boundary: ``work(*args)``, or, when anything but a fault of the
        vault itself goes wrong, that failure recorded on this feed (status error, one-line
        last_error naming it, error count, backoff) so the update goes on with the next."""
        try:
            return work(*args)
        except VaultFault:
            raise  # the vault itself is broken: the next feed would fail the same way
        except Exception as exc:
            text = _one_line(exc)
            message = text if text.startswith(f"{feed.slug}: ") else f"{feed.slug}: {text}"
            _log_failure(feed, exc, message)
            try:
                return self._fail(feed, message)
            except VaultFault:
                raise
            except Exception as again:  # e.g. still locked by another writer: try next time
                log.warning("%s: the error could not be recorded: %s", feed.slug, _one_line(again))
                return UpdateResult(feed.slug, "error", error=message)

    def _fail(
        self,
        feed: Feed,
        message: str,
        *,
        retry_after: float | None = None,
        status: str | None = None,
    ) -> UpdateResult:
        now = now_utc()
        when = self._next_check(feed, now, error=True, retry_after=retry_after)
        self.store.record_feed_error(feed.id, message, now, next_check=when, status=status)
        return UpdateResult(feed.slug, status or "error", error=message)

    def _update_local(self, feed: Feed) -> UpdateResult:
        doc = self._unless_same_bytes(feed, self._read_local(feed))
        return doc if isinstance(doc, UpdateResult) else self._ingest(feed, doc)

    def _unless_same_bytes(
        self, feed: Feed, doc: Document | UpdateResult
    ) -> Document | UpdateResult:
        """The document to ingest (its hash kept, so nobody hashes it again), or, for the
        same bytes as last time, the result of a not-modified update: nothing to parse.
        Every update path asks here, so they all batch those state writes alike."""
        if isinstance(doc, UpdateResult):
            return doc
        sha = doc.digest()
        if sha == feed.last_doc_sha:
            return self._not_modified(feed, doc.etag, doc.last_modified, doc.permanent_url)
        return replace(doc, sha256=sha)

    def _read_local(self, feed: Feed) -> Document | UpdateResult:
        """A local feed file; one unchanged since it was last read (same inode, size and
        modification time, kept in its ETag) is not even read - unless it was modified so
        close to that read that a same-size rewrite could share its timestamp
        (feedvault/localfiles.py)."""
        assert feed.url is not None
        path = Path(feed.url.removeprefix("file://"))
        try:
            st = path.stat()
            if unchanged_since_read(st, feed.etag, feed.last_updated):
                return self._not_modified(feed, feed.etag, None)
            etag = file_etag(st, read_time_ns())
            cap = self.settings.max_bytes
            if st.st_size > cap:  # the same cap as a download: memory stays bounded
                return self._fail(
                    feed,
                    f"{feed.slug}: {path} is too large: {st.st_size} bytes, over the "
                    f"{cap}-byte cap ([fetch] max_bytes)",
                )
            return Document(path.read_bytes(), feed.url, etag=etag)
        except OSError as exc:
            return self._fail(feed, f"{feed.slug}: cannot read {path}: {exc.strerror}")

    def _not_modified(
        self,
        feed: Feed,
        etag: str | None,
        last_modified: str | None,
        permanent_url: str | None = None,
    ) -> UpdateResult:
        """A 304, an unchanged local file or the same bytes as last time: only the feed's
        HTTP state (ETag, Last-Modified, a permanent redirect) and its next check move.
        Written in batches (`_flush_unchanged`): one transaction per such feed cost ten
        times the check itself."""
        now = now_utc()
        state = FeedStateUpdate(
            etag=etag,
            last_modified=last_modified,
            url=permanent_url,
            status="ok",
            next_check=self._next_check(feed, now),
        )
        self._unchanged.append((feed.id, now, state))
        if len(self._unchanged) >= _UNCHANGED_BATCH:
            self._flush_unchanged()
        return UpdateResult(feed.slug, "not_modified", unchanged=feed.entry_count)

    def _flush_unchanged(self) -> None:
        """Write the queued states of unchanged feeds (at the latest when an update ends; a
        crash before that only means those feeds are checked again)."""
        states, self._unchanged = self._unchanged, []
        try:
            self.store.apply_feed_states(states)
        except VaultFault:
            raise
        except Exception as exc:  # one bad row must not lose the others: one at a time
            log.warning("writing %d unchanged feeds' states failed (%s); one at a time",
                        len(states), _one_line(exc))
            for state in states:
                try:
                    self.store.apply_feed_states([state])
                except VaultFault:
                    raise
                except Exception as one:
                    log.warning("feed %d: its state was not written: %s", state[0], _one_line(one))

    def _prepare_pool(self, documents: int) -> PreparePool | None:
        """The worker processes for an update of ``documents`` documents, or None when this
        process should do it alone. Once started they serve every later update (``run``)."""
        from feedvault.update.prepare_pool import (
            MIN_DOCUMENTS,
            PreparePool,
            can_share,
            default_workers,
        )

        if self._pool is not None:
            return self._pool
        wanted = self.settings.workers
        workers = default_workers() if wanted is None else wanted
        if workers and documents >= MIN_DOCUMENTS and can_share(self.settings.db):
            self._pool = PreparePool(self.settings, workers)
        return self._pool

    def _update_local_all(
        self,
        feeds: list[Feed],
        done: Callable[[UpdateResult], None],
        stop: threading.Event | None,
    ) -> None:
        """Local files, in order; many of them are prepared by worker processes."""
        pool = self._prepare_pool(len(feeds))
        if pool is None:
            for feed in feeds:
                if stop is not None and stop.is_set():
                    break
                done(self._guarded(feed, self._update_local, feed))
            return

        def read() -> Iterator[tuple[Feed, Document | UpdateResult]]:
            for feed in feeds:
                if stop is not None and stop.is_set():
                    return
                yield feed, self._guarded(feed, self._read_local, feed)

        for feed, doc, prepared in pool.run(self._worth_a_worker(read(), done), now_utc):
            done(self._guarded(feed, self._commit_prepared, feed, doc, prepared))

    def _worth_a_worker(
        self,
        docs: Iterable[tuple[Feed, Document | UpdateResult]],
        done: Callable[[UpdateResult], None],
    ) -> Iterator[tuple[Feed, Document]]:
        """The documents to send to a worker; the rest are finished here: outcomes without a
        document (errors, 304s) and the same bytes as last time (a hash, nothing to parse)."""
        for feed, found in docs:
            doc = self._guarded(feed, self._unless_same_bytes, feed, found)
            if isinstance(doc, UpdateResult):
                done(doc)
            else:
                yield feed, doc

    def _commit_prepared(
        self, feed: Feed, doc: Document, prepared: Prepared | Exception | None
    ) -> UpdateResult:
        """Write what a worker prepared; do the feed here instead when no worker did it
        (``prepared`` is None or the worker's exception) or the store changed under it. The
        feed a worker died on is not tried here: it could take this process down too. A
        failure is the caller's fault boundary's (``_guarded``) to record."""
        from feedvault.update.prepare_pool import WorkerCrashed

        if isinstance(prepared, WorkerCrashed):
            log.warning("%s", prepared)
            return self._fail(feed, f"{feed.slug}: {prepared}")
        if prepared is None or isinstance(prepared, Exception):
            return self._ingest(feed, doc)
        now = prepared.batch.seen_at if prepared.batch is not None else now_utc()
        try:
            result = commit(
                self.store,
                prepared,
                next_check=lambda: self._next_check(feed, now),
                fail=lambda message: self._fail(feed, message),
            )
        except StaleDecision:
            return self._ingest(feed, doc)
        return self._after_ingest(feed, result)

    def _update_remote(
        self, feeds: list[Feed], done: Callable[[UpdateResult], None], stop: threading.Event | None
    ) -> None:
        """Fetch on threads; store here, on this thread, one feed at a time. With worker
        processes, the fetching runs on its own thread and changed documents go to them."""
        from feedvault.fetch.result import FetchRequest

        by_id = {f.id: f for f in feeds}
        requests = [
            FetchRequest(f.url or "", etag=f.etag, last_modified=f.last_modified, key=f.id)
            for f in feeds
        ]
        pool = self._prepare_pool(len(feeds))
        if pool is None:

            def store(req: FetchRequest, outcome: FetchResult | FetchError) -> None:
                feed = by_id[int(str(req.key))]
                done(self._guarded(feed, self._store_fetched, feed, outcome))

            self.fetcher.fetch_many(requests, store, stop=stop)
            return
        fetched: queue.SimpleQueue[tuple[FetchRequest, FetchResult | FetchError] | None]
        fetched = queue.SimpleQueue()
        failure: list[BaseException] = []
        abandoned = threading.Event()  # the writer failed (the database went away)

        def received_one(req: FetchRequest, outcome: FetchResult | FetchError) -> None:
            if abandoned.is_set():  # start no more fetches nobody will store
                raise _Abandoned
            fetched.put((req, outcome))

        def fetch_all() -> None:
            try:
                self.fetcher.fetch_many(requests, received_one, stop=stop)
            except BaseException as exc:  # re-raised on the calling thread below
                failure.append(exc)
            finally:
                fetched.put(None)

        def received() -> Iterator[tuple[Feed, Document | UpdateResult]]:
            while (item := fetched.get()) is not None:
                feed = by_id[int(str(item[0].key))]
                yield feed, self._guarded(feed, self._fetched_document, feed, item[1])

        thread = threading.Thread(target=fetch_all, name="feedvault-fetch", daemon=True)
        thread.start()
        try:
            for feed, doc, prepared in pool.run(self._worth_a_worker(received(), done), now_utc):
                done(self._guarded(feed, self._commit_prepared, feed, doc, prepared))
        except BaseException:
            abandoned.set()
            raise
        thread.join()
        if failure:
            raise failure[0]

    def _store_fetched(self, feed: Feed, outcome: FetchResult | FetchError) -> UpdateResult:
        """One fetched feed, stored here (under ``_guarded``, like every update step)."""
        doc = self._unless_same_bytes(feed, self._fetched_document(feed, outcome))
        return doc if isinstance(doc, UpdateResult) else self._ingest(feed, doc)

    def _fetched_document(
        self, feed: Feed, outcome: FetchResult | FetchError
    ) -> Document | UpdateResult:
        """The document to ingest, or the result of an outcome that has none (an error, a
        410, a 304), already recorded."""
        from feedvault.fetch.result import RetryLater, exchanges_json

        if isinstance(outcome, FeedvaultError):
            retry = outcome.retry_after if isinstance(outcome, RetryLater) else None
            return self._fail(feed, f"{feed.slug}: {outcome}", retry_after=retry)
        if outcome.gone:
            return self._fail(
                feed,
                f"{feed.slug}: the server says the feed is gone (410); polling stopped",
                status="gone",
            )
        if outcome.not_modified:
            return self._not_modified(feed, outcome.etag, outcome.last_modified)
        return Document(
            outcome.content,
            outcome.final_url,
            outcome.content_type,
            outcome.etag,
            outcome.last_modified,
            outcome.permanent_redirect,
            http=exchanges_json(outcome.exchanges),
        )



class _Abandoned(Exception):
    """Stops the fetching thread once the writer has given up on this update."""


def _log_failure(feed: Feed, exc: Exception, message: str) -> None:
    """A bug-class failure is logged (``message`` names the feed), with its traceback on
    demand (feedvault.bugs); feedvault's own errors are told by the result and last_error."""
    if not isinstance(exc, FeedvaultError):
        log_unexpected(log, message, exc)


