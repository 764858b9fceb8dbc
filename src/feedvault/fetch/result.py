"""What a fetch returns or raises, kept free of HTTP-library types so callers need no httpx."""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from feedvault.errors import FetchError

FEED_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, text/html;q=0.5, */*;q=0.1"
)
RETRY_AFTER_CAP = 24 * 3600.0  # a server asking for a week off still gets polled daily


Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One hop of a download as it went over the wire, kept so that an export can write true
    WARC request/response records: the request headers as sent (the method is always GET),
    the response headers as received, in order, duplicates kept."""

    url: str
    status: int
    reason: str
    http_version: str
    request_headers: Headers
    response_headers: Headers

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "reason": self.reason,
            "http_version": self.http_version,
            "request_headers": [[k, v] for k, v in self.request_headers],
            "response_headers": [[k, v] for k, v in self.response_headers],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HttpExchange:
        return cls(
            url=str(data["url"]),
            status=int(data["status"]),
            reason=str(data.get("reason") or ""),
            http_version=str(data.get("http_version") or "HTTP/1.1"),
            request_headers=_pairs(data.get("request_headers") or ()),
            response_headers=_pairs(data.get("response_headers") or ()),
        )


def _pairs(items: Sequence[Sequence[str]]) -> Headers:
    return tuple((str(k), str(v)) for k, v in items)


def exchanges_json(exchanges: Sequence[HttpExchange]) -> str | None:
    """What a column named ``http`` holds; None when nothing was kept."""
    if not exchanges:
        return None
    return json.dumps({"exchanges": [ex.to_json() for ex in exchanges]})


def exchanges_from_json(text: str | None) -> tuple[HttpExchange, ...]:
    """The hops stored by :func:`exchanges_json`; () for NULL (downloads made before)."""
    if not text:
        return ()
    data = json.loads(text)
    return tuple(HttpExchange.from_json(ex) for ex in data.get("exchanges") or ())


@dataclass(frozen=True)
class FetchResult:
    """A completed download. ``permanent_redirect`` is set only when every hop was 301/308,
    since only a redirect that persists may change the stored feed URL. ``exchanges`` holds
    every hop in order; the last is the response whose (decoded) body is ``content``."""

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
    exchanges: tuple[HttpExchange, ...] = ()


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
