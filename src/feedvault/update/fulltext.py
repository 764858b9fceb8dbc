"""Full text for feeds that carry only a summary: fetch the article page, keep its article.

A per-feed setting (``full_text = true``, optional ``selector`` CSS) turns it on. The page's
article becomes a version of its own (source "page"), so the feed's text and the page's text
are both on record; the page version is the one shown and searched. Pages go through the same
hardened fetcher as feeds (deadline, size cap, address guard).

The same fetch keeps the page as a snapshot when the feed's ``snapshot`` setting is on
(update/snapshots.py): one request per page serves both. With snapshots alone, only entries
without a snapshot yet are fetched (first sight); the origin watch keeps later ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from feedvault.bugs import one_line
from feedvault.errors import FeedvaultError, VaultFault
from feedvault.models import Feed
from feedvault.store.base import Storage
from feedvault.timeutil import now_utc
from feedvault.update.pipeline import Page, store_pages
from feedvault.update.snapshots import keep_snapshot, latest_snapshots, wants_snapshot

if TYPE_CHECKING:
    from feedvault.clean import RuleSet
    from feedvault.fetch.client import Fetcher
    from feedvault.media.files import MediaFiles

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


@dataclass(slots=True)
class FullTextResult:
    fetched: int = 0
    stored: int = 0
    errors: int = 0
    snapshots: int = 0  # pages kept as snapshots
    warnings: list[str] = field(default_factory=list)  # one line each: a snapshot not kept


def wants_full_text(feed: Feed) -> bool:
    return bool(feed.settings.get("full_text"))


def wants_page(feed: Feed) -> bool:
    """Does an ingest of this feed fetch its new entries' pages (full text or snapshots)?"""
    return wants_full_text(feed) or wants_snapshot(feed)


def fetch_full_text(
    store: Storage,
    fetcher: Fetcher,
    feed: Feed,
    entry_ids: Sequence[int],
    *,
    rules: RuleSet | None = None,
    media_files: MediaFiles | None = None,
) -> FullTextResult:
    """Fetch the article page of each entry, then store the pages that say more than the
    entry's current text as page versions, through the pipeline like a feed's entries
    (cleaned and tokenised once, one transaction). A page that cannot be fetched or read
    is counted, never raised. With ``snapshot`` on (and ``media_files``), each page fetched
    is also kept as a snapshot unless the entry's latest one has the same bytes."""
    from feedvault.clean import extract_article

    selector = feed.settings.get("selector")
    full = wants_full_text(feed)
    catalog = store.media if media_files is not None and wants_snapshot(feed) else None
    latest = latest_snapshots(catalog, entry_ids) if catalog is not None else {}
    result = FullTextResult()
    pages: list[Page] = []
    for entry in store.get_entries(list(entry_ids)):
        if not entry.link or (not full and (catalog is None or entry.id in latest)):
            continue
        try:
            page = fetcher.fetch(entry.link, accept=PAGE_ACCEPT)
        except FeedvaultError as exc:
            result.errors += 1
            if catalog is not None:
                result.warnings.append(f"{feed.slug}: no snapshot of {entry.link}: {one_line(exc)}")
            continue
        result.fetched += 1
        if page.gone and catalog is not None:  # a 410's body is not the article
            result.warnings.append(f"{feed.slug}: no snapshot of {entry.link}: HTTP 410 (gone)")
        elif catalog is not None and media_files is not None:
            try:
                kept = keep_snapshot(
                    catalog, media_files, entry.id, entry.link, page, now_utc(),
                    latest.get(entry.id),
                )
            except VaultFault:
                raise  # disk full, read-only media directory: the command stops
            except FeedvaultError as exc:
                result.warnings.append(f"{feed.slug}: no snapshot of {entry.link}: {one_line(exc)}")
            else:
                result.snapshots += kept is not None
        if not full:
            continue
        try:
            article = extract_article(
                page.content, url=page.final_url, selector=str(selector) if selector else None
            )
        except FeedvaultError:
            result.errors += 1
            continue
        if article:
            pages.append(Page(entry, article, page.final_url))
    if pages:
        result.stored = store_pages(store, feed, pages, seen_at=now_utc(), rules=rules).changed
    return result
