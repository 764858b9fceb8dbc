"""The Python API. Every CLI command is a thin wrapper over a method here.

    import feedvault
    with feedvault.open_vault("news.db") as vault:
        vault.add_feed("https://www.rfi.fr/cn/rss")
        vault.update()
        for entry in vault.entries(limit=10):
            print(entry.title)
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from feedvault.config import Settings, load_settings
from feedvault.errors import FeedvaultError, FetchError, UsageError
from feedvault.models import Entry, Feed
from feedvault.naming import slug_from_source, slugify, unique_slug
from feedvault.pipeline import Document, UpdateResult, ingest
from feedvault.store import FeedSpec, Storage, open_storage
from feedvault.store.base import FeedStateUpdate, UpdateBatch
from feedvault.timeutil import now_utc

if TYPE_CHECKING:
    from feedvault.archive.tree import ExportStats
    from feedvault.clean import RuleSet
    from feedvault.fetch.client import Fetcher, FetchResult
    from feedvault.importer import ImportResult


def open_vault(db: str | None = None, *, settings: Settings | None = None) -> Vault:
    """Open (creating if needed) the vault at ``db``, FEEDVAULT_DB, or the user's data dir."""
    settings = settings or load_settings(db)
    return Vault(open_storage(settings.db), settings)


class Vault:
    def __init__(self, store: Storage, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._rules: RuleSet | None = None
        self._fetcher: Fetcher | None = None

    # ---- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()
        self.store.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
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
            )
            self._fetcher = Fetcher(policy)
        return self._fetcher

    # ---- feeds -------------------------------------------------------------------------

    def add_feed(self, source: str, *, name: str | None = None, slug: str | None = None,
                 update: bool = True) -> Feed:
        """Subscribe to a feed URL or a local feed file; fetch it once unless update=False."""
        url = _source_url(source)
        if slug is not None:
            if slugify(slug) != slug or not slug:
                raise UsageError(f"bad slug {slug!r}: use lower-case letters, digits and '-'")
        base = slug or slugify(name or "") or slug_from_source(source)
        final_slug = slug or unique_slug(base, self.store.slug_taken)
        feed = self.store.add_feed(FeedSpec(final_slug, name or final_slug, url))
        if update:
            self.update([feed.slug])
            feed = self.store.get_feed(feed.slug)
        return feed

    def remove_feed(self, slug: str) -> int:
        """Delete a feed with all its entries and versions. Returns the number of entries."""
        return self.store.remove_feed(slug)

    def feeds(self) -> list[Feed]:
        return self.store.list_feeds()

    def feed(self, slug: str) -> Feed:
        return self.store.get_feed(slug)

    # ---- updating ----------------------------------------------------------------------

    def update(self, slugs: Sequence[str] | None = None,
               on_result: Callable[[UpdateResult], None] | None = None) -> list[UpdateResult]:
        """Fetch and store the given feeds (all when None). Errors are per feed, never raised."""
        feeds = [self.store.get_feed(s) for s in slugs] if slugs else self.store.list_feeds()
        feeds = [f for f in feeds if f.url]
        results: list[UpdateResult] = []

        def done(result: UpdateResult) -> None:
            results.append(result)
            if on_result is not None:
                on_result(result)

        local = [f for f in feeds if f.url and f.url.startswith("file://")]
        remote = [f for f in feeds if f not in local]
        for feed in local:
            done(self._update_local(feed))
        if remote:
            self._update_remote(remote, done)
        return results

    def update_from_bytes(self, slug: str, data: bytes, *, url: str | None = None,
                          content_type: str | None = None) -> UpdateResult:
        """Store a feed document obtained elsewhere (a file, a test, another fetcher)."""
        feed = self.store.get_feed(slug)
        doc = Document(data, url or feed.url, content_type)
        return ingest(self.store, feed, doc, seen_at=now_utc(), rules=self.rules)

    def _update_local(self, feed: Feed) -> UpdateResult:
        assert feed.url is not None
        path = Path(feed.url.removeprefix("file://"))
        try:
            data = path.read_bytes()
        except OSError as exc:
            message = f"{feed.slug}: cannot read {path}: {exc.strerror}"
            self.store.record_feed_error(feed.id, message, now_utc())
            return UpdateResult(feed.slug, "error", error=message)
        return ingest(self.store, feed, Document(data, feed.url), seen_at=now_utc(),
                      rules=self.rules)

    def _update_remote(self, feeds: list[Feed], done: Callable[[UpdateResult], None]) -> None:
        """Fetch in parallel on worker threads; parse and store here, one feed at a time."""
        from feedvault.fetch.client import FetchRequest

        by_url = {f.url: f for f in feeds}
        outcomes: queue.Queue[tuple[Feed, FetchResult | FetchError] | None] = queue.Queue()
        requests = [FetchRequest(f.url or "", etag=f.etag, last_modified=f.last_modified)
                    for f in feeds]

        def fetch_all() -> None:
            try:
                self.fetcher.fetch_many(
                    requests, lambda req, res: outcomes.put((by_url[req.url], res))
                )
            finally:
                outcomes.put(None)

        worker = threading.Thread(target=fetch_all, name="feedvault-fetch", daemon=True)
        worker.start()
        while (item := outcomes.get()) is not None:
            done(self._store_fetched(*item))
        worker.join()

    def _store_fetched(self, feed: Feed, outcome: FetchResult | FetchError) -> UpdateResult:
        now = now_utc()
        if isinstance(outcome, FeedvaultError):
            message = f"{feed.slug}: {outcome}"
            self.store.record_feed_error(feed.id, message, now)
            return UpdateResult(feed.slug, "error", error=message)
        if outcome.gone:
            message = f"{feed.slug}: the server says the feed is gone (410); polling stopped"
            self.store.record_feed_error(feed.id, message, now, status="gone")
            return UpdateResult(feed.slug, "gone", error=message)
        if outcome.not_modified:
            self.store.apply_update(feed.id, UpdateBatch(seen_at=now, feed_state=FeedStateUpdate(
                etag=outcome.etag, last_modified=outcome.last_modified, status="ok")))
            return UpdateResult(feed.slug, "not_modified")
        doc = Document(outcome.content, outcome.final_url, outcome.content_type, outcome.etag,
                       outcome.last_modified, outcome.permanent_redirect)
        return ingest(self.store, feed, doc, seen_at=now, rules=self.rules)

    # ---- reading -----------------------------------------------------------------------

    def entries(self, feed: str | None = None, *, limit: int | None = 50,
                offset: int = 0) -> list[Entry]:
        """Entries newest first, of one feed (by slug) or of all."""
        feed_id = self.store.get_feed(feed).id if feed else None
        return self.store.list_entries(feed_id, limit=limit, offset=offset)

    def entry(self, entry_id: int) -> Entry:
        """One entry with all its versions, oldest first."""
        return self.store.get_entry(entry_id)

    # ---- import / export ---------------------------------------------------------------

    def import_paths(self, paths: Iterable[str | Path], *, feed: str | None = None) -> ImportResult:
        """Import archive files, archive trees and OPML files."""
        from feedvault.importer import import_paths

        return import_paths(self, [Path(p) for p in paths], feed_slug=feed)

    def export_markdown(self, root: str | Path, *, feeds: Sequence[str] | None = None,
                        commit: bool = False) -> ExportStats:
        from feedvault.exporter import export_markdown

        return export_markdown(self, Path(root), feeds=feeds, commit=commit)

    def export_opml(self, path: str | Path) -> int:
        from feedvault.exporter import export_opml

        return export_opml(self, Path(path))


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
