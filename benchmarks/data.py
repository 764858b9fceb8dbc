"""Benchmark data: real Chinese items replicated into many RSS files with unique identities.

The pool is every item of shared/corpus/feeds/zh (read with feedvault's own parser, so the
bytes are what a feed would carry) plus every archive-format body. Copies get a unique guid,
link and title and a small body variation (a numbered paragraph and a rotated paragraph
order), so no two entries are byte-identical and neither program can deduplicate them.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".." / "shared" / "corpus"
START = datetime(2023, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    title: str
    html: str


@functools.cache
def pool() -> tuple[Item, ...]:
    """Every non-empty Chinese item in the corpus, in a stable order."""
    from feedvault.archive.reader import iter_archive_paths, read_archive_file
    from feedvault.errors import FeedvaultError
    from feedvault.parse import parse_feed

    items: list[Item] = []
    for path in sorted((CORPUS / "feeds" / "zh").glob("*.xml")):
        try:
            feed = parse_feed(path.read_bytes())
        except FeedvaultError:
            continue
        items += [Item(e.title or "", e.content_html or "") for e in feed.entries]
    for path, _kind in iter_archive_paths([CORPUS / "archive-format"]):
        try:
            art = read_archive_file(path)
        except FeedvaultError:
            continue
        items.append(Item(art.title, art.html))
    return tuple(i for i in items if i.title and len(i.html) > 40)


def _vary(html: str, n: int, rng: random.Random) -> str:
    parts = html.split("</p>")
    if len(parts) > 2:
        k = rng.randrange(len(parts) - 1)
        parts = parts[k:-1] + parts[:k] + parts[-1:]
    return f"<p>第{n}号副本</p>" + "</p>".join(parts)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _rss(feed_no: int, items: list[tuple[int, Item, datetime, str]]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
        f"<title>基准测试源 {feed_no}</title><link>https://bench.example.org/{feed_no}/</link>",
        "<description>feedvault benchmark</description>",
    ]
    for n, item, when, body in items:
        link = f"https://bench.example.org/{feed_no}/a/{n}.html"
        out.append(
            f"<item><title>{escape(item.title)} （{n}）</title><link>{link}</link>"
            f'<guid isPermaLink="false">bench-{feed_no}-{n}</guid>'
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{_cdata(body)}</description></item>"
        )
    out.append("</channel></rss>\n")
    return "\n".join(out)


def pick_queries(seed: int = 5, per_length: int = 10) -> list[str]:
    """2-, 3- and 4-character Chinese substrings drawn from the pool's titles and texts."""
    from feedvault.search.fold import fold
    from feedvault.search.tokens import CJK_RE

    rng = random.Random(seed)
    runs = [r for i in pool() for r in CJK_RE.findall(fold(i.title + " " + _text(i.html)))]
    out: list[str] = []
    for k in (2, 3, 4):
        long_runs = [r for r in runs if len(r) >= k]
        while len(out) < per_length * (k - 1):
            run = rng.choice(long_runs)
            start = rng.randrange(len(run) - k + 1)
            if run[start : start + k] not in out:
                out.append(run[start : start + k])
    return out


def _text(html: str) -> str:
    import lxml.html

    try:
        return str(lxml.html.fragment_fromstring(html, create_parent="div").text_content())
    except Exception:  # lxml raises several types on junk; then the raw string it is
        return html


def write_feeds(
    directory: Path,
    entries: int,
    per_feed: int = 50,
    seed: int = 11,
    truth: dict[str, int] | None = None,
) -> list[Path]:
    """Write ``entries`` items as RSS files of ``per_feed`` items each; return their paths.

    With ``truth`` (query -> 0), count the entries whose folded title or text contains each
    query: the exact-substring answer a search should find."""
    directory.mkdir(parents=True, exist_ok=True)
    items = pool()
    rng = random.Random(seed)
    paths: list[Path] = []
    for feed_no in range(-(-entries // per_feed)):
        batch = []
        for k in range(min(per_feed, entries - feed_no * per_feed)):
            n = feed_no * per_feed + k
            item = items[n % len(items)]
            when = START + timedelta(seconds=n * 157 + rng.randrange(600))
            batch.append((n, item, when, _vary(item.html, n, rng)))
            if truth is not None:
                _count(truth, f"{item.title} （{n}）", batch[-1][3])
        path = directory / f"feed-{feed_no:05d}.xml"
        path.write_text(_rss(feed_no, batch), encoding="utf-8")
        paths.append(path)
    return paths


def _count(truth: dict[str, int], title: str, html: str) -> None:
    from feedvault.search.fold import fold

    text = fold(title + "\n" + _text(html))
    for q in truth:
        if q in text:
            truth[q] += 1
