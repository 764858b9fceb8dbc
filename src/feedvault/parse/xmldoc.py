"""UTF-8 bytes -> an lxml tree, strictly when possible, recovering when not.

The strict parse is the fast path (almost every real feed is well formed). When it fails
we record libxml2's message as a warning, mend the common faults where they are (a bare
``&``, HTML-only entities, a stray ``<``: parse/repair.py) and parse again; only if that
fails too does libxml2's recover mode keep what it can.
The parser never resolves entities, loads a DTD or touches the network (XXE and
"billion laughs" are inert: libxml2 also refuses entity amplification). ``huge_tree`` lifts
libxml2's 10 MB cap on one text node, which recover mode would otherwise cut silently: the
fetch byte cap ([fetch] max_bytes) is what bounds memory, so an item is stored whole.
Undeclared namespace prefixes (``<x:div>``) survive recovery as plain ``p:name`` tags;
the readers use ``elements.local_name``, never ``etree.QName``, on them.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from feedvault.errors import ParseError
from feedvault.parse.repair import repair_markup

_LOCAL = threading.local()
_HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_FEED_START = re.compile(rb"<(?:\?xml|rss|feed|rdf:RDF|RDF|channel)[\s>]")


def _parser(recover: bool) -> etree.XMLParser:
    """One parser per thread and mode: lxml parsers are reusable but not thread-safe."""
    name = "recover" if recover else "strict"
    parser: etree.XMLParser | None = getattr(_LOCAL, name, None)
    if parser is None:
        parser = etree.XMLParser(
            encoding="utf-8", recover=recover, resolve_entities=False, no_network=True,
            huge_tree=True, load_dtd=False, dtd_validation=False, remove_comments=True,
            remove_pis=True, strip_cdata=True,
        )
        setattr(_LOCAL, name, parser)
    return parser


def parse_xml(data: bytes, url: str | None) -> tuple[etree._Element, list[str]]:
    """The document's root element and the problems recovered from."""
    warnings: list[str] = []
    data = _skip_junk(data, url, warnings)
    try:
        return etree.fromstring(data, _parser(False)), warnings
    except etree.XMLSyntaxError as error:
        warnings.append(f"not well formed: {error.msg.split(', line')[0]} line {error.lineno}")
    fixed = repair_markup(data)
    if fixed != data:
        data = fixed
        try:
            return etree.fromstring(data, _parser(False)), warnings
        except etree.XMLSyntaxError:
            pass  # a fault repair_markup does not mend: libxml2 recovers the rest
    try:
        root = etree.fromstring(data, _parser(True))
    except etree.LxmlError as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ParseError(f"not a feed: unreadable XML ({message})", url=url) from None
    if root is None:
        raise ParseError("not a feed: no XML elements could be recovered", url=url)
    return root, warnings


def _skip_junk(data: bytes, url: str | None, warnings: list[str]) -> bytes:
    """Refuse HTML pages and drop junk (blank lines, PHP notices) before the document."""
    if _HTML_START.match(data[:4096]):
        raise ParseError("not a feed: an HTML page", url=url)
    stripped = data.lstrip()
    if stripped[:1] == b"<":
        return stripped
    match = _FEED_START.search(data, 0, 4096)
    if match is None:
        raise ParseError("not a feed: neither XML nor JSON", url=url)
    warnings.append(f"skipped {match.start()} bytes before the document")
    return data[match.start():]
