"""The Python API. Every CLI command is a thin wrapper over a method here.

import feedvault
with feedvault.open_vault("news.db") as vault:
    vault.add_feed("https://www.rfi.fr/cn/rss")
    vault.update()
    for entry in vault.entries(limit=10):
        print(entry.title)
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from feedvault.bugs import log_unexpected
from feedvault.bugs import one_line as _one_line
from feedvault.config import Settings, load_settings
from feedvault.errors import (
    FeedNotFound,
    FeedvaultError,
    FetchError,
    SearchError,
    StorageError,
    UsageError,
    VaultFault,
)
from feedvault.models import Entry, Feed
from feedvault.naming import slug_from_source, slugify, unique_slug
from feedvault.store import FeedSpec, Storage, open_storage
from feedvault.store.base import FeedStateUpdate
from feedvault.timeutil import now_utc
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
    from feedvault.archive.tree import ExportStats
    from feedvault.clean import RuleSet
    from feedvault.fetch.client import Fetcher, FetchResult
    from feedvault.importer import ImportResult
    from feedvault.search.query import Query
    from feedvault.update.prepare_pool import PreparePool


def open_vault(db: str | None = None, *, settings: Settings | None = None) -> Vault:
    """Open (creating if needed) the vault at ``db``, FEEDVAULT_DB, or the user's data dir."""
    settings = settings or load_settings(db)
    return Vault(open_storage(settings.db), settings)


_UNCHANGED_BATCH = 500  # unchanged feeds' states written per transaction

log = logging.getLogger("feedvault.update")
T = TypeVar("T")


class Vault:
    def __init__(self, store: Storage, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._rules: RuleSet | None = None
        self._fetcher: Fetcher | None = None
        self._recent: dict[int, tuple[int, list[datetime]]] = {}  # feed id: (count, times)
        self._unchanged: list[tuple[int, datetime, FeedStateUpdate]] = []  # to write
        self._pool: PreparePool | None = None

    # ---- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._fetcher is not None:
            self._fetcher.close()
        self.store.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

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

    # ---- feeds -------------------------------------------------------------------------

    def add_feed(
        self, source: str, *, name: str | None = None, slug: str | None = None, update: bool = True
    ) -> Feed:
        """Subscribe to a feed URL or a local feed file; fetch it once unless update=False."""
        url = _source_url(source)
        if slug is not None and (slugify(slug) != slug or not slug):
            raise UsageError(f"bad slug {slug!r}: use lower-case letters, digits and '-'")
        base = slug or slugify(name or "") or slug_from_source(source)
        final_slug = slug or unique_slug(base, self.store.slug_taken)
        feed = self.store.add_feed(FeedSpec(final_slug, name or final_slug, url))
        if update:
            self.update([feed.slug])
            feed = self.store.get_feed(feed.slug)
        return feed

    def discover_feeds(self, url: str) -> list[tuple[str, str]]:
        """The feeds behind a URL: itself if it is a feed, else those its page links to, else
        feeds found at common paths. A list of (feed URL, title)."""
        from feedvault.fetch.discover import find_feeds

        return find_feeds(self.fetcher, _source_url(url))

    def configure_feed(self, slug: str, **changes: object) -> Feed:
        """Change per-feed settings: interval (seconds, None for learnt), full_text (bool),
        selector (CSS for the article on the page). A None value removes a setting."""
        feed = self.store.get_feed(slug)
        allowed = {"interval", "full_text", "selector"}
        unknown = set(changes) - allowed
        if unknown:
            raise UsageError(f"unknown feed setting {sorted(unknown)[0]!r}")
        settings = dict(feed.settings)
        for key, value in changes.items():
            if value is None:
                settings.pop(key, None)
            else:
                settings[key] = value
        if "selector" in changes and changes["selector"] is not None:
            _check_selector(str(changes["selector"]))
        self.store.set_feed_settings(feed.id, settings)
        return self.store.get_feed(slug)

    def remove_feed(self, slug: str) -> int:
        """Delete a feed with all its entries and versions. Returns the number of entries."""
        return self.store.remove_feed(slug)

    def feeds(self) -> list[Feed]:
        return self.store.list_feeds()

    def feed(self, slug: str) -> Feed:
        return self.store.get_feed(slug)

    # ---- updating ----------------------------------------------------------------------

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
        return results

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
        if result.touched_keys and feed.settings.get("full_text"):
            from feedvault.update.fulltext import fetch_full_text

            try:
                states = self.store.entry_states(feed.id, result.touched_keys)
                fetch_full_text(self, feed, [s.entry_id for s in states.values()])
            except VaultFault:
                raise
            except Exception as exc:  # the feed's entries are stored: only the pages failed
                message = f"{feed.slug}: full text failed: {_one_line(exc)}"
                _log_failure(feed, exc, message)
                result.warnings = (*result.warnings, message)
        return result

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

    def _ingest_here(self, feed: Feed, doc: Document) -> UpdateResult:
        try:
            return self._ingest(feed, doc)
        except StorageError as exc:  # e.g. another worker stored the same entry first
            return self._fail(feed, f"{feed.slug}: {exc}")

    def _commit_prepared(
        self, feed: Feed, doc: Document, prepared: Prepared | Exception | None
    ) -> UpdateResult:
        """Write what a worker prepared; do the feed here instead when no worker did it
        (``prepared`` is None or the worker's exception) or the store changed under it. The
        feed a worker died on is not tried here: it could take this process down too."""
        from feedvault.update.prepare_pool import WorkerCrashed

        if isinstance(prepared, WorkerCrashed):
            log.warning("%s", prepared)
            return self._fail(feed, f"{feed.slug}: {prepared}")
        if prepared is None or isinstance(prepared, Exception):
            return self._ingest_here(feed, doc)
        now = prepared.batch.seen_at if prepared.batch is not None else now_utc()
        try:
            result = commit(
                self.store,
                prepared,
                next_check=lambda: self._next_check(feed, now),
                fail=lambda message: self._fail(feed, message),
            )
            return self._after_ingest(feed, result)
        except StaleDecision:
            return self._ingest_here(feed, doc)
        except StorageError as exc:
            return self._fail(feed, f"{feed.slug}: {exc}")

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

        def fetch_all() -> None:
            try:
                self.fetcher.fetch_many(requests, lambda r, o: fetched.put((r, o)), stop=stop)
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
        for feed, doc, prepared in pool.run(self._worth_a_worker(received(), done), now_utc):
            done(self._guarded(feed, self._commit_prepared, feed, doc, prepared))
        thread.join()
        if failure:
            raise failure[0]

    def _store_fetched(self, feed: Feed, outcome: FetchResult | FetchError) -> UpdateResult:
        try:
            doc = self._fetched_document(feed, outcome)
        except StorageError as exc:
            return self._fail(feed, f"{feed.slug}: {exc}")
        doc = self._unless_same_bytes(feed, doc)
        return doc if isinstance(doc, UpdateResult) else self._ingest_here(feed, doc)

    def _fetched_document(
        self, feed: Feed, outcome: FetchResult | FetchError
    ) -> Document | UpdateResult:
        """The document to ingest, or the result of an outcome that has none (an error, a
        410, a 304), already recorded."""
        from feedvault.fetch.result import RetryLater

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
        )

    # ---- reading -----------------------------------------------------------------------

    def entries(
        self, feed: str | None = None, *, limit: int | None = 50, offset: int = 0
    ) -> list[Entry]:
        """Entries newest first, of one feed (by slug) or of all."""
        feed_id = self.store.get_feed(feed).id if feed else None
        return self.store.list_entries(feed_id, limit=limit, offset=offset)

    def entry(self, entry_id: int) -> Entry:
        """One entry with all its versions, oldest first."""
        return self.store.get_entry(entry_id)

    # ---- search ------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        feed: str | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int = 20,
        offset: int = 0,
        sort: str = "newest",
        snippet: Callable[[Entry, Query], str] | None = None,
    ) -> list[SearchHit]:
        """Entries matching ``query`` (the query language of docs/search.md), with snippets.

        Newest first by default; ``sort="relevance"`` ranks by bm25. A query that cannot be
        understood raises SearchError with a one-line reason. ``snippet`` replaces the
        snippet maker (the web app puts a cache in front of it).
        """
        from feedvault.search.query import parse_query
        from feedvault.search.snippet import make_snippet

        if sort not in ("newest", "relevance"):
            raise SearchError(f"unknown sort {sort!r}: use newest or relevance")
        if limit <= 0 or offset < 0:
            raise SearchError("limit must be positive and offset not negative")
        parsed = parse_query(query)
        slugs = list(parsed.feeds) + ([feed] if feed else [])
        feed_ids = [self._feed_id_for_search(s) for s in slugs] if slugs else None
        if feed and parsed.feeds and feed not in parsed.feeds:
            return []  # two different feeds asked for at once: nothing is in both
        hits = self.store.search(
            parsed,
            feed_ids=feed_ids,
            since=_day_start(since),
            until=_day_end(until),
            sort=sort,
            limit=limit,
            offset=offset,
        )
        entries = {e.id: e for e in self.store.get_entries([h.entry_id for h in hits])}
        make = snippet or (lambda e, q: make_snippet(e.title, e.text, q))
        return [
            SearchHit(entries[h.entry_id], make(entries[h.entry_id], parsed), h.score)
            for h in hits
            if h.entry_id in entries
        ]

    def _feed_id_for_search(self, slug: str) -> int:
        try:
            return self.store.get_feed(slug).id
        except FeedNotFound:
            raise SearchError(f"no feed with slug {slug!r}") from None

    def reindex(self) -> int:
        """Rebuild the search index from stored versions (after a tokenizer change)."""
        return self.store.reindex()

    def reclean(self, feed: str | None = None) -> int:
        """Recompute cleaned HTML and text of every version after cleaning rules changed."""
        from feedvault.clean import clean_entry

        feeds = [self.store.get_feed(feed)] if feed else self.store.list_feeds()
        total = 0
        for f in feeds:
            batch: list[tuple[int, str, str]] = []
            for version in self.store.iter_versions_for_reclean(f.id):
                cleaned = clean_entry(
                    version.raw_html,
                    base_url=version.link or f.site_url,
                    link=version.link,
                    feed_slug=f.slug,
                    rules=self.rules,
                )
                if (cleaned.html, cleaned.text) != (version.content_html, version.text):
                    batch.append((version.id, cleaned.html, cleaned.text))
                if len(batch) >= 500:
                    self.store.rewrite_clean(batch)
                    total += len(batch)
                    batch = []
            self.store.rewrite_clean(batch)
            total += len(batch)
        return total

    # ---- import / export ---------------------------------------------------------------

    def import_paths(self, paths: Iterable[str | Path], *, feed: str | None = None) -> ImportResult:
        """Import archive files, archive trees and OPML files."""
        from feedvault.importer import import_paths

        return import_paths(self, [Path(p) for p in paths], feed_slug=feed)

    def export_markdown(
        self, root: str | Path, *, feeds: Sequence[str] | None = None, commit: bool = False
    ) -> ExportStats:
        from feedvault.exporter import export_markdown

        return export_markdown(self, Path(root), feeds=feeds, commit=commit)

    def export_opml(self, path: str | Path) -> int:
        from feedvault.exporter import export_opml

        return export_opml(self, Path(path))


@dataclass(frozen=True, slots=True)
class SearchHit:
    entry: Entry
    snippet: str  # HTML: escaped text with the matches in <mark>...</mark>
    score: float


def _log_failure(feed: Feed, exc: Exception, message: str) -> None:
    """A bug-class failure is logged (``message`` names the feed), with its traceback on
    demand (feedvault.bugs); feedvault's own errors are told by the result and last_error."""
    if not isinstance(exc, FeedvaultError):
        log_unexpected(log, message, exc)


def _day_start(day: date | None) -> int | None:
    if day is None:
        return None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _day_end(day: date | None) -> int | None:
    start = _day_start(day)
    return None if start is None else start + 86399


def _check_selector(selector: str) -> None:
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise UsageError(f"bad CSS selector {selector!r}: {exc}") from None


def _source_url(source: str) -> str:
    source = source.strip()
    if source.startswith(("http://", "https://")):
        from urllib.parse import urlsplit

        try:
            if not urlsplit(source).hostname:
                raise ValueError
        except ValueError:
            raise UsageError(f"bad URL {source!r}") from None
        return source
    if "://" in source:
        raise UsageError(f"bad source {source!r}: only http(s) URLs and local files")
    path = Path(source).expanduser()
    if not path.is_file():
        raise UsageError(f"cannot read {source}: no such file")
    return "file://" + str(path.resolve())
