"""bytes -> ParsedFeed: RSS 0.90-2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and JSON Feed 1.0/1.1.

The format is decided by the content (Content-Type only supplies the charset): a document
whose first character is ``{`` is JSON, anything else goes to the XML reader. Problems we
can recover from (ill-formed XML, wrong encoding declarations, truncated JSON) become
``ParsedFeed.warnings``; ParseError means nothing feed-like was found.

parse_feed raises nothing but ParseError on any input (fuzzed in tests/fuzz): a failure we
did not foresee is logged with its traceback, as the bug it is, and reported as a
ParseError for that one feed rather than ending an update.
"""

from __future__ import annotations

import logging

from lxml import etree

from feedvault.errors import ParseError
from feedvault.parse.dates import parse_date
from feedvault.parse.encoding import decode
from feedvault.parse.jsonfeed import read_json
from feedvault.parse.model import ParsedEntry, ParsedFeed
from feedvault.parse.xmldoc import parse_xml
from feedvault.parse.xmlfeed import read_feed

__all__ = ["ParseError", "ParsedEntry", "ParsedFeed", "parse_date", "parse_feed"]
log = logging.getLogger(__name__)
_UNFORESEEN = (ValueError, LookupError, RecursionError, UnicodeError, TypeError, etree.LxmlError)


def parse_feed(
    data: bytes, *, url: str | None = None, content_type: str | None = None
) -> ParsedFeed:
    """Parse one feed document. ``url`` is the feed's own URL (the base for relative
    links); ``content_type`` the HTTP Content-Type header, whose charset wins over the
    XML declaration."""
    try:
        return _parse(data, url, content_type)
    except ParseError:
        raise
    except _UNFORESEEN as error:
        log.exception("bug: parse_feed failed on %s", url or "a document")
        detail = str(error).splitlines()[0][:200] if str(error) else ""
        raise ParseError(
            f"not a feed: unreadable ({type(error).__name__}: {detail})", url=url
        ) from None


def _parse(data: bytes, url: str | None, content_type: str | None) -> ParsedFeed:
    if not data or data.isspace():
        raise ParseError("not a feed: empty document", url=url)
    decoded = decode(data, content_type)
    warnings = list(decoded.warnings)
    body = decoded.data
    if body.lstrip()[:1] == b"{":
        return read_json(body, url, decoded.encoding, warnings)
    if b"\x00" in body[:1024]:
        raise ParseError("not a feed: binary data", url=url)
    root, xml_warnings = parse_xml(body, url)
    warnings.extend(xml_warnings)
    return read_feed(root, url, decoded.encoding, warnings, b"xml:base" in body)
