"""Search benchmark: build an archive of N entries from real corpus text, time queries.

    python benchmarks/bench_search.py            # 100,000 entries
    python benchmarks/bench_search.py --full     # also 1,000,000 entries

Entries are the Chinese/English corpus documents (tests/search/corpus.py) replicated with
variations: each copy starts at a random sentence, gets a slice of another document and
a numbered title. Times are one every ~158 s (1M entries over five years), roughly in order.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.search.search_corpus import load_documents  # noqa: E402

from feedvault.search.fold import fold  # noqa: E402
from feedvault.search.query import parse_query  # noqa: E402
from feedvault.search.tokens import CJK_RE, WORD_RE  # noqa: E402
from feedvault.store.sqlite import search_index  # noqa: E402

START = 1_500_000_000
BATCH = 50  # entries per transaction: one feed update


def entries(n: int, seed: int = 7) -> collections.abc.Iterator[tuple[int, int, str, str]]:
    docs = load_documents()
    rng = random.Random(seed)
    t = START
    for i in range(n):
        d, other = docs[i % len(docs)], docs[rng.randrange(len(docs))]
        start = rng.randrange(max(1, len(d.text) // 3))
        cut = d.text.find("。", start) + 1 if "。" in d.text[start:] else 0
        text = d.text[cut:] + " " + other.text[: rng.randrange(200, 600)]
        t += rng.randrange(0, 317)
        yield i + 1, t - rng.randrange(0, 3600), f"{d.title} {i}", text


def build(path: str, n: int, optimize: bool = False) -> tuple[float, int]:
    """Index ``n`` entries 50 to a transaction, as feed updates write them; the segments are
    left as a live vault has them unless ``optimize`` merges them into one."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    search_index.create_schema(conn)
    text_bytes = 0
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    for entry_id, published, title, text in entries(n):
        search_index.index_entry(conn, entry_id, entry_id % 50, published, title, text)
        text_bytes += len(title.encode()) + len(text.encode())
        if entry_id % BATCH == 0:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.execute("COMMIT")
    if optimize:
        conn.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")
        conn.execute("INSERT INTO search_chars(search_chars) VALUES('optimize')")
    segments = conn.execute("SELECT count(DISTINCT segid) FROM search_fts_idx").fetchone()[0]
    print(f"search_fts segments: {segments} ({'optimized' if optimize else 'as a live vault'})")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - t0, text_bytes


def query_classes(seed: int = 3) -> dict[str, list[str]]:
    """Common and rare CJK 1/2/4-grams and English words, by document frequency."""
    df: dict[int, collections.Counter[str]] = {k: collections.Counter() for k in (1, 2, 4)}
    words: collections.Counter[str] = collections.Counter()
    for d in load_documents():
        folded = fold(d.title + "\n" + d.text)
        for k in df:
            df[k].update(
                {r[i : i + k] for r in CJK_RE.findall(folded) for i in range(len(r) - k + 1)}
            )
        words.update({w for w in WORD_RE.findall(folded) if w.isascii() and w.isalpha()})
    rng = random.Random(seed)
    out: dict[str, list[str]] = {}
    for name, counter in [*((f"cjk{k}", df[k]) for k in df), ("english", words)]:
        ranked = [g for g, _c in counter.most_common()]
        out[f"{name}-common"] = ranked[:10]
        rare = [g for g in ranked if counter[g] == 2]
        out[f"{name}-rare"] = rng.sample(rare, min(10, len(rare)))
    return out


def bench_queries(path: str, classes: dict[str, list[str]], repeat: int) -> None:
    conn = sqlite3.connect(path)
    print(f"{'class':16s} {'sort':9s} {'p50 ms':>8s} {'p95 ms':>8s} {'hits@20':>8s}  examples")
    for name, qs in classes.items():
        for sort in ("newest", "relevance"):
            times, hits = [], []
            for _ in range(repeat):
                for q in qs:
                    t0 = time.perf_counter()
                    res = search_index.search(conn, parse_query(q), sort=sort, limit=20)
                    times.append((time.perf_counter() - t0) * 1000)
                    hits.append(len(res))
            p95 = statistics.quantiles(times, n=20)[18]
            print(
                f"{name:16s} {sort:9s} {statistics.median(times):8.1f} {p95:8.1f} "
                f"{statistics.mean(hits):8.1f}  {' '.join(qs[:4])}"
            )
    conn.close()


def run(n: int, repeat: int, keep: str | None = None, optimize: bool = False) -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        path = keep or os.path.join(tmp, "bench.db")
        if keep and os.path.exists(keep):
            print(f"\n== reusing {keep} (built earlier; build figures not measured)")
            bench_queries(path, query_classes(), repeat)
            return
        secs, text_bytes = build(path, n, optimize)
        conn = sqlite3.connect(path)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        pages -= conn.execute("PRAGMA freelist_count").fetchone()[0]
        size = pages * conn.execute("PRAGMA page_size").fetchone()[0]
        conn.close()
        print(f"\n== {n:,} entries: built in {secs:.0f} s ({n / secs:,.0f} entries/s)")
        print(
            f"text {text_bytes / 1e6:,.0f} MB, index+tables {size / 1e6:,.0f} MB in use "
            f"({size / text_bytes:.2f} x text)"
        )
        bench_queries(path, query_classes(), repeat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="also 1,000,000 entries")
    ap.add_argument("-n", type=int, default=100_000, help="entries for the small run")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--keep", metavar="PATH", help="build the index at PATH and keep it; reuse it if it exists"
    )
    ap.add_argument(
        "--optimize", action="store_true", help="merge the index into one segment before querying"
    )
    args = ap.parse_args()
    if args.keep and args.full:
        ap.error("--keep takes one size: use -n N")
    run(args.n, args.repeat, args.keep, args.optimize)
    if args.full:
        run(1_000_000, args.repeat, optimize=args.optimize)


if __name__ == "__main__":
    main()
