"""The query language, parsed into a backend-neutral AST.

Grammar (OR binds tighter than the implicit AND, as in FTS5 and web search engines)::

    query  := item+                   all items must match
    item   := filter | "-" atom | atom ("OR" atom)*
    filter := feed:SLUG | since:YYYY-MM-DD | until:YYYY-MM-DD
    atom   := WORD | WORD* | "exact phrase"

A WORD is anything between spaces: ``BBC中文网`` and ``covid-19`` are one term, matched as
the phrase of their pieces. Brackets and FTS operators (``NEAR(``, ``^``) are plain text,
so nothing a user types reaches the backend's own query syntax unescaped.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from feedvault.errors import SearchError
from feedvault.search.fold import fold
from feedvault.search.tokens import split_folded

MAX_QUERY_CHARS = 1000
MAX_TERMS = 32
MIN_PREFIX_CHARS = 2
_LEX = re.compile(r'\s*(?:(-?)"([^"]*)("?)|(\S+))')
_FILTER = re.compile(r"(feed|since|until):(.*)", re.IGNORECASE)
_SLUG = re.compile(r"\w[\w.-]{0,99}")  # slugs keep letters of any script


@dataclass(frozen=True)
class Term:
    """One thing to find: its pieces must appear in order, next to each other."""

    text: str
    phrase: bool = False
    prefix: bool = False
    runs: tuple[tuple[bool, str], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class AnyOf:
    """At least one of the terms must match (``a OR b``)."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Query:
    must: tuple[Term | AnyOf, ...]
    exclude: tuple[Term, ...] = ()
    feeds: tuple[str, ...] = ()
    since: int | None = None  # epoch seconds UTC, inclusive
    until: int | None = None  # epoch seconds UTC, inclusive (end of that day)

    def positive_terms(self) -> list[Term]:
        out: list[Term] = []
        for node in self.must:
            out.extend(node.terms if isinstance(node, AnyOf) else (node,))
        return out


def _make_term(text: str, phrase: bool) -> Term | None:
    prefix = False
    if not phrase and text.endswith("*"):
        text = text.rstrip("*")
        prefix = True
        if not text.strip("*"):
            raise SearchError("a lone * has nothing to complete; write e.g. trump*")
    runs = tuple(split_folded(fold(text)))
    if not runs:
        return None  # only punctuation: nothing to look for
    if prefix and not runs[-1][0] and len(runs[-1][1]) < MIN_PREFIX_CHARS:
        raise SearchError(f"prefix {text}* is too short; give at least {MIN_PREFIX_CHARS} letters")
    return Term(text, phrase=phrase, prefix=prefix and not runs[-1][0], runs=runs)


def _date(name: str, value: str, end: bool) -> int:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise SearchError(f"{name}: wants a date like 2024-03-15, not {value!r}") from None
    secs = calendar.timegm(day.timetuple())
    return secs + 86399 if end else secs


def _lex(q: str) -> list[tuple[bool, bool, str]]:
    """Split into (negated, quoted, text); a quote left open is an error."""
    out: list[tuple[bool, bool, str]] = []
    for m in _LEX.finditer(q):
        neg, quoted, close, bare = m.groups()
        if bare is not None:
            if bare.startswith("-") and len(bare) > 1:
                out.append((True, False, bare[1:]))
            else:
                out.append((False, False, bare))
        elif not close:
            raise SearchError('unbalanced quote: close the phrase with a second "')
        else:
            out.append((bool(neg), True, quoted))
    return out


@dataclass
class _Builder:
    must: list[Term | AnyOf] = field(default_factory=list)
    exclude: list[Term] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    since: int | None = None
    until: int | None = None
    pending_or: bool = False

    def filter(self, name: str, value: str) -> None:
        if name == "feed":
            if not _SLUG.fullmatch(value):
                raise SearchError(f"feed: wants a feed slug, not {value!r}")
            self.feeds.append(value)
        elif name == "since":
            self.since = _date("since", value, end=False)
        else:
            self.until = _date("until", value, end=True)

    def add(self, term: Term) -> None:
        if self.pending_or:
            self.pending_or = False
            last = self.must.pop()
            prior = last.terms if isinstance(last, AnyOf) else (last,)
            self.must.append(AnyOf((*prior, term)))
        else:
            self.must.append(term)


def parse_query(q: str) -> Query:
    """Parse what a user typed; raise SearchError with a one-line reason if it cannot be used."""
    if len(q) > MAX_QUERY_CHARS:
        raise SearchError(f"query too long ({len(q)} characters; at most {MAX_QUERY_CHARS})")
    b = _Builder()
    for neg, quoted, text in _lex(q):
        fm = None if quoted else _FILTER.fullmatch(text)
        if fm:
            if neg:
                raise SearchError(f"-{fm.group(1)}: cannot be negated")
            b.filter(fm.group(1).lower(), fm.group(2))
            continue
        if not quoted and not neg and text == "OR":
            if not b.must or b.pending_or:
                raise SearchError("OR needs a term on each side")
            b.pending_or = True
            continue
        term = _make_term(text, quoted)
        if term is None:
            continue
        if neg:
            if b.pending_or:
                raise SearchError("cannot exclude (-term) inside OR")
            b.exclude.append(term)
        else:
            b.add(term)
    if b.pending_or:
        raise SearchError("OR needs a term on each side")
    if not b.must:
        raise SearchError(
            "only exclusions: add a term to look for" if b.exclude else "nothing to search for"
        )
    if len(b.must) + len(b.exclude) > MAX_TERMS:
        raise SearchError(f"too many terms (at most {MAX_TERMS})")
    if b.since is not None and b.until is not None and b.since > b.until:
        raise SearchError("since: is after until:")
    return Query(tuple(b.must), tuple(b.exclude), tuple(b.feeds), b.since, b.until)


SORTS = ("newest", "relevance")


def empty_page(sort: str, limit: int, offset: int, feed_ids: Sequence[int] | None) -> bool:
    """Check a result-page request the same way for every backend.

    Raises SearchError for an unknown sort; True when the page is empty whatever matches
    (no room asked for, or an empty feed filter), so the backend need not run a query.
    """
    if sort not in SORTS:
        raise SearchError(f"unknown sort {sort!r} (newest or relevance)")
    return limit <= 0 or offset < 0 or (feed_ids is not None and not feed_ids)
