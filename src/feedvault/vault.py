"""The Python API. Every CLI command is a thin wrapper over a method here.

import feedvault
with feedvault.open_vault("news.db") as vault:
    vault.add_feed("https://www.rfi.fr/cn/rss")
    vault.update()
    for entry in vault.entries(limit=10):
        print(entry.title)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from feedvault.config import Settings, load_settings
from feedvault.errors import (
    FeedNotFound,
    SearchError,
    UsageError,
)
from feedvault.models import Entry, Feed
from feedvault.naming import slug_from_source, slugify, unique_slug
from feedvault.store import FeedSpec, Storage, open_storage

if TYPE_CHECKING:
    from feedvault.accounts import Users
    from feedvault.archive.tree import ExportStats
    from feedvault.clean import RuleSet
    from feedvault.fetch.client import Fetcher
    from feedvault.importer import ImportResult
    from feedvault.media.files import MediaFiles
    from feedvault.search.query import Query
    from feedvault.update.media import MediaResult, VerifyReport
    from feedvault.update.pipeline import UpdateResult
    from feedvault.update.reparse import ReparseReport
    from feedvault.update.updater import Updater


_FLAGS = frozenset({"media", "media_enclosures", "snapshot"})  # bool feed settings


def open_vault(db: str | None = None, *, settings: Settings | None = None) -> Vault:
    """Open (creating if needed) the vault at ``db``, FEEDVAULT_DB, or the user's data dir."""
    settings = settings or load_settings(db)
    return Vault(open_storage(settings.db), settings)


class Vault:
    """The public API over one store. Updating is the `Updater`'s (feedvault.update)."""

    def __init__(self, store: Storage, settings: Settings) -> None:
        self.store = store
        self._settings = settings
        self._updater: Updater | None = None

    @property
    def updater(self) -> Updater:
        """Made on first use: reading commands never import the update stages (lxml, nh3,
        the cleaner): `feedvault feeds` starts in half the time."""
        if self._updater is None:
            from feedvault.update.updater import Updater

            self._updater = Updater(self.store, self._settings)
        return self._updater

    @property
    def settings(self) -> Settings:
        return self._settings if self._updater is None else self._updater.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self._settings = settings
        if self._updater is not None:
            self._updater.settings = settings

    # ---- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        if self._updater is not None:
            self._updater.close()
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
    def users(self) -> Users:
        """Accounts and their reading state (feedvault/accounts.py, docs/accounts.md)."""
        from feedvault.accounts import Users

        return Users(self.store)

    @property
    def rules(self) -> RuleSet:
        return self.updater.rules

    @property
    def fetcher(self) -> Fetcher:
        return self.updater.fetcher

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
        self.store.accounts.feed_added(feed.id)  # the users who follow every new feed
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
        selector (CSS for the article on the page), media (bool: archive its images),
        media_enclosures (bool: its audio/video enclosures too), snapshot (bool: keep its
        article pages). A None value removes a setting."""
        feed = self.store.get_feed(slug)
        allowed = {"interval", "full_text", "selector", *_FLAGS}
        unknown = set(changes) - allowed
        if unknown:
            raise UsageError(f"unknown feed setting {sorted(unknown)[0]!r}")
        for key in _FLAGS & set(changes):
            if changes[key] is not None and not isinstance(changes[key], bool):
                raise UsageError(f"feed setting {key!r} must be true or false")
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
        """Delete a feed with all its entries and versions. Returns the number of entries.

        Its media links and snapshots go too, and then the media files no remaining row
        uses (a file another feed shows stays)."""
        feed = self.store.get_feed(slug)
        shas = self.store.media.feed_shas(feed.id)
        removed = self.store.remove_feed(slug)
        files = self.media_files
        for sha in sorted(shas):
            if self.store.media.get_file(sha) is None:
                files.delete(sha)
        return removed

    # ---- media (feedvault.media, update/media.py) ----------------------------------------

    @property
    def media_files(self) -> MediaFiles:
        """Where archived media bytes live (``[media] dir``, else beside the vault)."""
        from feedvault.media.files import DirectoryMediaFiles

        return DirectoryMediaFiles(self.settings.media.directory(self.settings.db))

    def archive_media(
        self,
        *,
        feed: str | None = None,
        since: datetime | None = None,
        progress: Callable[[int, int], None] | None = None,
        stop: threading.Event | None = None,
    ) -> MediaResult:
        """Backfill: look for images in every version (of ``feed``, seen since ``since``)
        and download what is missing or due again."""
        from feedvault.update.media import archive_media

        feed_id = self.store.get_feed(feed).id if feed is not None else None
        return archive_media(
            self.store, self.media_files, self.fetcher, self.settings, feed_id=feed_id,
            since=since, backfill=True, progress=progress, stop=stop,
        )

    def verify_media(self) -> VerifyReport:
        """Re-hash every archived file: which are missing or damaged."""
        from feedvault.update.media import verify_media

        return verify_media(self.store, self.media_files)

    def feeds(self) -> list[Feed]:
        return self.store.list_feeds()

    def feed(self, slug: str) -> Feed:
        return self.store.get_feed(slug)

    # ---- updating (feedvault.update.updater) --------------------------------------------

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
        return self.updater.update(slugs, on_result, stop=stop)

    def update_from_bytes(
        self, slug: str, data: bytes, *, url: str | None = None, content_type: str | None = None
    ) -> UpdateResult:
        """Store a feed document obtained elsewhere (a file, a test, another fetcher)."""
        return self.updater.update_from_bytes(slug, data, url=url, content_type=content_type)

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

    def reparse(self, feed: str | None = None, *, dry_run: bool = False) -> ReparseReport:
        """Re-read stored feed documents with today's parser; corrections become new
        versions (source "reparse") and corrected entry fields, recorded in meta."""
        from feedvault.timeutil import now_utc
        from feedvault.update.reparse import reparse

        feeds = [self.store.get_feed(feed)] if feed else self.store.list_feeds()
        return reparse(self.store, feeds, now=now_utc(), rules=self.rules, dry_run=dry_run)

    # ---- import / export ---------------------------------------------------------------

    def import_paths(
        self, paths: Iterable[str | Path], *, feed: str | None = None, user: str | None = None
    ) -> ImportResult:
        """Import archive files, archive trees and OPML files. An OPML file's folders become
        the subscription folders of ``user`` (default: the admin user, if any)."""
        from feedvault.importer import import_paths

        owner = user or self.users.opml_user()
        if user is not None:
            self.users.get(user)  # an unknown user is one line before anything is imported
        return import_paths(
            self.store,
            [Path(p) for p in paths],
            rules=self.rules,
            subscribe=lambda url, name: self.add_feed(url, name=name, update=False),
            feed_slug=feed,
            file_under=None if owner is None else (lambda f: self.users.file_feeds(owner, f)),
        )

    def export_markdown(
        self,
        root: str | Path,
        *,
        feeds: Sequence[str] | None = None,
        commit: bool = False,
        media: bool = False,
    ) -> ExportStats:
        """The duty-machine tree; with ``media``, the archived images copied in and the
        HTML pointing at them (archive/treemedia.py)."""
        from feedvault.exporter import export_markdown

        files = self.media_files if media else None
        return export_markdown(self.store, Path(root), feeds=feeds, commit=commit, media=files)

    def export_opml(self, path: str | Path, *, user: str | None = None) -> int:
        """The subscription list, in the folders of ``user`` (default: the admin user)."""
        from feedvault.exporter import export_opml

        owner = user or self.users.opml_user()
        folders = None if owner is None else self.users.folder_of_feeds(owner)
        return export_opml(self.store, Path(path), folders=folders)


@dataclass(frozen=True, slots=True)
class SearchHit:
    entry: Entry
    snippet: str  # HTML: escaped text with the matches in <mark>...</mark>
    score: float



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
