"""What a fetch returns or raises, kept free of HTTP-library types so callers need no httpx."""

from __future__ import annotations

import email.utils
import math
import time
from dataclasses import dataclass

from feedvault.errors import FetchError

FEED_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, text/html;q=0.5, */*;q=0.1"
)
RETRY_AFTER_CAP = 24 * 3600.0  # a server asking for a week off still gets polled daily


@dataclass(frozen=True)
class FetchResult:
    """A completed download. ``permanent_redirect`` is set only when every hop was 301/308,
    since only a redirect that persists may change the stored feed URL."""

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool
    permanent_redirect: str | None
    retry_after: float | None
    elapsed: float
    gone: bool


@dataclass(frozen=True)
class FetchRequest:
    """One URL for :meth:`Fetcher.fetch_many`; ``key`` is the caller's own tag (a feed id)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    accept: str = FEED_ACCEPT
    key: str | int | None = None


class RetryLater(FetchError):
    """429 or 503: the server asks us to wait; ``retry_after`` is in seconds, capped."""

    def __init__(
        self, message: str, *, url: str | None, status: int, retry_after: float | None
    ) -> None:
        super().__init__(message, url=url, status=status)
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), capped."""
    if not value:
        return None
    text = value.strip()
    seconds: float
    if text.isdigit():
        seconds = float(text)
    else:
        try:
            seconds = email.utils.parsedate_to_datetime(text).timestamp() - (now or time.time())
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)
