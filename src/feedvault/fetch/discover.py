"""Finding a site's feeds from its home page, and telling feeds from pages.

``feedvault add https://site/`` is usually given a web page, not a feed. Pages announce
feeds with ``<link rel="alternate" type="application/rss+xml">``; many that do not still
serve one at a handful of well-known paths, which the caller may probe.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from feedvault.errors import FetchError
from feedvault.fetch.charset import bom_encoding
from feedvault.fetch.client import Fetcher

FEED_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml",
    "application/feed+json", "application/x.atom+xml", "application/x-atom+xml",
    "application/x-rss+xml",
})
COMMON_FEED_PATHS = ("/feed", "/rss", "/atom.xml", "/feed.xml", "/index.xml", "/rss.xml")
FEED_ROOTS = frozenset({"rss", "feed", "rdf"})  # local names, lower-cased (rdf:RDF)
_PROLOG = re.compile(r"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(\[.*?\])?\s*>)", re.S | re.I)
_ROOT = re.compile(r"\s*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def discover_feeds(html: bytes, base_url: str) -> list[tuple[str, str]]:
    """``(url, title)`` for each feed the page links with rel=alternate, in page order."""
    if not html.strip():
        return []
    try:
        doc = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    base = base_url
    for element in doc.iter("base"):
        if element.get("href"):
            base = urljoin(base_url, (element.get("href") or "").strip())
            break
    found: dict[str, str] = {}
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            url = urljoin(base, href)
            if urlsplit(url).scheme in ("http", "https"):
                found.setdefault(url, (link.get("title") or "").strip())
    return list(found.items())


def candidate_urls(base_url: str) -> list[str]:
    """The well-known feed paths on ``base_url``'s site, for probing."""
    return [urljoin(base_url, path) for path in COMMON_FEED_PATHS]


def looks_like_feed(content: bytes, content_type: str | None) -> bool:
    """True if the bytes are RSS, Atom, RDF or JSON Feed, judged by content not label.

    Labels lie both ways: feeds are served as text/html and pages as text/xml.
    """
    head = _head_text(content)
    stripped = head.lstrip()
    if stripped.startswith("{"):
        return _is_json_feed(content, content_type)
    while (prolog := _PROLOG.match(head)) is not None:
        head = head[prolog.end():]
    root = _ROOT.match(head)
    return root is not None and root.group(1).lower() in FEED_ROOTS


def feed_title(content: bytes) -> str:
    """The feed's own title, or '' (for naming probed feeds)."""
    if content.lstrip().startswith(b"{"):
        try:
            title = json.loads(content).get("title", "")
        except (ValueError, AttributeError):
            return ""
        return title.strip() if isinstance(title, str) else ""
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = lxml.etree.fromstring(content, parser)
    except lxml.etree.XMLSyntaxError:
        return ""
    if root is None:
        return ""
    for element in root.iter("{*}title"):
        return (element.text or "").strip()
    return ""


def find_feeds(fetcher: Fetcher, url: str) -> list[tuple[str, str]]:
    """The feeds behind ``url``: itself if it is one, its linked feeds, else probed paths."""
    page = fetcher.fetch(url)
    if looks_like_feed(page.content, page.content_type):
        return [(page.final_url, feed_title(page.content))]
    linked = discover_feeds(page.content, page.final_url)
    if linked:
        return linked
    found: list[tuple[str, str]] = []
    for candidate in candidate_urls(page.final_url):
        try:
            probe = fetcher.fetch(candidate)
        except FetchError:
            continue
        is_new = all(probe.final_url != known for known, _ in found)
        if is_new and looks_like_feed(probe.content, probe.content_type):
            found.append((probe.final_url, feed_title(probe.content)))
    return found


def _head_text(content: bytes) -> str:
    """The first few KiB as text, enough to see the root element."""
    encoding = bom_encoding(content) or "latin-1"
    head = content[: 4096 * (4 if encoding.startswith("utf-32") else 2)]
    text = head.decode(encoding, errors="ignore")
    return text.lstrip("\ufeff")


def _is_json_feed(content: bytes, content_type: str | None) -> bool:
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return False
    version = data.get("version")
    if isinstance(version, str) and "jsonfeed.org/version" in version:
        return True
    return "feed+json" in (content_type or "").lower()
