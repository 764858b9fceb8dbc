"""Column lists and row -> model conversion shared by every backend.

Both stores select the same columns in the same order, so they build identical models.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from feedvault.models import Entry, EntryVersion, Feed
from feedvault.timeutil import from_ms

FEED_COLUMNS = (
    "f.id, f.slug, f.name, f.url, f.site_url, f.added_at, f.last_updated, f.last_error, f.etag, "
    "f.last_modified, f.status, f.error_count, f.next_check, f.settings, f.last_doc_sha"
)
ENTRY_COLUMNS = (
    "e.id, e.feed_id, f.slug, e.key, e.guid, v.title, v.link, e.published, e.published_source, "
    "e.updated, e.first_seen, e.last_seen, e.author, v.raw_html, v.content_html, v.text, "
    "e.version_count"
)
VERSION_COLUMNS = (
    "id, entry_id, seq, seen_at, title, link, raw_html, content_html, text, content_hash, source, "
    "document_sha"
)


def _time(value: Any) -> Any:
    return from_ms(int(value)) if value is not None else None


def feed_from_row(row: Sequence[Any]) -> Feed:
    return Feed(
        id=int(row[0]),
        slug=row[1],
        name=row[2],
        url=row[3],
        site_url=row[4],
        added_at=from_ms(int(row[5])),
        last_updated=_time(row[6]),
        last_error=row[7],
        etag=row[8],
        last_modified=row[9],
        status=row[10],
        error_count=int(row[11]),
        next_check=_time(row[12]),
        settings=json.loads(row[13]),
        last_doc_sha=row[14],
        entry_count=int(row[15]),
    )


def entry_from_row(row: Sequence[Any]) -> Entry:
    return Entry(
        id=int(row[0]),
        feed_id=int(row[1]),
        feed_slug=row[2],
        key=row[3],
        guid=row[4],
        title=row[5],
        link=row[6],
        published=from_ms(int(row[7])),
        published_source=row[8],
        updated=_time(row[9]),
        first_seen=from_ms(int(row[10])),
        last_seen=from_ms(int(row[11])),
        author=row[12],
        raw_html=row[13],
        content_html=row[14],
        text=row[15],
        version_count=int(row[16]),
    )


def version_from_row(row: Sequence[Any]) -> EntryVersion:
    return EntryVersion(
        id=int(row[0]),
        entry_id=int(row[1]),
        seq=int(row[2]),
        seen_at=from_ms(int(row[3])),
        title=row[4],
        link=row[5],
        raw_html=row[6],
        content_html=row[7],
        text=row[8],
        content_hash=row[9],
        source=row[10],
        document_sha=row[11],
    )
