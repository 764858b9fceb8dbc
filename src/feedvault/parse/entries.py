"""One <item>/<entry> -> ParsedEntry, and the field rules RSS and Atom share.

Precedence, as feed readers have settled it:
- content: content:encoded / Atom content / xhtml:body, else description / summary;
- link: RSS <link>, else Atom link rel=alternate (or no rel), else a permalink guid that is
  an http(s) URL (a guid like "12345" is no link);
- published: pubDate / published / issued / dcterms:issued / created, else dc:date;
  updated: updated / modified / dcterms:modified, else dc:date.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from feedvault.parse.dates import parse_date
from feedvault.parse.elements import KEYS, absolute, base_for, first, key, web_link
from feedvault.parse.model import ParsedEntry
from feedvault.parse.text import (
    collapse,
    element_text,
    has_markup,
    inner_markup,
    looks_like_html,
    person_name,
    strip_tags,
    text_html,
    unescape,
    unmarked,
    xhtml_content,
)

RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
_PUBLISHED = ("pubDate", "published", "issued", "dcterms:issued", "created", "dcterms:created")
_UPDATED = ("updated", "modified", "dcterms:modified")
_CONTENT = ("content:encoded", "content", "xhtml:body", "xhtml:div", "fullitem")
_SUMMARY = (
    "description", "summary", "dc:description", "dcterms:abstract", "itunes:summary",
    "media:description",  # YouTube's only text, inside media:group
)
_HTML_KEYS = frozenset({"description", "content:encoded", "fullitem", "itunes:summary"})
AUTHOR_KEYS = ("author", "dc:creator", "itunes:author", "media:credit")
_WANTED = frozenset(
    _PUBLISHED + _UPDATED + _CONTENT + _SUMMARY
    + ("title", "dc:title", "media:title", "guid", "id", "dc:date", "feedburner:origLink")
    + AUTHOR_KEYS
)
_MEDIA_URLS = frozenset({"media:content", "media:thumbnail"})
_NOT_A_URL = frozenset({"", "null", "none", "undefined", "#", "about:blank"})


@dataclass(frozen=True, slots=True)
class Context:
    url: str | None  # the document's URL
    base: str | None  # the feed's link, else url: base when no xml:base applies
    has_base: bool  # the document uses xml:base somewhere
    naive_offset: int  # seconds east of UTC for times without a zone
    china: bool  # CST means China Standard Time
    atom: bool  # Atom rules (titles are text unless typed html)
    dropped: list[str] = field(default_factory=list)  # links refused: not http(s)
    author: str | None = None  # the feed's author: an entry without its own inherits it


def read_entry(item: etree._Element, ctx: Context) -> ParsedEntry:
    found: dict[str, etree._Element] = {}
    link_el: etree._Element | None = None
    alternate: etree._Element | None = None
    enclosures: list[str] = []
    for child in item:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        k = KEYS.get(tag) or key(tag)
        if k == "link":
            href = child.get("href")
            if href is None:  # RSS <link>, or Atom 0.3 written with the URL as text
                if link_el is None and child.text and child.text.strip() and (
                    child.get("rel", "alternate") == "alternate"
                ):
                    link_el = child
            elif child.get("rel", "alternate") == "alternate":
                if alternate is None:
                    alternate = child
            elif child.get("rel") == "enclosure":
                enclosures.append(href.strip())
        elif k == "enclosure" or k in _MEDIA_URLS:
            if child.get("url"):
                enclosures.append(child.get("url", "").strip())
        elif k == "media:group":
            for c in child:
                ck = key(c.tag) if isinstance(c.tag, str) else ""
                if ck in _MEDIA_URLS and c.get("url"):
                    enclosures.append(c.get("url", "").strip())
                elif ck == "media:description":
                    found.setdefault(ck, c)
        elif k == "feedburner:origEnclosureLink":
            if child.text and child.text.strip():
                enclosures.insert(0, child.text.strip())  # the original, not the proxy
        elif k == "source" and ctx.atom:
            found.setdefault("_source", child)
        elif k in _WANTED and k not in found:
            found[k] = child
    guid = _guid(found.get("guid"), found.get("id"), item)
    guid_el = found.get("guid")
    link = _original_link(found.get("feedburner:origLink"), ctx) or _link(
        link_el, alternate, guid_el if guid_el is not None else found.get("id"), ctx
    )
    title_el = first(found, ("title", "dc:title", "media:title"))
    content_el = first(found, _CONTENT)
    summary_el = first(found, _SUMMARY)
    content = read_content(content_el, ctx.atom) if content_el is not None else ""
    summary = read_content(summary_el, ctx.atom) if summary_el is not None else None
    if not content.strip():
        content, summary, content_el = summary or content, None, summary_el
    return ParsedEntry(
        guid=guid,
        link=link,
        title=read_title(title_el, ctx.atom) if title_el is not None else "",
        content_html=content,
        summary_html=None if summary is None else unmarked(summary),  # never cleaned
        published=_date(found, _PUBLISHED, ctx),
        updated=_date(found, _UPDATED, ctx),
        author=_entry_author(found, ctx),
        base_url=_base(content_el if content_el is not None else item, ctx),
        enclosures=tuple(_resolve_all(enclosures, item, ctx)),
    )


def read_title(el: etree._Element, atom: bool) -> str:
    """Plain text: typed html/xhtml titles lose their tags; untyped RSS titles too when
    they hold markup (publishers put ``<b>`` in them), but a title that only mentions a
    tag (``Use &lt;div&gt; tags``, ``&lt;/example&gt;``) keeps it as text."""
    kind = (el.get("type") or "").lower()
    if kind in ("xhtml", "application/xhtml+xml"):
        return collapse(element_text(el))
    text = element_text(el)
    if kind in ("html", "text/html") or el.get("mode") == "escaped":
        return collapse(strip_tags(text))
    if not atom and not kind and looks_like_html(text):
        return collapse(strip_tags(text) if has_markup(text) else unescape(text))
    return collapse(text)


def read_content(el: etree._Element, atom: bool) -> str:
    """The element's HTML as carried (surrounding whitespace dropped); plain text (Atom
    type="text") is escaped and marked as text (text.text_html) so that the result is
    always HTML and the clean stage keeps its characters."""
    kind = (el.get("type") or "").lower()
    k = key(el.tag)
    if k == "media:description":  # Media RSS: type="plain" unless it says "html"
        return inner_markup(el).strip() if kind == "html" else text_html(element_text(el).strip())
    if kind == "xhtml":
        return xhtml_content(el).strip()
    if kind == "application/xhtml+xml" or k.startswith("xhtml:"):
        return inner_markup(el, xhtml=True).strip()  # Atom 0.3: no wrapping div convention
    if el.get("mode") == "xml":  # Atom 0.3: inline markup, whatever the type says
        return inner_markup(el, xhtml=True).strip()
    if el.get("mode") == "base64" or (atom and _binary(kind)):
        return _base64(el.text or "", kind)
    if kind in ("html", "text/html") or el.get("mode") == "escaped":
        return (element_text(el) if atom else inner_markup(el)).strip()
    if not kind and (not atom or k in _HTML_KEYS):
        return inner_markup(el).strip()  # RSS: HTML, possibly naked markup
    if not kind or kind.startswith("text"):
        return text_html(element_text(el).strip())
    if el.get("src") is not None:
        return ""  # out-of-line content: nothing carried
    return text_html(inner_markup(el).strip())  # some other XML vocabulary, shown as source


def _binary(kind: str) -> bool:
    return bool(kind) and not kind.startswith("text") and not kind.endswith("xml") and "/" in kind


def _base64(text: str, kind: str) -> str:
    """Base64 content that decodes to UTF-8 text; binary media (images, audio) is no HTML."""
    try:
        decoded = base64.b64decode(text).decode("utf-8").strip()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""
    return text_html(decoded) if kind in ("text", "text/plain") else decoded


def _guid(
    guid_el: etree._Element | None, id_el: etree._Element | None, item: etree._Element
) -> str | None:
    for el in (guid_el, id_el):
        if el is not None:
            value = element_text(el).strip()
            if value:
                return value
    about = item.get(RDF_ABOUT)
    return about.strip() or None if about else None


def _link(
    link_el: etree._Element | None, alternate: etree._Element | None,
    guid_el: etree._Element | None, ctx: Context,
) -> str | None:
    """The first http(s) candidate; other schemes are dropped (ctx.dropped)."""
    if link_el is not None:
        link = web_link(_base(link_el, ctx), link_el.text, ctx.dropped)
        if link:
            return link
    if alternate is not None:
        link = web_link(_base(alternate, ctx), alternate.get("href"), ctx.dropped)
        if link:
            return link
    # an RSS guid unless isPermaLink="false"; an Atom id that is a web URL, as readers do
    if guid_el is not None and guid_el.get("isPermaLink", "true").strip().lower() != "false":
        value = (guid_el.text or "").strip()
        if value[:8].lower().startswith(("http://", "https://")):
            return value
    return None


def _date(
    found: dict[str, etree._Element], keys: tuple[str, ...], ctx: Context
) -> datetime | None:
    for k in keys + ("dc:date",):
        el = found.get(k)
        if el is not None and el.text:
            return parse_date(el.text, naive_offset=ctx.naive_offset, china=ctx.china)
    return None


def _entry_author(found: dict[str, etree._Element], ctx: Context) -> str | None:
    """The entry's own author, else its Atom ``source``'s, else the feed's (RFC 4287
    4.2.1: an entry without an author has the feed's)."""
    own = read_author(found)
    if own:
        return own
    source = found.get("_source")
    if source is not None:
        return read_author({key(c.tag): c for c in source if isinstance(c.tag, str)})
    return ctx.author


def read_author(found: dict[str, etree._Element]) -> str | None:
    """A name from ``author`` (Atom person or RSS ``email (Name)``), ``dc:creator``,
    ``itunes:author`` or an author ``media:credit``."""
    for k in AUTHOR_KEYS:
        el = found.get(k)
        if el is None:
            continue
        if k == "media:credit" and (el.get("role") or "author").lower() != "author":
            continue
        if len(el):  # Atom: <author><name>..</name><email>..</email></author>
            parts = {key(c.tag): c for c in el if isinstance(c.tag, str)}
            chosen = parts.get("name") if parts.get("name") is not None else parts.get("email")
            value = collapse(element_text(chosen if chosen is not None else el))
        else:
            value = person_name(collapse(el.text or ""))
        if value:
            return value
    return None


def _original_link(el: etree._Element | None, ctx: Context) -> str | None:
    """FeedBurner's ``origLink``: the article itself, not the tracking redirect."""
    if el is None or not el.text:
        return None
    return web_link(_base(el, ctx), el.text, ctx.dropped)


def _base(el: etree._Element, ctx: Context) -> str | None:
    return base_for(el, ctx.url, ctx.base) if ctx.has_base else ctx.base


def _resolve_all(urls: list[str], item: etree._Element, ctx: Context) -> list[str]:
    """Absolute, each once, in order; a value that is no URL (``null``, text with
    spaces) is dropped rather than resolved into a link to nothing."""
    base = _base(item, ctx)
    seen: dict[str, None] = {}
    for url in urls:
        if url.lower() in _NOT_A_URL or any(c.isspace() for c in url):
            continue
        resolved = absolute(base, url)
        if resolved:
            seen.setdefault(resolved, None)
    return list(seen)
