"""JSON Feed 1.0 / 1.1 -> ParsedFeed.

A truncated document (a download cut short) still carries complete items before the cut:
we keep those, with a warning, rather than lose the whole fetch. JSON that is not a JSON
Feed (no ``items`` list and no jsonfeed.org version) is a ParseError.

Hostile JSON is read the way browsers read it: a lone surrogate escape (``"\\ud800"``)
or ``"\\u0000"`` becomes U+FFFD, a number of more than 64 digits is treated as absent,
and arrays or objects nested deeper than 64 levels (no feed needs more than 5) are read as
null, so neither Python's int digit limit nor its recursion limit can end a parse.
"""

from __future__ import annotations

import json
import re
from typing import Any

from feedvault.errors import ParseError
from feedvault.parse.dates import parse_date
from feedvault.parse.elements import absolute, dropped_warning, web_link
from feedvault.parse.model import ParsedEntry, ParsedFeed
from feedvault.parse.text import collapse, escape, person_name, text_html

MAX_DEPTH = 64
_MAX_DIGITS = 64
_SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON string, or one bracket: enough to follow the nesting without parsing.
_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.S)


def _bounded_int(digits: str) -> int | None:
    """A JSON integer, or None when it is too long to be a real value (or to convert)."""
    return int(digits) if len(digits) <= _MAX_DIGITS else None


_DECODER = json.JSONDecoder(parse_int=_bounded_int)


def read_json(data: bytes, url: str | None, encoding: str, warnings: list[str]) -> ParsedFeed:
    doc = _load(data.decode("utf-8"), url, warnings)
    if not isinstance(doc, dict):
        raise ParseError("not a feed: JSON document is not an object", url=url)
    if isinstance(doc.get("rss"), dict):
        doc = rss_in_json(doc["rss"])
    version = doc.get("version")
    items = doc.get("items")
    if not isinstance(items, list) and not (isinstance(version, str) and "jsonfeed" in version):
        raise ParseError("not a feed: JSON document is not a JSON Feed (no items)", url=url)
    language = _str(doc.get("language"))
    china = language is not None and language.lower().startswith("zh")
    dropped: list[str] = []
    home = web_link(url, _str(doc.get("home_page_url")), dropped)
    base = home or url
    feed_author = _author(doc)  # items without an author have the feed's
    entries = [
        _entry(item, base, china, dropped, feed_author)
        for item in items or () if isinstance(item, dict)
    ]
    if dropped:
        warnings.append(dropped_warning(dropped))
    return ParsedFeed(
        format="rss20json" if version == "rss-in-json"
        else "json11" if isinstance(version, str) and version.rstrip("/").endswith("1.1")
        else "json10",
        title=collapse(_str(doc.get("title")) or ""),
        link=home,
        entries=tuple(entries),
        encoding=encoding,
        warnings=tuple(warnings),
        language=language,
    )


def _entry(
    item: dict[str, Any], base: str | None, china: bool, dropped: list[str],
    feed_author: str | None,
) -> ParsedEntry:
    offset = 8 * 3600 if china else 0
    html = _str(item.get("content_html"))
    text = _str(item.get("content_text"))
    summary = _str(item.get("summary"))
    if html:
        content, summary_html = html, escape(summary) if summary else None
    elif text:
        content, summary_html = text_html(text), escape(summary) if summary else None
    else:
        content, summary_html = text_html(summary or ""), None
    raw_id = item.get("id")
    guid = (_str(raw_id) or "") if isinstance(raw_id, str) else (
        str(raw_id) if isinstance(raw_id, int | float) and not isinstance(raw_id, bool) else ""
    )
    guid = guid.strip()
    link = web_link(base, _str(item.get("url")), dropped) or web_link(
        base, _str(item.get("external_url")), dropped
    )
    attachments = item.get("attachments")
    return ParsedEntry(
        guid=guid or None,
        link=link,
        title=collapse(_str(item.get("title")) or ""),
        content_html=content,
        summary_html=summary_html,
        published=parse_date(_str(item.get("date_published")), naive_offset=offset, china=china),
        updated=parse_date(_str(item.get("date_modified")), naive_offset=offset, china=china),
        author=_author(item) or feed_author,
        base_url=base,
        enclosures=tuple(
            u for a in attachments if isinstance(a, dict)
            for u in [absolute(base, _str(a.get("url")))] if u
        ) if isinstance(attachments, list) else (),
    )


def _load(text: str, url: str | None, warnings: list[str]) -> Any:
    """The decoded document; deep nesting flattened, a truncated one recovered."""
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        return _truncated(text, error, url, warnings)
    except RecursionError:
        text = _flatten_deep(text)
        warnings.append(f"JSON nested more than {MAX_DEPTH} deep: the deep parts read as null")
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        return _truncated(text, error, url, warnings)
    except RecursionError:  # only when the stack is already nearly full
        raise ParseError("not a feed: JSON nested too deep", url=url) from None


def _truncated(
    text: str, error: json.JSONDecodeError, url: str | None, warnings: list[str]
) -> dict[str, Any]:
    doc = _recover(text, error, url)
    warnings.append(f"truncated JSON: {error.msg} at line {error.lineno}; kept complete items")
    return doc


def _author(item: dict[str, Any]) -> str | None:
    """JSON Feed 1.1 ``authors`` (a list, or one object as some feeds write it), else 1.0
    ``author``, by name."""
    authors = item.get("authors")
    if isinstance(authors, dict):
        authors = [authors]
    candidates = authors if isinstance(authors, list) and authors else [item.get("author")]
    for author in candidates:
        if isinstance(author, dict):
            name = _str(author.get("name"))
            if name and name.strip():
                return collapse(name)
        elif isinstance(author, str) and author.strip():  # a bare string, as some write it
            return collapse(_str(author) or "") or None
    return None


def _str(value: object) -> str | None:
    """A string field; lone surrogates (invalid in UTF-8) and NUL (which PostgreSQL text
    cannot hold, and XML cannot carry) made U+FFFD, as an HTML parser does."""
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    if value.isascii():
        return value
    return _SURROGATE.sub("\ufffd", value)


def _flatten_deep(text: str) -> str:
    """``text`` with every array or object nested deeper than MAX_DEPTH replaced by null."""
    parts: list[str] = []
    depth = 0
    cut = -1  # where the current too-deep value started
    last = 0
    for match in _NESTING.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth == MAX_DEPTH + 1:
                cut = match.start()
        elif token in "]}":
            if depth == MAX_DEPTH + 1 and cut >= 0:
                parts.append(text[last:cut] + "null")
                last, cut = match.end(), -1
            depth = max(depth - 1, 0)
    if cut >= 0:  # cut off while deep: the rest is lost, as in any truncated document
        parts.append(text[last:cut])
        last = len(text)
    parts.append(text[last:])
    return "".join(parts)


def _recover(text: str, error: json.JSONDecodeError, url: str | None) -> dict[str, Any]:
    """The feed object with its complete items, from a document cut off mid-way."""
    start = text.find('"items"')
    bracket = text.find("[", start) if start >= 0 else -1
    if bracket < 0:
        raise ParseError(f"not a feed: invalid JSON ({error.msg})", url=url) from None
    head = text[:start].rstrip().rstrip(",") + "}"
    try:
        doc = _DECODER.decode(head)
    except (json.JSONDecodeError, RecursionError):
        doc = {}
    if not isinstance(doc, dict):
        doc = {}
    items: list[Any] = []
    pos = bracket + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        try:
            item, pos = _DECODER.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError):
            break
        items.append(item)
    doc["items"] = items
    return doc


def rss_in_json(rss: dict[str, Any]) -> dict[str, Any]:
    """Dave Winer's RSS-in-JSON (``{"rss": {"channel": {..., "item": [...]}}}``, RSS 2.0's
    elements as keys) as the JSON Feed fields this module reads."""
    channel = rss.get("channel")
    if not isinstance(channel, dict):
        return {}
    raw_items = channel.get("item", [])
    items = raw_items if isinstance(raw_items, list) else [raw_items]
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        guid = item.get("guid")
        if isinstance(guid, dict):  # {"#value"|"value": ..., "isPermaLink": ...}
            guid = guid.get("#value", guid.get("value"))
        enclosure = item.get("enclosure")
        out.append({
            "id": guid, "url": item.get("link"), "title": item.get("title"),
            "content_html": item.get("description"), "date_published": item.get("pubDate"),
            "author": {"name": person_name(str(item.get("author") or item.get("dc:creator")
                                              or ""))},
            "attachments": [enclosure] if isinstance(enclosure, dict) else [],
        })
    return {"version": "rss-in-json", "title": channel.get("title"),
            "home_page_url": channel.get("link"), "language": channel.get("language"),
            "items": out}
