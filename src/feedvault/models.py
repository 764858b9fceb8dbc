"""Stored types: what the vault holds. Frozen dataclasses, no I/O.

Parsed types (what a feed says) live in :mod:`feedvault.parse.model`; these are what we keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    slug: str
    name: str
    url: str | None  # None for feeds that exist only through imported archive files
    site_url: str | None
    added_at: datetime
    last_updated: datetime | None = None
    last_error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    entry_count: int = 0
    status: str = "ok"  # ok | error | gone (410) | paused
    error_count: int = 0
    next_check: datetime | None = None
    settings: dict[str, object] = field(default_factory=dict)
    last_doc_sha: str | None = None  # sha256 of the last document read: same bytes, no work


@dataclass(frozen=True, slots=True)
class EntryVersion:
    id: int
    entry_id: int
    seq: int  # 1 for the first version of an entry, then 2, 3, ...
    seen_at: datetime
    title: str
    link: str | None
    raw_html: str  # the item's HTML exactly as received
    content_html: str  # cleaned, safe HTML derived from raw_html
    text: str  # plain text derived from raw_html (what search indexes)
    content_hash: str
    source: str = "feed"  # feed | archive | page (full text fetched from the article page)
    document_sha: str | None = None  # the feed document (original bytes) this came from


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    feed_id: int
    feed_slug: str
    key: str  # stable identity within the feed
    guid: str | None
    title: str
    link: str | None
    published: datetime  # UTC; first-seen time when the feed gave none
    published_source: str  # feed | page | first_seen | archive
    updated: datetime | None
    first_seen: datetime
    last_seen: datetime
    author: str | None
    raw_html: str
    content_html: str
    text: str
    version_count: int = 1
    versions: tuple[EntryVersion, ...] = ()


@dataclass(frozen=True, slots=True)
class EntryState:
    """What the decider needs to know of a stored entry. The store reads it, the decider
    judges by it; it lives here so that neither imports the other (and so that opening a
    store for reading does not import the parser)."""

    entry_id: int
    content_hash: str
    version_count: int
    published_source: str
    source: str  # source of the current version
    # that version's link: which of several items sharing a guid this entry is
    # (decide/identity.py); not compared, the content hash already covers it
    link: str | None = field(default=None, compare=False)
