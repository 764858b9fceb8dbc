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

from feedvault.decide import content_hash
from feedvault.errors import FeedvaultError
from feedvault.models import Feed
from feedvault.store.base import FeedStateUpdate, NewVersion, UpdateBatch
from feedvault.timeutil import now_utc

if TYPE_CHECKING:
    from feedvault.vault import Vault

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


@dataclass(slots=True)
class FullTextResult:
    fetched: int = 0
    stored: int = 0
    errors: int = 0


def wants_full_text(feed: Feed) -> bool:
    return bool(feed.settings.get("full_text"))


def fetch_full_text(vault: Vault, feed: Feed, entry_ids: Sequence[int]) -> FullTextResult:
    """Fetch and store the article page of each entry; a failure is logged, never raised."""
    from feedvault.clean import clean_entry, extract_article

    selector = feed.settings.get("selector")
    result = FullTextResult()
    for entry in vault.store.get_entries(list(entry_ids)):
        if not entry.link:
            continue
        try:
            page = vault.fetcher.fetch(entry.link, accept=PAGE_ACCEPT)
            article = extract_article(
                page.content, url=page.final_url, selector=str(selector) if selector else None
            )
        except FeedvaultError:
            result.errors += 1
            continue
        result.fetched += 1
        if not article:
            continue
        cleaned = clean_entry(
            article,
            base_url=page.final_url,
            link=entry.link,
            feed_slug=feed.slug,
            rules=vault.rules,
        )
        if cleaned.text.strip() == entry.text.strip():
            continue
        version = NewVersion(
            title=entry.title,
            link=entry.link,
            raw_html=article,
            content_html=cleaned.html,
            text=cleaned.text,
            content_hash=content_hash(entry.title, entry.link, article),
            source="page",
        )
        vault.store.apply_update(
            feed.id,
            UpdateBatch(
                seen_at=now_utc(),
                changed=[(entry.id, version, None)],
                feed_state=FeedStateUpdate(clear_error=False),
            ),
        )
        result.stored += 1
    return result
