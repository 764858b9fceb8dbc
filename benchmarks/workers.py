"""One measured run of one program, in its own process so that its peak memory is its own.

    python -m benchmarks.workers {feedvault,reader,feedparser} FEEDS_DIR WORK_DIR [--queries F]

Prints one JSON object: entries, seconds per phase, ru_maxrss, bytes on disk, and (with
``--queries``) hit counts and latencies for each query. The parent (``__main__``) builds the
table from these objects.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# FEEDVAULT_BENCH_SRC points at another checkout's src/ to measure "before" and "after".
sys.path.insert(0, os.environ.get("FEEDVAULT_BENCH_SRC") or str(ROOT / "src"))
# the corpus-derived items show real images on public hosts: never archive them here
os.environ["FEEDVAULT_MEDIA"] = "0"


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _disk(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _latencies(
    search: Callable[[str], int], count: Callable[[str], int], queries: list[str]
) -> Any:
    out = []
    for q in queries:
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            search(q)
            best = min(best, time.perf_counter() - t0)
        out.append({"q": q, "ms": best * 1000, "count": count(q)})
    return out


def run_feedvault(feeds: list[Path], work: Path, queries: list[str] | None) -> dict[str, Any]:
    t0 = time.perf_counter()
    from feedvault import open_vault

    db = work / "feedvault.db"
    vault = open_vault(str(db))
    for path in feeds:
        vault.add_feed(str(path), update=False)
    res: dict[str, Any] = {"import_s": time.perf_counter() - t0}
    results: list[Any] = []
    cpu = time.process_time()
    res["ingest_s"] = _timed(lambda: results.extend(vault.update()))
    res["ingest_cpu_s"] = time.process_time() - cpu
    res["errors"] = [r.error for r in results if r.error][:3]
    res["entries"] = vault.store.count_entries()
    res["ingest_maxrss_mb"] = _maxrss_mb()
    res["reupdate_s"] = _timed(vault.update)
    res["reupdate_entries"] = vault.store.count_entries()
    if queries:
        from feedvault.search.query import parse_query

        store = vault.store
        res["queries"] = _latencies(
            lambda q: len(store.search(parse_query(q), limit=20)),
            lambda q: store.count_matches(parse_query(q)),
            queries,
        )
    vault.close()  # also ends the worker processes, so their CPU and memory are counted
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    from feedvault.update.prepare_pool import default_workers

    wanted = vault.settings.workers
    res["workers"] = default_workers() if wanted is None else wanted
    res["worker_cpu_s"] = children.ru_utime + children.ru_stime
    res["worker_maxrss_mb"] = children.ru_maxrss / 1024
    # every CPU-second spent on the ingest, the preparing processes' included
    res["ingest_cpu_s"] += res["worker_cpu_s"]
    res["disk_bytes"] = _disk(work)
    res["maxrss_mb"] = _maxrss_mb()
    return res


def run_reader(feeds: list[Path], work: Path, queries: list[str] | None) -> dict[str, Any]:
    from reader import make_reader

    reader = make_reader(str(work / "reader.db"), feed_root="")
    for path in feeds:
        reader.add_feed(str(path))
    reader.enable_search()
    res: dict[str, Any] = {}
    cpu = time.process_time()
    res["update_feeds_s"] = _timed(reader.update_feeds)
    res["update_search_s"] = _timed(reader.update_search)
    res["ingest_cpu_s"] = time.process_time() - cpu
    res["ingest_s"] = res["update_feeds_s"] + res["update_search_s"]
    res["entries"] = reader.get_entry_counts().total
    res["ingest_maxrss_mb"] = _maxrss_mb()
    res["reupdate_s"] = _timed(lambda: (reader.update_feeds(), reader.update_search()))
    res["reupdate_entries"] = reader.get_entry_counts().total
    if queries:
        res["queries"] = _latencies(
            lambda q: len(list(reader.search_entries(q, sort="recent", limit=20))),
            lambda q: int(reader.search_entry_counts(q).total or 0),
            queries,
        )
    reader.close()
    res["disk_bytes"] = _disk(work)
    res["maxrss_mb"] = _maxrss_mb()
    return res


def run_feedparser(feeds: list[Path], work: Path, queries: list[str] | None) -> dict[str, Any]:
    import feedparser

    def parse_all() -> None:
        res["entries"] = sum(len(feedparser.parse(p.read_bytes()).entries) for p in feeds)

    res: dict[str, Any] = {}
    cpu = time.process_time()
    res["ingest_s"] = _timed(parse_all)
    res["ingest_cpu_s"] = time.process_time() - cpu
    res["maxrss_mb"] = res["ingest_maxrss_mb"] = _maxrss_mb()
    return res


def run_feedvault_serial(
    feeds: list[Path], work: Path, queries: list[str] | None
) -> dict[str, Any]:
    """feedvault in one process (no preparing workers): what the workers add."""
    os.environ["FEEDVAULT_WORKERS"] = "0"
    return run_feedvault(feeds, work, queries)


RUNNERS = {
    "feedvault": run_feedvault,
    "feedvault-serial": run_feedvault_serial,
    "reader": run_reader,
    "feedparser": run_feedparser,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=sorted(RUNNERS))
    ap.add_argument("feeds", type=Path)
    ap.add_argument("work", type=Path)
    ap.add_argument("--queries", type=Path)
    args = ap.parse_args()
    feeds = sorted(args.feeds.glob("*.xml"))
    queries = json.loads(args.queries.read_text("utf-8")) if args.queries else None
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("FEEDVAULT_CONFIG", str(args.work / "none.toml"))
    print(json.dumps(RUNNERS[args.tool](feeds, args.work, queries)))


if __name__ == "__main__":
    main()
