"""Parse every corpus feed N times with parse_feed and with feedparser, in the same run.

    python benchmarks/bench_parse.py [N]

Prints items/s for each, the ratio, and peak traced memory of one pass over the corpus.
The ratio is the number to watch: absolute speeds depend on the machine and its load.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import feedparser  # noqa: E402

from feedvault.errors import ParseError  # noqa: E402
from feedvault.parse import parse_feed  # noqa: E402

FEEDS = ROOT / ".." / "shared" / "corpus" / "feeds"


def _ours(data: bytes) -> int:
    try:
        return len(parse_feed(data).entries)
    except ParseError:
        return 0


def _feedparser(data: bytes) -> int:
    return len(feedparser.parse(data).entries)


def _run(parse: Callable[[bytes], int], docs: list[bytes], rounds: int) -> tuple[float, int]:
    items = 0
    started = time.perf_counter()
    for _ in range(rounds):
        for data in docs:
            items += parse(data)
    return items / (time.perf_counter() - started), items


def _peak(parse: Callable[[bytes], int], docs: list[bytes]) -> float:
    tracemalloc.start()
    for data in docs:
        parse(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    # feedparser 6.0 reads no JSON Feed: compare on the XML feeds, report JSON separately.
    xml = [p.read_bytes() for lang in ("zh", "en") for p in sorted((FEEDS / lang).glob("*.xml"))]
    json_docs = [p.read_bytes() for p in sorted((FEEDS / "json").glob("*.json"))]
    _run(_ours, xml, 1)  # warm caches (regexes, tag keys)
    ours, n_ours = _run(_ours, xml, rounds)
    theirs, n_theirs = _run(_feedparser, xml, max(1, rounds // 5))
    json_rate, _ = _run(_ours, json_docs, rounds)
    print(f"corpus: {len(xml)} XML feeds, {n_ours // rounds} items per pass; {rounds} passes")
    print(f"feedvault  parse_feed: {ours:12,.0f} items/s")
    print(f"feedparser parse:      {theirs:12,.0f} items/s  ({n_theirs} items)")
    print(f"ratio:                 {ours / theirs:12.1f}x")
    print(f"feedvault JSON Feed:   {json_rate:12,.0f} items/s ({len(json_docs)} files)")
    print(
        f"peak traced memory, one pass: feedvault {_peak(_ours, xml):.1f} MiB, "
        f"feedparser {_peak(_feedparser, xml):.1f} MiB"
    )


if __name__ == "__main__":
    main()
