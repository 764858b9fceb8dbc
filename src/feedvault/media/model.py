"""The values of media archiving that cross stage boundaries (docs/media.md).

Plain frozen dataclasses: the store returns them, the archiver and the web app read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

MEDIA_STATES = ("pending", "ok", "failed", "skipped")
REF_KINDS = ("img", "srcset", "source", "poster", "enclosure", "page")


@dataclass(frozen=True, slots=True)
class MediaRef:
    """An image/video reference found in a version's HTML (or an enclosure, a page)."""

    url: str  # absolute http(s) URL that is downloaded
    kind: str  # one of REF_KINDS
    # the absolute img src the cleaned HTML shows, when the downloaded URL is a better
    # srcset/picture candidate than that src
    shown_as: str | None = None


@dataclass(frozen=True, slots=True)
class MediaFile:
    """Stored bytes' metadata (table media_files): one row per distinct content."""

    sha: str  # sha256 hex of the bytes
    size: int
    mime: str  # sniffed type, e.g. image/png, image/svg+xml, text/html
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class MediaLink:
    """What a version shows, with where its archived copy is (or why there is none)."""

    url: str
    kind: str
    shown_as: str | None
    state: str  # one of MEDIA_STATES
    sha: str | None  # set when state == "ok"
    mime: str | None
    size: int | None
    error: str | None  # one line: why failed/skipped ("1x1 tracking pixel", "HTTP 404")


@dataclass(frozen=True, slots=True)
class MediaTask:
    """One URL the archiver should (re)try."""

    url_id: int
    url: str
    attempts: int
    entry_id: int  # the entry it was first seen in (per-feed settings, per-entry quota)
    feed_id: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An article page kept as evidence: its bytes are in the media files (text/html)."""

    id: int
    entry_id: int
    fetched_at: datetime
    url: str
    final_url: str
    sha: str
    reason: str  # "first" | "recheck"
    http: dict[str, Any] | None  # the final exchange (HttpExchange.to_json()), None before
    # every exchange in order, redirects first (the WARC export writes them all)
    hops: tuple[dict[str, Any], ...] = ()
