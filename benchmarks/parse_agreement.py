"""Per-field agreement of feedvault's parser with feedparser, over feedparser's own test
cases and over the real feeds of the corpus.

    python -m benchmarks.parse_agreement

Both parsers read the same bytes; items are paired by position (a document where the two
find a different number of items pairs none and is counted under ``count``). A field is
compared on a pair when either side has a value, after putting both in one form:

- title, content: the text (tags removed, entities decoded, whitespace collapsed), since
  feedparser sanitises HTML and feedvault keeps it as carried (the clean stage sanitises);
- link, guid: as given (both resolve links against the document's base);
- dates: (published, updated) to the second in UTC, each filled in from the other when
  missing (feedparser gives a pubDate as both);
- author: the name (feedparser's author_detail name, else its author), whitespace collapsed;
  feedvault passes the feed's author down to entries without one (Atom says so; most of
  the corpus's differences);
- enclosures: every URL feedparser lists is among feedvault's (feedvault reads more:
  media:content, media:thumbnail, FeedBurner originals; and drops duplicates and junk).

Agreement is not correctness: where the two differ on purpose (see tests/parse/
test_conformance.py's list) feedvault is counted as disagreeing. tests/parse/
test_parse_agreement.py holds floors under these numbers.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import feedparser  # noqa: E402

from feedvault.errors import ParseError  # noqa: E402
from feedvault.parse import ParsedEntry, parse_feed  # noqa: E402
from feedvault.parse.text import collapse, strip_tags, unmarked  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
CASES = CORPUS / "feedparser-tests"
FEEDS = CORPUS / "feeds"
FIELDS = ("title", "link", "content", "dates", "author", "enclosures", "guid")
URL = "http://127.0.0.1:8097/"  # the base both parsers resolve against; never fetched


def case_files() -> list[Path]:
    """feedparser's cases, without CDF (not read) and the sanitiser's (not the parser's job)."""
    return [
        p for p in sorted(CASES.rglob("*.xml"))
        if not {"cdf", "sanitize"} & set(p.relative_to(CASES).parts)
    ]


def corpus_files() -> list[Path]:
    """The corpus's RSS and Atom feeds (feedparser reads no JSON Feed)."""
    return sorted(FEEDS.rglob("*.xml"))


def _text(html: str | None) -> str:
    return collapse(strip_tags(unmarked(html or "")))


def _stamp(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, datetime):
        return tuple(value.astimezone(UTC).timetuple())[:6]
    return tuple(value)[:6] if value else None


def _dates(published: Any, updated: Any) -> tuple[object, object] | None:
    first, second = _stamp(published), _stamp(updated)
    return (first or second, second or first) if first or second else None


def _theirs(item: Any) -> dict[str, object]:
    content = item.get("content")
    body = content[0].get("value") if content else item.get("summary")
    detail = item.get("author_detail") or {}
    return {
        "title": _text(item.get("title")),
        "link": item.get("link") or None,
        "content": _text(body),
        # dict.get: the stored value, without feedparser's deprecated updated->published
        # fallback (and its warning on every read)
        "dates": _dates(dict.get(item, "published_parsed"), dict.get(item, "updated_parsed")),
        "author": collapse(detail.get("name") or item.get("author") or "") or None,
        "enclosures": {e.get("href") for e in item.get("enclosures", ()) if e.get("href")},
        "guid": item.get("id") or None,
    }


def _ours(entry: ParsedEntry) -> dict[str, object]:
    return {
        "title": collapse(entry.title),
        "link": entry.link,
        "content": _text(entry.content_html or entry.summary_html),
        "dates": _dates(entry.published, entry.updated),
        "author": entry.author,
        "enclosures": set(entry.enclosures),
        "guid": entry.guid,
    }


def _agree(name: str, ours: object, theirs: object) -> bool:
    if name == "enclosures":
        assert isinstance(ours, set) and isinstance(theirs, set)
        return theirs <= ours
    return ours == theirs


def _pairs(path: Path) -> Iterator[tuple[dict[str, object], dict[str, object]] | None]:
    """Each paired item of one document; a single None when the item counts differ."""
    data = path.read_bytes()
    url = URL + path.name
    theirs = feedparser.parse(data, response_headers={"content-location": url})
    try:
        ours = parse_feed(data, url=url).entries
    except ParseError:
        ours = ()
    if len(ours) != len(theirs.entries):
        yield None
        return
    for mine, other in zip(ours, theirs.entries, strict=True):
        yield _ours(mine), _theirs(other)


def measure(paths: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """{field: (agreeing, compared)}, plus ``count``: (documents paired, documents)."""
    agree: Counter[str] = Counter()
    compared: Counter[str] = Counter()
    for path in paths:
        compared["count"] += 1
        paired = True
        for pair in _pairs(path):
            if pair is None:
                paired = False
                continue
            mine, other = pair
            for name in FIELDS:
                if not (mine[name] or other[name]):
                    continue
                compared[name] += 1
                agree[name] += _agree(name, mine[name], other[name])
        agree["count"] += paired
    return {name: (agree[name], compared[name]) for name in ("count", *FIELDS)}


def table(results: dict[str, dict[str, tuple[int, int]]]) -> str:
    names = list(results)
    lines = ["| field | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for name in ("count", *FIELDS):
        cells = []
        for source in names:
            ok, total = results[source][name]
            cells.append(f"{ok / total:.1%} ({ok}/{total})" if total else "-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    start = time.perf_counter()
    results = {
        "feedparser cases": measure(case_files()),
        "corpus (real feeds)": measure(corpus_files()),
    }
    print(table(results))
    print(f"\n({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
