"""An RSS or Atom tree -> ParsedFeed: format, channel metadata, then the entries.

Each element's children are visited once and dispatched on a cached key (see elements.py);
no XPath, no second pass. The rules for each field are in entries.py.
"""

from __future__ import annotations

from lxml import etree

from feedvault.errors import ParseError
from feedvault.parse.dates import parse_date
from feedvault.parse.elements import (
    ATOM03_NS,
    RSS090_NS,
    XML_LANG,
    adopt_namespace,
    base_for,
    dropped_warning,
    first,
    key,
    local_name,
    namespace_of,
    web_link,
)
from feedvault.parse.entries import Context, read_author, read_entry, read_title
from feedvault.parse.model import ParsedFeed

_FEED_DATES = (
    "updated", "lastBuildDate", "modified", "dcterms:modified", "dc:date", "pubDate", "published"
)


def read_feed(
    root: etree._Element, url: str | None, encoding: str, warnings: list[str], has_base: bool
) -> ParsedFeed:
    """Everything we keep from one RSS/Atom document.

    ``has_base``: the document mentions xml:base at all (else no ancestor walks are needed).
    """
    root, fmt = _format(root, url, warnings)
    atom = fmt.startswith("atom")
    channel, items = _locate(root, atom)
    meta: dict[str, etree._Element] = {}
    link_href: etree._Element | None = None
    for child in channel:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        k = key(tag)
        if k == "link" and child.get("href") is not None:
            if link_href is None and child.get("rel", "alternate") == "alternate":
                link_href = child
        elif k not in meta:
            meta[k] = child
    language = _language(root, channel, meta) or _item_language(items)
    china = language is not None and language.lower().startswith("zh")
    dropped: list[str] = []
    feed_link = _feed_link(meta.get("link"), link_href, url, has_base, dropped)
    context = Context(
        url=url, base=feed_link or url, has_base=has_base,
        naive_offset=8 * 3600 if china else 0, china=china, atom=atom, dropped=dropped,
        author=read_author(meta),
    )
    title_el = first(meta, ("title", "dc:title"))
    updated_el = first(meta, _FEED_DATES)
    entries = [read_entry(item, context) for item in items]
    if dropped:
        warnings.append(dropped_warning(dropped))
    return ParsedFeed(
        format=fmt,
        title=read_title(title_el, atom) if title_el is not None else "",
        link=feed_link,
        entries=tuple(entries),
        encoding=encoding,
        warnings=tuple(warnings),
        language=language,
        updated=parse_date(
            updated_el.text if updated_el is not None else None,
            naive_offset=context.naive_offset, china=china,
        ),
    )


def _format(
    root: etree._Element, url: str | None, warnings: list[str]
) -> tuple[etree._Element, str]:
    """The feed element and its format name; ParseError when the document is no feed."""
    k = key(root.tag) if isinstance(root.tag, str) else ""
    if k.startswith("?:") and adopt_namespace(root):
        k = key(root.tag)
    elif k.startswith("?:") and k[2:] in ("rss", "feed", "channel", "RDF"):
        warnings.append(f"root element <{root.tag}> has an undeclared prefix; read as <{k[2:]}>")
        k = k[2:]
    if k == "rss":
        version = (root.get("version") or "").strip()
        if version.startswith("0.91"):
            return root, "rss091"
        return root, "rss092" if version.startswith("0.9") else "rss20"
    if k in ("rdf:RDF", "RDF"):
        rss090 = root.nsmap.get(None) == RSS090_NS or any(
            namespace_of(c.tag) == RSS090_NS for c in root if isinstance(c.tag, str)
        )
        return root, "rss090" if rss090 else "rss10"
    if k == "feed":
        old = namespace_of(root.tag) == ATOM03_NS or root.get("version") == "0.3"
        return root, "atom03" if old else "atom10"
    if k == "channel":
        return root, "rss20"
    local = local_name(root.tag).lower() if isinstance(root.tag, str) else ""
    if local == "html":
        raise ParseError("not a feed: an HTML page", url=url)
    if local == "channel":  # <CHANNEL>: Microsoft's Channel Definition Format (1997), dead
        raise ParseError("not a feed: Microsoft CDF channel, not supported", url=url)
    for el in root.iterdescendants():
        if isinstance(el.tag, str) and key(el.tag) in ("rss", "feed", "rdf:RDF", "channel"):
            warnings.append(f"feed found inside <{local}>")
            return _format(el, url, warnings)
    raise ParseError(f"not a feed: the document's root element is <{local}>", url=url)


def _locate(root: etree._Element, atom: bool) -> tuple[etree._Element, list[etree._Element]]:
    """The channel (or Atom feed) element and the item/entry elements."""
    if atom:
        return root, [c for c in root if isinstance(c.tag, str) and key(c.tag) == "entry"]
    channel = root
    if key(root.tag) != "channel":
        channel = next(
            (c for c in root if isinstance(c.tag, str) and key(c.tag) == "channel"), root
        )
    items = [c for c in channel if isinstance(c.tag, str) and key(c.tag) == "item"]
    if channel is not root:
        items += [c for c in root if isinstance(c.tag, str) and key(c.tag) == "item"]
    if not items:  # items nested somewhere unexpected: take them wherever they are
        items = [el for el in root.iter() if isinstance(el.tag, str) and key(el.tag) == "item"]
    return channel, items


def _language(
    root: etree._Element, channel: etree._Element, meta: dict[str, etree._Element]
) -> str | None:
    for el in (meta.get("language"), meta.get("dc:language")):
        if el is not None and el.text and el.text.strip():
            return el.text.strip()
    value = channel.get(XML_LANG) or root.get(XML_LANG)
    return value.strip() if value and value.strip() else None


def _item_language(items: list[etree._Element]) -> str | None:
    """Some feeds (DW's RSS 1.0) give dc:language on each item only."""
    if not items:
        return None
    for child in items[0]:
        if isinstance(child.tag, str) and key(child.tag) in ("language", "dc:language"):
            text = (child.text or "").strip()
            if text:
                return text
    return None


def _feed_link(
    text_el: etree._Element | None, href_el: etree._Element | None, url: str | None,
    has_base: bool, dropped: list[str],
) -> str | None:
    """The site's URL: RSS <link> text, else Atom link rel=alternate, resolved against url;
    http(s) only."""
    for el, value in ((text_el, text_el.text if text_el is not None else None),
                      (href_el, href_el.get("href") if href_el is not None else None)):
        if el is not None and value and value.strip():
            base = base_for(el, url, url) if has_base else url
            link = web_link(base, value, dropped)
            if link:
                return link
    return None
