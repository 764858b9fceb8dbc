"""Element names -> the short keys the RSS/Atom readers dispatch on.

RSS 0.9x/1.0/2.0 and both Atom namespaces map to bare local names (``title``, ``link``,
``entry``), because their elements mean the same thing and real feeds mix them (Atom 0.3
without a namespace, ``atom:link`` in RSS). Extension namespaces we read keep a prefix
(``dc:date``, ``content:encoded``); everything else becomes ``?:local`` and is ignored. The
mapping is cached per Clark-notation tag so each child costs one dict lookup.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree

from feedvault.urls import is_http, resolve

ATOM10_NS = "http://www.w3.org/2005/Atom"
ATOM03_NS = "http://purl.org/atom/ns#"
RSS10_NS = "http://purl.org/rss/1.0/"
RSS090_NS = "http://my.netscape.com/rdf/simple/0.9/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

NAMESPACES: dict[str, str] = {
    ATOM10_NS: "", ATOM03_NS: "", RSS10_NS: "", RSS090_NS: "",
    "http://backend.userland.com/rss2": "", "http://backend.userland.com/rss": "",
    "http://purl.org/net/rss1.1#": "", "http://channel.netscape.com/rdf/simple/0.9/": "",
    "http://purl.org/dc/elements/1.1/": "dc:", "http://purl.org/dc/elements/1.0/": "dc:",
    "http://purl.org/dc/terms/": "dcterms:",
    "http://purl.org/rss/1.0/modules/content/": "content:",
    "http://www.w3.org/1999/xhtml": "xhtml:", RDF_NS: "rdf:",
    "http://search.yahoo.com/mrss/": "media:", "http://search.yahoo.com/mrss": "media:",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes:",
    "http://www.itunes.com/DTDs/Podcast-1.0.dtd": "itunes:",
    "http://rssnamespace.org/feedburner/ext/1.0": "feedburner:",
}
_ADOPTED_MAX = 64
# Conventional prefixes, for feeds that use them without declaring them.
PREFIXES: dict[str, str] = {
    "atom": "", "atom10": "", "dc": "dc:", "dcterms": "dcterms:", "content": "content:",
    "xhtml": "xhtml:", "rdf": "rdf:", "media": "media:", "itunes": "itunes:",
    "feedburner": "feedburner:",
}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}:")
_CACHE: dict[str, str] = {}
KEYS = _CACHE  # read-only view for hot loops: ``KEYS.get(tag) or key(tag)``


def key(tag: str) -> str:
    """The dispatch key of an element tag (Clark notation or an undeclared ``p:name``)."""
    found = _CACHE.get(tag)
    if found is not None:
        return found
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        prefix = NAMESPACES.get(ns, "?:")
    elif ":" in tag:
        raw, _, local = tag.partition(":")
        prefix = PREFIXES.get(raw.lower(), "?:")
    else:
        prefix, local = "", tag
    found = prefix + local
    if len(_CACHE) < 4096:  # a hostile feed with endless tag names cannot grow this forever
        _CACHE[tag] = found
    return found


def local_name(tag: str) -> str:
    """The local part of a tag. Unlike ``etree.QName`` it accepts the ``p:name`` tags that
    libxml2's recover mode leaves when a prefix was never declared (``<x:div>``)."""
    if tag[:1] == "{":
        return tag.partition("}")[2]
    return tag.rpartition(":")[2]


def namespace_of(tag: str) -> str | None:
    """The namespace URI of a Clark-notation tag; None for no or an undeclared prefix."""
    return tag[1:].partition("}")[0] if tag[:1] == "{" else None


def adopt_namespace(root: etree._Element) -> bool:
    """Read a root ``rss``/``feed``/``channel`` in an unknown namespace (a made-up RSS 2.1,
    a private Atom draft) as the plain format, as feed readers do. True when adopted."""
    ns, _, local = root.tag[1:].partition("}") if root.tag[:1] == "{" else ("", "", "")
    if not ns or ns in NAMESPACES or local not in ("rss", "feed", "channel", "RDF"):
        return False
    if sum(1 for v in NAMESPACES.values() if v == "") >= _ADOPTED_MAX:
        return False
    NAMESPACES[ns] = ""
    for tag in [t for t in _CACHE if t.startswith("{" + ns + "}")]:
        del _CACHE[tag]
    return True


def base_for(el: etree._Element, url: str | None, fallback: str | None) -> str | None:
    """The base URL in force at ``el``: its xml:base chain resolved against ``url``;
    ``fallback`` (the feed's link, or ``url``) when no ancestor sets xml:base."""
    chain: list[str] = []
    node: etree._Element | None = el
    while node is not None:
        value = node.get(XML_BASE)
        if value:
            chain.append(value.strip())
        node = node.getparent()
    if not chain:
        return fallback
    base = url
    for value in reversed(chain):
        try:
            base = urljoin(base, value) if base else value
        except ValueError:
            base = value
    return base


def absolute(base: str | None, link: str | None) -> str | None:
    """``link`` resolved against ``base``; absolute http(s) links skip the join."""
    if not link:
        return None
    link = link.strip()
    if not link:
        return None
    if "&amp;" in link:  # escaped twice by the publisher; no real URL contains "&amp;"
        link = link.replace("&amp;", "&")
    if link.startswith(("http://", "https://")):
        return link
    return resolve(base, link)


def web_link(base: str | None, link: str | None, dropped: list[str]) -> str | None:
    """``link`` made absolute when it is an http(s) URL; any other scheme (``javascript:``,
    ``data:``, ``file:``, a relative link with no base) is appended to ``dropped`` and
    gives None: a reader would follow it, and other readers take our links as they are."""
    url = absolute(base, link)
    if url is None or is_http(url):
        return url
    dropped.append(url)
    return None


def dropped_warning(dropped: list[str]) -> str:
    """One line for the links web_link refused, naming their schemes."""
    schemes = sorted({_scheme(u) for u in dropped})
    return (f"dropped {len(dropped)} link{'s' if len(dropped) != 1 else ''} that "
            f"{'are' if len(dropped) != 1 else 'is'} not http(s): {', '.join(schemes[:5])}")


def _scheme(url: str) -> str:
    match = _SCHEME.match(url.lstrip())
    return match.group().lower() if match else "relative or malformed"


def first(found: dict[str, etree._Element], keys: tuple[str, ...]) -> etree._Element | None:
    """The element of the first key present (elements are falsy when childless: no ``or``)."""
    for k in keys:
        el = found.get(k)
        if el is not None:
            return el
    return None
