"""Item bodies from the shared corpus, for the clean tests and the benchmark.

Feeds are read with feedparser (a test-only dependency; feedvault's own parser is separate)
with its sanitiser and URL resolution off, so the bodies are what the feeds carried.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
CORPUS = SHARED / "corpus"
SEED = SHARED / "seed" / "000_b85c8363c679d520.txt"
_LINK_LINE = re.compile(r"^\[.*\]\((?P<link>[^)]*)\)\s*$")


@dataclass(frozen=True)
class Body:
    source: str
    link: str | None
    html: str


def archive_body(path: Path) -> Body:
    """The HTML of an archive-format file: after "------" and a blank line (and, in the older
    variant, a "日期：" line); the link is on the "[title](link)" line before "------"."""
    lines = path.read_text(encoding="utf-8").split("\n")
    rule = lines.index("------")
    found = _LINK_LINE.match(lines[rule - 1])
    rest = lines[rule + 1:]
    while rest and (not rest[0].strip() or rest[0].startswith("日期：")):
        rest.pop(0)
    return Body(str(path), found.group("link") if found else None, "\n".join(rest))


def feed_bodies(path: Path) -> Iterator[Body]:
    import feedparser

    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return
        for item in data.get("items", []) if isinstance(data, dict) else []:
            for key in ("content_html", "summary", "content_text"):
                if isinstance(item.get(key), str):
                    yield Body(str(path), item.get("url"), item[key])
        return
    parsed = feedparser.parse(str(path), sanitize_html=False, resolve_relative_uris=False)
    for entry in parsed.entries:
        for content in entry.get("content", []):
            yield Body(str(path), entry.get("link"), content.get("value", ""))
        if entry.get("summary"):
            yield Body(str(path), entry.get("link"), entry["summary"])


def corpus_bodies(*, zh_only: bool = False) -> list[Body]:
    feeds = sorted(p for p in (CORPUS / "feeds").rglob("*") if p.is_file())
    if zh_only:
        feeds = [p for p in feeds if p.parent.name == "zh"]
    out = [b for p in feeds for b in feed_bodies(p)]
    out += [archive_body(p) for p in sorted((CORPUS / "archive-format").rglob("*.md"))]
    return out
