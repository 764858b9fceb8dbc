"""Article snapshots: the page an entry links to, kept as evidence (issue #16, docs/media.md).

A feed with ``snapshot = true`` keeps the article page's bytes (in the media files, as
``text/html``) and its HTTP exchanges at first sight of an entry, and again whenever a later
fetch of the same page (the origin watch, a full-text refetch) returns different bytes. The
page's images are linked to the snapshot, so the media archiver downloads them like a
version's. The page is whatever the fetch returned: this module never fetches anything
itself, so a feed with full text on fetches each page once for both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from feedvault.fetch.result import FetchResult, exchanges_json
from feedvault.media.model import MediaFile
from feedvault.models import Feed

if TYPE_CHECKING:
    from feedvault.media.files import MediaFiles
    from feedvault.store.sql.media import MediaCatalog

SNAPSHOT_MIME = "text/html"


def wants_snapshot(feed: Feed) -> bool:
    return bool(feed.settings.get("snapshot"))


def keep_snapshot(
    catalog: MediaCatalog,
    files: MediaFiles,
    entry_id: int,
    url: str,
    page: FetchResult,
    at: datetime,
    latest_sha: str | None,
) -> int | None:
    """Keep ``page`` as a snapshot of entry ``entry_id`` unless its bytes are those of the
    entry's latest snapshot (``latest_sha``, None when it has none: see latest_snapshots);
    the new snapshot's id, or None when nothing new was stored. The first snapshot's reason
    is "first", every later one's "recheck"."""
    from feedvault.fetch.charset import decode_text
    from feedvault.media.refs import image_refs

    data = page.content
    sha = hashlib.sha256(data).hexdigest()
    if sha == latest_sha:
        return None
    files.put(data)
    catalog.add_file(MediaFile(sha, len(data), SNAPSHOT_MIME), at)
    reason = "first" if latest_sha is None else "recheck"
    http = exchanges_json(page.exchanges)
    snapshot_id = catalog.add_snapshot(entry_id, url, page.final_url, sha, reason, at, http)
    refs = image_refs(decode_text(data, page.content_type), page.final_url)
    if refs:
        catalog.link_snapshot(snapshot_id, entry_id, refs)
    return snapshot_id


def latest_snapshots(catalog: MediaCatalog, entry_ids: Iterable[int]) -> dict[int, str]:
    """Entry id -> its latest snapshot's sha, for those of the entries that have one."""
    found: dict[int, str] = {}
    for entry_id in entry_ids:
        known = catalog.snapshots(entry_id)
        if known:
            found[entry_id] = max(known, key=lambda s: (s.fetched_at, s.id)).sha
    return found
