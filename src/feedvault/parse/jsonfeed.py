"""JSON Feed 1.0 / 1.1 -> ParsedFeed.

A truncated document (a download cut short) still carries complete items before the cut:
we keep those, with a warning, rather than lose the whole fetch. JSON that is not a JSON
Feed (no ``items`` list and no jsonfeed.org version) is a ParseError.
"""

from __future__ import annotations

import json
from typing import Any

from feedvault.errors import ParseError
from feedvault.parse.dates import parse_date
from feedvault.parse.elements import absolute
from feedvault.parse.model import ParsedEntry, ParsedFeed
from feedvault.parse.text import collapse, escape

_DECODER = json.JSONDecoder()


def read_json(data: bytes, url: str | None, encoding: str, warnings: list[str]) -> ParsedFeed:
    text = data.decode("utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        doc = _recover(text, error, url)
        warnings.append(f"truncated JSON: {error.msg} at line {error.lineno}; kept complete items")
    if not isinstance(doc, dict):
        raise ParseError("not a feed: JSON document is not an object", url=url)
    version = doc.get("version")
    items = doc.get("items")
    if not isinstance(items, list) and not (isinstance(version, str) and "jsonfeed" in version):
        raise ParseError("not a feed: JSON document is not a JSON Feed (no items)", url=url)
    language = _str(doc.get("language"))
    china = language is not None and language.lower().startswith("zh")
    home = absolute(url, _str(doc.get("home_page_url")))
    base = home or url
    entries = [_entry(item, base, china) for item in items or () if isinstance(item, dict)]
    return ParsedFeed(
        format="json11" if isinstance(version, str) and version.rstrip("/").endswith("1.1")
        else "json10",
        title=collapse(_str(doc.get("title")) or ""),
        link=home,
        entries=tuple(entries),
        encoding=encoding,
        warnings=tuple(warnings),
        language=language,
    )


def _entry(item: dict[str, Any], base: str | None, china: bool) -> ParsedEntry:
    offset = 8 * 3600 if china else 0
    html = _str(item.get("content_html"))
    text = _str(item.get("content_text"))
    summary = _str(item.get("summary"))
    if html:
        content, summary_html = html, escape(summary) if summary else None
    elif text:
        content, summary_html = escape(text), escape(summary) if summary else None
    else:
        content, summary_html = escape(summary or ""), None
    raw_id = item.get("id")
    guid = str(raw_id).strip() if raw_id is not None and not isinstance(raw_id, dict | list) else ""
    link = absolute(base, _str(item.get("url"))) or absolute(base, _str(item.get("external_url")))
    attachments = item.get("attachments")
    return ParsedEntry(
        guid=guid or None,
        link=link,
        title=collapse(_str(item.get("title")) or ""),
        content_html=content,
        summary_html=summary_html,
        published=parse_date(_str(item.get("date_published")), naive_offset=offset, china=china),
        updated=parse_date(_str(item.get("date_modified")), naive_offset=offset, china=china),
        author=_author(item),
        base_url=base,
        enclosures=tuple(
            u for a in attachments if isinstance(a, dict)
            for u in [absolute(base, _str(a.get("url")))] if u
        ) if isinstance(attachments, list) else (),
    )


def _author(item: dict[str, Any]) -> str | None:
    authors = item.get("authors")
    candidates = authors if isinstance(authors, list) else [item.get("author")]
    for author in candidates:
        if isinstance(author, dict):
            name = _str(author.get("name"))
            if name and name.strip():
                return collapse(name)
    return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _recover(text: str, error: json.JSONDecodeError, url: str | None) -> dict[str, Any]:
    """The feed object with its complete items, from a document cut off mid-way."""
    start = text.find('"items"')
    bracket = text.find("[", start) if start >= 0 else -1
    if bracket < 0:
        raise ParseError(f"not a feed: invalid JSON ({error.msg})", url=url) from None
    head = text[:start].rstrip().rstrip(",") + "}"
    try:
        doc = json.loads(head)
    except json.JSONDecodeError:
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
        except json.JSONDecodeError:
            break
        items.append(item)
    doc["items"] = items
    return doc
