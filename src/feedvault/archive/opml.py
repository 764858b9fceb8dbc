"""OPML subscription lists in and out (Feedly, Inoreader, Google Reader, NetNewsWire ...).

Parsed with lxml with entities and network off: an OPML file is untrusted input and must not
be able to read local files or fetch URLs through a DTD.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from lxml import etree

from feedvault.errors import ArchiveFormatError

__all__ = ["OpmlFeed", "read_opml", "write_opml"]

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Characters XML 1.0 cannot carry at all; lxml refuses them, so they are dropped on write.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Character references to UTF-16 surrogates: libxml2's recover mode would keep them as
# invalid UTF-8 that lxml cannot decode (a crash reading any attribute).
_SURROGATE_REF = re.compile(rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}|0*5[5-7]\d{3});")


@dataclass(frozen=True)
class OpmlFeed:
    title: str
    xml_url: str
    html_url: str | None
    category: str | None


def _parser(recover: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
    )


def read_opml(data: bytes, *, path: str = "<opml>") -> list[OpmlFeed]:
    """Every feed outline (one per ``xmlUrl``, first wins), category = parent outline's text.

    Malformed XML is parsed again in lxml's recovery mode (exports with a stray ``&`` are
    common); only when even that finds no ``<opml>`` root is the file refused.
    """
    root = _parse(data, path)
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    body = next((child for child in root if _name(child) == "body"), root)
    for outline, category in _outlines(body, None):
        attrs = {str(k).lower(): str(v).strip() for k, v in outline.attrib.items()}
        xml_url = _absolute(attrs.get("xmlurl", ""))
        if not xml_url or xml_url in seen:
            continue
        seen.add(xml_url)
        title = attrs.get("title") or attrs.get("text") or xml_url
        html_url = _absolute(attrs.get("htmlurl", "")) or None
        feeds.append(OpmlFeed(title, xml_url, html_url, category))
    return feeds


def _absolute(url: str) -> str:
    """Old exports (Google Reader) hold scheme-less URLs such as ``www.x.com/rss``."""
    if url.startswith("//"):
        return "https:" + url
    if url and not _SCHEME.match(url) and "." in url.split("/", 1)[0]:
        return "http://" + url
    return url


def _parse(data: bytes, path: str) -> etree._Element:
    if not data.strip():
        raise ArchiveFormatError("empty OPML file", path=path)
    try:
        root: etree._Element | None = etree.fromstring(data, _parser(recover=False))
    except etree.XMLSyntaxError as strict_error:
        root = _recover(data)
        if root is None:
            message = str(strict_error).splitlines()[0] if str(strict_error) else "bad XML"
            raise ArchiveFormatError(f"not OPML: {message}", path=path) from strict_error
    if root is None or _name(root) != "opml":
        found = f"<{_name(root)}>" if root is not None else "nothing"
        raise ArchiveFormatError(f"not OPML: root element is {found}", path=path)
    return root


def _recover(data: bytes) -> etree._Element | None:
    if b"&#" in data:
        data = _SURROGATE_REF.sub(_surrogate_ref, data)
    try:
        root: etree._Element | None = etree.fromstring(data, _parser(recover=True))
    except etree.XMLSyntaxError:
        return None
    return root if root is not None and _name(root) == "opml" else None


def _surrogate_ref(match: re.Match[bytes]) -> bytes:
    ref = match.group()[2:-1]
    value = int(ref[1:], 16) if ref[:1] in b"xX" else int(ref)
    return b"&#xFFFD;" if 0xD800 <= value <= 0xDFFF else match.group()


def _name(element: etree._Element) -> str:
    """The local name, lower-cased; also of the ``p:name`` tags recover mode leaves for an
    undeclared prefix (``etree.QName`` refuses those)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return (tag.partition("}")[2] if tag[:1] == "{" else tag.rpartition(":")[2]).lower()


def _outlines(
    parent: etree._Element, category: str | None
) -> Iterator[tuple[etree._Element, str | None]]:
    for child in parent:
        if _name(child) != "outline":
            continue
        yield child, category
        if len(child):
            label = (child.get("text") or child.get("title") or "").strip()
            yield from _outlines(child, label or category)


def write_opml(feeds: Sequence[OpmlFeed], *, title: str = "feedvault subscriptions") -> bytes:
    """OPML 2.0, one folder outline per category in first-seen order, no timestamps.

    Deterministic output (same feeds, same bytes) keeps exports diff-friendly under git.
    """
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = _clean(title)
    body = etree.SubElement(opml, "body")
    folders: dict[str, etree._Element] = {}
    for feed in feeds:
        parent = body
        category = _clean(feed.category or "")
        if category:
            if category not in folders:
                folders[category] = etree.SubElement(body, "outline", text=category)
                folders[category].set("title", category)
            parent = folders[category]
        outline = etree.SubElement(parent, "outline", type="rss", text=_clean(feed.title))
        outline.set("title", _clean(feed.title))
        outline.set("xmlUrl", _clean(feed.xml_url))
        if feed.html_url:
            outline.set("htmlUrl", _clean(feed.html_url))
    data: bytes = etree.tostring(opml, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value)
