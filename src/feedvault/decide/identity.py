"""Entry identity and version identity.

An entry is the same article across fetches when its key is the same: the guid (a URL guid is
canonicalised like a link), else the canonical link, else its first enclosure's URL, else a
hash of title and date. A key longer than MAX_KEY_BYTES (a guid that swallowed the whole
entry in a broken feed) is replaced by a hash of itself: PostgreSQL cannot index a text
over ~8 KB, and no real identifier is that long.

Reused guids. Some feeds give one guid to several articles (different links) in the same
document. Those are different entries; items with the same key AND the same canonical link
are one article repeated (the first is kept). The rule (decider.candidates applies it, with
the stored entries in view) keeps every key a feed that never reuses a guid has today and
depends on no order in the document:

- an item whose key K is shared by no other link in the document keeps K, unless the vault
  holds a split entry for its link (``split_key(K, link)``: it was split off earlier, and
  the group has since shrunk to it) and K's stored entry has another link;
- in a group (K with two or more links), the item whose link is the link of K's stored
  entry keeps K (it is that article; the others are newcomers); every other item gets
  ``split_key(K, its link)``; with no stored K, every item is split.

So a guid starting to be reused leaves its old entry with its own article (no false edit of
it by a new item at the top), a split entry is found again whatever the order or the size
of the group, and a singleton whose link changed is still an edit of K, as before. A version is
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
    return _bounded(_identify(guid, link, title, published, enclosure))


def split_key(key: str, link: str) -> str:
    """The key of the article at canonical ``link`` among several sharing ``key``."""
    return _bounded(f"{key}\tu:{link}")


def link_key(link: str | None) -> str:
    """The canonical form links are compared in ("" for none)."""
    return canonical_url(link) if link else ""


def _bounded(key: str) -> str:
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
