"""Entry identity and version identity.

An entry is the same article across fetches when its key is the same: the guid (a URL guid is
canonicalised like a link), else the canonical link, else its first enclosure's URL, else a
hash of title and date. A key longer than MAX_KEY_BYTES (a guid that swallowed the whole
entry in a broken feed) is replaced by a hash of itself: PostgreSQL cannot index a text
over ~8 KB, and no real identifier is that long. A version is
the same when title, canonical link and the raw HTML are the same: tracking parameters or an
http->https move are not edits.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from feedvault.parse.text import unmarked
from feedvault.urls import canonical_url

MAX_KEY_BYTES = 1024


def entry_key(
    guid: str | None,
    link: str | None,
    title: str,
    published: datetime | None,
    enclosure: str | None = None,
) -> str:
    """guid, else canonical link, else the first enclosure (podcasts), else title and date."""
    key = _identify(guid, link, title, published, enclosure)
    data = key.encode("utf-8", "surrogatepass")
    if len(data) > MAX_KEY_BYTES:
        return key[:2] + "sha256:" + hashlib.sha256(data).hexdigest()
    return key


def _identify(
    guid: str | None,
    link: str | None,
    title: str,
    published: datetime | None,
    enclosure: str | None,
) -> str:
    if guid:
        if guid.startswith(("http://", "https://")):
            return "u:" + canonical_url(guid)
        return "g:" + guid
    if link:
        return "u:" + canonical_url(link)
    if enclosure:
        return "e:" + canonical_url(enclosure)
    stamp = published.isoformat() if published else ""
    return "h:" + hashlib.sha1(f"{title}\x00{stamp}".encode()).hexdigest()


def content_hash(title: str, link: str | None, raw_html: str) -> str:
    """The plain-text mark (parse.text.TEXT_MARK) is left out: entries stored before the
    parser wrote it keep their hash, so gaining it is no edit."""
    link_key = canonical_url(link) if link else ""
    data = f"{title.strip()}\x00{link_key}\x00{unmarked(raw_html)}".encode()
    return hashlib.sha256(data).hexdigest()
