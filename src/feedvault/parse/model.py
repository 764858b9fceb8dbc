"""Parsed types: what one feed document says, before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    guid: str | None  # id / guid / JSON id, stripped; None when absent or empty
    link: str | None  # absolute URL (resolved against xml:base / feed link)
    title: str  # plain text, entities decoded, whitespace collapsed; "" when absent
    content_html: str  # the item's HTML exactly as the feed carries it (content:encoded
    # preferred over description; Atom content over summary); plain-text fields are
    # HTML-escaped so that this is always HTML
    summary_html: str | None  # description/summary when content_html came from elsewhere
    published: datetime | None  # aware, UTC
    updated: datetime | None  # aware, UTC
    author: str | None = None
    base_url: str | None = None  # base for relative URLs inside content_html
    enclosures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    format: str  # rss090 | rss091 | rss092 | rss10 | rss20 | atom03 | atom10 | json10 | json11
    # | rss20json (RSS 2.0 written as JSON)
    title: str
    link: str | None  # the site's URL
    entries: tuple[ParsedEntry, ...]
    encoding: str  # the encoding the bytes were read with
    warnings: tuple[str, ...] = field(default=())  # recovered problems (not well formed, ...)
    language: str | None = None
    updated: datetime | None = None
