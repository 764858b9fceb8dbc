"""Run feedparser's own test cases (``Expect:`` expressions) against parse_feed.

Each case file starts with a comment holding ``Description:``, ``Expect:`` (a Python
expression over feedparser's result dict) and optional ``Header:`` (HTTP headers, here only
Content-Type matters) and ``SkipUnless:`` lines. We map a ParsedFeed onto the part of
feedparser's dict that feedvault stores; an expression that touches anything else raises
Unsupported and the case counts as skipped, not failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feedvault.errors import ParseError
from feedvault.parse import parse_feed
from feedvault.parse.encoding import decode
from feedvault.parse.model import ParsedEntry, ParsedFeed
from feedvault.parse.text import collapse, strip_tags, unmarked

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
CASES = CORPUS / "feedparser-tests"
_COMMENT = re.compile(rb"<!--(.*?)-->", re.S)
# feedparser names versions more finely than our model does.
_VERSIONS = {"rss091u": "rss091", "rss091n": "rss091", "rss093": "rss092", "rss094": "rss092",
             "rss": "rss20", "json1": "json10", "json11": "json11"}


class Unsupported(Exception):
    """The expression reads a field feedvault does not store."""


class FPDict(dict[str, Any]):
    """feedparser's dict, limited to ``known`` keys; others raise Unsupported."""

    def __init__(self, known: frozenset[str], values: dict[str, Any]) -> None:
        super().__init__({k: v for k, v in values.items() if v is not None})
        self.known = known

    def __getitem__(self, key: str) -> Any:
        if key in self:
            return super().__getitem__(key)
        if key in self.known:
            raise KeyError(key)
        raise Unsupported(key)

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self and key not in self.known:
            raise Unsupported(key)
        return super().get(key, default)


class Text(str):
    """Our titles are plain text; feedparser's may be HTML. Equal when the texts agree."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and str(self) in (other, collapse(strip_tags(other)))

    __hash__ = str.__hash__


class Version(str):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and _VERSIONS.get(other, other) == str(self)

    __hash__ = str.__hash__


_ENTRY_KEYS = frozenset({"title", "title_detail", "link", "id", "guid", "description",
                         "summary", "summary_detail", "content", "published_parsed",
                         "updated_parsed"})
_FEED_KEYS = frozenset({"title", "title_detail", "link", "language", "updated_parsed"})


def _parsed(value: datetime | None) -> Any:
    return tuple(value.utctimetuple()) if value else None


def _entry(e: ParsedEntry) -> FPDict:
    content = unmarked(e.content_html)  # feedparser has no plain-text mark
    summary = e.summary_html if e.summary_html is not None else content
    return FPDict(_ENTRY_KEYS, {
        "title": Text(e.title),
        "title_detail": FPDict(frozenset({"value"}), {"value": Text(e.title)}),
        "link": e.link, "id": e.guid, "guid": e.guid,
        "description": summary or None, "summary": summary or None,
        "summary_detail": FPDict(frozenset({"value"}), {"value": summary}) if summary else None,
        "content": [FPDict(frozenset({"value"}), {"value": content})]
        if content else None,
        "published_parsed": _parsed(e.published), "updated_parsed": _parsed(e.updated),
    })


def as_feedparser(feed: ParsedFeed) -> dict[str, Any]:
    """The names an Expect expression may use."""
    return {
        "bozo": bool(feed.warnings),
        "encoding": feed.encoding,
        "version": Version(feed.format),
        "entries": [_entry(e) for e in feed.entries],
        "feed": FPDict(_FEED_KEYS, {
            "title": Text(feed.title) if feed.title else None,
            "title_detail": FPDict(frozenset({"value"}), {"value": Text(feed.title)}),
            "link": feed.link, "language": feed.language,
            "updated_parsed": _parsed(feed.updated),
        }),
    }


class Names(dict[str, Any]):
    """Locals for eval: an unknown name (headers, etag, namespaces ...) is Unsupported."""

    def __missing__(self, key: str) -> Any:
        if key in ("True", "False", "None", "len", "isinstance", "str", "int", "tuple"):
            raise KeyError(key)
        raise Unsupported(key)


@dataclass(frozen=True)
class Case:
    path: Path
    description: str
    expect: str
    content_type: str | None
    skip_unless: str | None


def read_case(path: Path) -> Case | None:
    data = decode(path.read_bytes()).data  # the UTF-16/32 cases have their comment encoded too
    match = _COMMENT.search(data[:4096])
    if not match:
        return None
    head = match.group(1).decode("utf-8", "replace")
    fields: dict[str, str] = {}
    content_type = None
    for line in head.splitlines():
        name, sep, value = line.partition(":")
        if not sep:
            continue
        name, value = name.strip(), value.strip()
        if name == "Header" and value.lower().startswith("content-type:"):
            content_type = value.split(":", 1)[1].strip()
        elif name in ("Description", "Expect", "SkipUnless"):
            fields[name] = value
    if "Expect" not in fields:
        return None
    return Case(path, fields.get("Description", ""), fields["Expect"], content_type,
                fields.get("SkipUnless"))


def run_case(case: Case) -> str:
    """'pass', 'fail' or 'skip'."""
    if case.skip_unless and ("chardet" in case.skip_unless or "feedparser." in case.skip_unless):
        return "skip"
    url = "http://127.0.0.1:8097/" + case.path.relative_to(CASES).as_posix()
    try:
        feed = parse_feed(case.path.read_bytes(), url=url, content_type=case.content_type)
    except ParseError:
        return "pass" if case.expect.strip() == "bozo" else "fail"  # e.g. an empty document
    names = Names(as_feedparser(feed))
    try:
        ok = eval(case.expect, {"__builtins__": __builtins__}, names)  # noqa: S307 - test data
    except Unsupported:
        return "skip"
    except (KeyError, IndexError, AttributeError, TypeError):
        return "fail"
    return "pass" if ok else "fail"
