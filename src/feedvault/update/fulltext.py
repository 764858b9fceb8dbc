"""Full text for feeds that carry only a summary: fetch the article page, keep its article.

A per-feed setting (``full_text = true``, optional ``selector`` CSS) turns it on. The page's
article becomes a version of its own (source "page"), so the feed's text and the page's text
are both on record; the page version is the one shown and searched. Pages go through the same
hardened fetcher as feeds (deadline, size cap, address guard).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedvault.errors import FeedvaultError
from feedvault.models import Feed
from feedvault.store.base import Storage
from feedvault.timeutil import now_utc
from feedvault.update.pipeline import Page, store_pages

if TYPE_CHECKING:
    from feedvault.clean import RuleSet
    from feedvault.fetch.client import Fetcher

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


@dataclass(slots=True)
class FullTextResult:
    fetched: int = 0
    stored: int = 0
    errors: int = 0


def wants_full_text(feed: Feed) -> bool:
    return bool(feed.settings.get("full_text"))



def fetch_full_text(
    store: Storage,
    fetcher: Fetcher,
    feed: Feed,
    entry_ids: Sequence[int],
    *,
    rules: RuleSet | None = None,
) -> FullTextResult:
    """Fetch the article page of each entry, then store the pages that say more than the
    entry's current text as page versions, through the pipeline like a feed's entries
    (cleaned and tokenised once, one transaction). A page that cannot be fetched or read
    is counted, never raised."""
    from feedvault.clean import extract_article

    selector = feed.settings.get("selector")
    result = FullTextResult()
    pages: list[Page] = []
    for entry in store.get_entries(list(entry_ids)):
        if not entry.link:
            continue
        try:
            page = fetcher.fetch(entry.link, accept=PAGE_ACCEPT)
            article = extract_article(
                page.content, url=page.final_url, selector=str(selector) if selector else None
            )
        except FeedvaultError:
            result.errors += 1
            continue
        result.fetched += 1
        if article:
            pages.append(Page(entry, article, page.final_url))
    result.stored = store_pages(store, feed, pages, seen_at=now_utc(), rules=rules).changed
    return result
