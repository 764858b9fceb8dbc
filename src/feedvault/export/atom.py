"""Atom 1.0 (RFC 4287) documents of stored entries, so a reader app can subscribe to a vault.

Built with lxml so that every title, link and body is escaped by the serialiser, never by
hand. Content is the *cleaned* HTML (type="html"); raw item HTML never goes out. Entry ids
are deterministic ``urn:uuid`` values derived from the feed slug and the entry key, so they
survive a change of host name or port. Paged feeds carry RFC 5005 ``next``/``previous``
links so the whole history stays reachable.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from feedvault.export.links import http_link
from feedvault.models import Entry

ATOM_NS = "http://www.w3.org/2005/Atom"
_A = f"{{{ATOM_NS}}}"
# XML 1.0 forbids most C0 controls, lone surrogates and U+FFFE/FFFF; feeds do contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class AtomFeedInfo:
    """What describes the document itself (links are absolute URLs)."""

    title: str
    self_url: str
    alternate_url: str
    feed_id: str  # a stable IRI for this view
    subtitle: str | None = None
    updated: datetime | None = None  # defaults to the newest entry, or now
    links: dict[str, str] = field(default_factory=dict)  # extra rel -> href (next, previous)
    generator: str = "feedvault"


def xml_text(value: str) -> str:
    """Drop characters that XML 1.0 cannot carry (lxml refuses them)."""
    return _NOT_XML.sub("", value)


def entry_urn(feed_slug: str, key: str) -> str:
    """A stable id for an entry: the same entry always gets the same urn:uuid."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"feedvault:{feed_slug}:{key}").urn


def _stamp(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: etree._Element, tag: str, text: str | None = None,
         **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, _A + tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        node.text = xml_text(text)
    return node


def _entry_updated(entry: Entry) -> datetime:
    candidates = [entry.published, entry.first_seen]
    if entry.updated is not None:
        candidates.append(entry.updated)
    if entry.versions:
        candidates.append(entry.versions[-1].seen_at)
    return max(candidates)


def _add_entry(root: etree._Element, entry: Entry, entry_url: str,
               content: str | None = None) -> None:
    node = _sub(root, "entry")
    _sub(node, "id", entry_urn(entry.feed_slug, entry.key))
    _sub(node, "title", entry.title or "(untitled)", type="text")
    _sub(node, "updated", _stamp(_entry_updated(entry)))
    _sub(node, "published", _stamp(entry.published))
    if entry.author:
        author = _sub(node, "author")
        _sub(author, "name", entry.author)
    link = http_link(entry.link)
    if link:
        _sub(node, "link", rel="alternate", type="text/html", href=link)
    _sub(node, "link", rel="via", type="text/html", href=entry_url)
    _sub(node, "content", entry.content_html if content is None else content, type="html")


def write_atom(info: AtomFeedInfo, entries: Sequence[Entry],
               entry_url: Callable[[Entry], str],
               content: Mapping[int, str] | None = None) -> bytes:
    """Serialise ``entries`` (newest first) as one Atom 1.0 document, UTF-8 encoded.

    ``content``: an entry's HTML by id where it differs from ``content_html`` (the web app's
    Atom points archived images at its own absolute ``/media/<sha>`` URLs)."""
    nsmap: Any = {None: ATOM_NS}
    root = etree.Element(_A + "feed", nsmap=nsmap)
    _sub(root, "id", info.feed_id)
    _sub(root, "title", info.title, type="text")
    if info.subtitle:
        _sub(root, "subtitle", info.subtitle, type="text")
    newest = max((_entry_updated(e) for e in entries), default=None)
    updated = info.updated or newest or datetime.now(tz=UTC)
    _sub(root, "updated", _stamp(updated))
    _sub(root, "link", rel="self", type="application/atom+xml", href=info.self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=info.alternate_url)
    for rel, href in info.links.items():
        _sub(root, "link", rel=rel, type="application/atom+xml", href=href)
    author = _sub(root, "author")
    _sub(author, "name", info.generator)
    _sub(root, "generator", info.generator)
    for entry in entries:
        _add_entry(root, entry, entry_url(entry), (content or {}).get(entry.id))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
