"""Ingest and search speed of the SQLite and PostgreSQL backends on the same data.

    python benchmarks/bench_backends.py                 # 5,000 entries
    python benchmarks/bench_backends.py --entries 50000
    FEEDVAULT_BENCH_PG=postgresql://user@host/db python benchmarks/bench_backends.py

Both vaults ingest the same generated RSS files (real Chinese corpus items, see data.py)
through the whole pipeline (parse, clean, decide, store, index), then answer the same
2-4 character Chinese queries, newest first, first page of 20 and the full count. The
PostgreSQL vault lives in a fresh schema that is dropped at the end. Output: seconds per
stage and the PostgreSQL/SQLite ratio (the baseline is SQLite, run in the same script).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
# the corpus-derived items show real images on public hosts: never archive them here
os.environ["FEEDVAULT_MEDIA"] = "0"

from benchmarks.data import pick_queries, write_feeds  # noqa: E402
from feedvault.search.query import parse_query  # noqa: E402
from feedvault.vault import Vault, open_vault  # noqa: E402

PG = os.environ.get("FEEDVAULT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def ingest(vault: Vault, paths: list[Path]) -> float:
    start = time.perf_counter()
    for path in paths:
        vault.add_feed(str(path))
    return time.perf_counter() - start


def search(vault: Vault, queries: list[str]) -> tuple[float, float, int]:
    """Median ms of a first page, median ms of a count, total hits."""
    page, count, hits = [], [], 0
    for q in queries:
        t0 = time.perf_counter()
        vault.store.search(parse_query(q), limit=20)
        t1 = time.perf_counter()
        hits += vault.store.count_matches(parse_query(q))
        t2 = time.perf_counter()
        page.append((t1 - t0) * 1000)
        count.append((t2 - t1) * 1000)
    return statistics.median(page), statistics.median(count), hits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5000)
    args = parser.parse_args()
    import psycopg

    schema = "fvbench_" + uuid.uuid4().hex[:12]
    admin = psycopg.connect(PG, autocommit=True)
    admin.execute(f"CREATE SCHEMA {schema}".encode())
    sep = "&" if "?" in PG else "?"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["XDG_CONFIG_HOME"] = tmp
            paths = write_feeds(Path(tmp) / "feeds", args.entries)
            queries = pick_queries()
            results = {}
            for name, db in (
                ("sqlite", str(Path(tmp) / "bench.db")),
                ("postgres", f"{PG}{sep}options=-csearch_path%3D{schema}"),
            ):
                with open_vault(db) as vault:
                    secs = ingest(vault, paths)
                    assert vault.store.count_entries() == args.entries
                    results[name] = (secs, *search(vault, queries))
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE".encode())
        admin.close()
    (ls, lp, lc, lh), (ps, pp, pc, ph) = results["sqlite"], results["postgres"]
    assert lh == ph, f"the backends disagree: {lh} vs {ph} hits"
    print(f"{args.entries} entries, {len(queries)} queries, {lh} hits in all (same on both)")
    print(f"{'':22}{'sqlite':>10}{'postgres':>10}{'pg/sqlite':>11}")
    for label, a, b in (
        ("ingest (entries/s)", args.entries / ls, args.entries / ps),
        ("search page (ms)", lp, pp),
        ("search count (ms)", lc, pc),
    ):
        print(f"{label:22}{a:10.1f}{b:10.1f}{b / a:11.2f}")


if __name__ == "__main__":
    main()
