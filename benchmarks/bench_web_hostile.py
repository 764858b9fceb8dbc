"""Hostile web load: 1,000 requests built to hurt (integers too large for the database, 10 KB
queries, broad OR queries of Chinese and Latin terms sorted by relevance) against a real
vault served by uvicorn on 127.0.0.1, while a normal reader keeps browsing.

    python benchmarks/bench_web_hostile.py                      # 4,000 entries, 1,000 requests
    python benchmarks/bench_web_hostile.py --entries 20000 --vault /tmp/h20k.db  # build once
    python benchmarks/bench_web_hostile.py --hostile 3000 --clients 8 --budget 1.0
    python benchmarks/bench_web_hostile.py --src /tmp/old/src   # A/B: another version's app

The vault is built like benchmarks/bench_web.py builds it (real Chinese corpus items through
the normal pipeline). The server runs `feedvault.web.serve` in its own process with
``[web] search_budget`` set from ``--budget``. First the normal reader runs alone (an entry,
a feed page, an everyday search, in turn), then again while ``--clients`` threads send the
hostile requests. Printed: status counts of the hostile requests, their slowest answer and
how many took longer than the budget, and the normal reader's p50/p95 alone and under the
hostile load. Exit status 1 on any 5xx or any failed normal request.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import httpx  # noqa: E402

from benchmarks.bench_web import build_vault, free_port, start_server  # noqa: E402

CJK = "中美国人大的新闻政府经济台湾香港记者发展北京上海选举疫情"
LATIN = ["the", "news", "china", "trump", "a1", "covid", "of", "and", "xi", "zzzz", "biden"]
HUGE = "99999999999999999999"
NORMAL_QUERIES = ["中国", "美国 经济", "香港", "news", '"人民币"', "台湾 -上海"]


def hostile_path(rng: random.Random, i: int) -> str:
    """A fifth numbers too large, a fifth 10 KB queries (UTF-8), the rest broad relevance
    ORs."""
    where = rng.choice(["/search", "/api/search", "/search.atom"])
    kind = i % 5
    if kind == 0:
        return rng.choice([f"/entries/{HUGE}", f"/api/entries/{HUGE}",
                           f"/api/entries/{HUGE}/versions", f"/feeds/bench-0?page={HUGE}",
                           f"/api/feeds/bench-0/entries?offset={HUGE}&limit={HUGE}",
                           f"/feeds/bench-0.atom?page=-{HUGE}", f"/changes?page={HUGE}",
                           f"/api/changes?limit={HUGE}", f"{where}?q=news&page={HUGE}"])
    if kind == 1:
        q = rng.choice(["a" * 10_240, "中 OR " * 1_700, "news " * 2_048, "中" * 3_414])
        return f"{where}?q={quote(q)}&sort=relevance"
    words = [rng.choice(CJK) if rng.random() < 0.5 else rng.choice(LATIN)
             for _ in range(rng.randrange(2, 32))]
    return f"{where}?q={quote(' OR '.join(words))}&sort=relevance&page={rng.randrange(1, 4)}"


def normal_paths(entry_ids: list[int]) -> list[str]:
    out = []
    for i in range(60):
        out.append(f"/entries/{entry_ids[i % len(entry_ids)]}")
        out.append(f"/feeds/bench-{i % 10}")
        out.append(f"/search?q={quote(NORMAL_QUERIES[i % len(NORMAL_QUERIES)])}")
    return out


def normal_reader(base: str, paths: list[str], stop: threading.Event,
                  failures: list[str]) -> list[float]:
    """One reader, one request at a time, until ``stop`` (at least one round of ``paths``)."""
    latencies: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        i = 0
        while not stop.is_set() or i < len(paths):
            path = paths[i % len(paths)]
            t0 = time.perf_counter()
            response = client.get(path)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 200:
                failures.append(f"{response.status_code} {path[:80]}")
            i += 1
    return latencies


def hostile_load(base: str, n: int, clients: int, seed: int
                 ) -> tuple[Counter[int], list[float]]:
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    todo = iter(range(n))

    def worker(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        with httpx.Client(base_url=base, timeout=120) as client:
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                path = hostile_path(rng, i)
                t0 = time.perf_counter()
                try:
                    status = client.get(path).status_code
                except httpx.HTTPError:
                    status = 0  # the connection failed: counted, shown as status 0
                took = time.perf_counter() - t0
                with lock:
                    statuses[status] += 1
                    latencies.append(took)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[int(q * (len(ordered) - 1))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=4000)
    parser.add_argument("--vault", help="build here once and reuse (default: a temp file)")
    parser.add_argument("--hostile", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4, help="hostile client threads")
    parser.add_argument("--budget", type=float, default=2.0, help="[web] search_budget, s")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--src", type=Path, default=ROOT / "src",
                        help="serve from this source tree (A/B against an older web app)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fv-hostile-") as tmp:
        db = args.vault or str(Path(tmp) / "vault.db")
        if not Path(db).exists():
            took = build_vault(db, args.entries, "http://127.0.0.1:9/live.xml")
            print(f"built {args.entries:,} entries in {took:.1f} s")
        config = Path(tmp) / "config.toml"
        config.write_text(f"[web]\nsearch_budget = {args.budget}\n", "utf-8")
        os.environ["FEEDVAULT_CONFIG"] = str(config)
        port = free_port()
        log = Path(tmp) / "server.log"
        server = start_server(db, port, log, args.src)
        base = f"http://127.0.0.1:{port}"
        try:
            ids = [e["id"] for e in httpx.get(f"{base}/api/feeds/bench-0/entries?limit=60",
                                              timeout=30).json()["entries"]]
            paths = normal_paths(ids)
            failures: list[str] = []
            done = threading.Event()
            done.set()
            alone = normal_reader(base, paths, done, failures)
            stop = threading.Event()
            under: list[float] = []
            reader = threading.Thread(
                target=lambda: under.extend(normal_reader(base, paths, stop, failures)))
            reader.start()
            t0 = time.perf_counter()
            statuses, hostile = hostile_load(base, args.hostile, args.clients, args.seed)
            wall = time.perf_counter() - t0
            stop.set()
            reader.join()
        finally:
            server.terminate()
            server.wait(10)
        tracebacks = log.read_text(errors="replace").count("Traceback")

    over = sum(t > args.budget for t in hostile)
    print(f"hostile requests: {len(hostile):,} in {wall:.1f} s from {args.clients} clients; "
          f"status counts {dict(sorted(statuses.items()))}")
    print(f"hostile latency: max {max(hostile) * 1000:.0f} ms, p95 {pct(hostile, 0.95):.0f} ms;"
          f" over the {args.budget:g} s budget: {over}")
    print(f"normal reader alone:        p50 {pct(alone, 0.5):6.1f} ms  p95 "
          f"{pct(alone, 0.95):6.1f} ms  ({len(alone)} requests)")
    print(f"normal reader under attack: p50 {pct(under, 0.5):6.1f} ms  p95 "
          f"{pct(under, 0.95):6.1f} ms  max {max(under) * 1000:.0f} ms  ({len(under)} requests)")
    print(f"server tracebacks: {tracebacks}; normal failures: {len(failures)}")
    if statistics.mean(alone) <= 0 or any(s >= 500 for s in statuses) or failures or tracebacks:
        for failure in failures[:10]:
            print("  failed:", failure)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
