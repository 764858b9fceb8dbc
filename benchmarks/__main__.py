"""feedvault against `reader` and feedparser on the same generated Chinese feeds, one table.

    python -m benchmarks                      # every scenario
    python -m benchmarks ingest startup       # chosen scenarios
    python -m benchmarks --full               # adds the 1,000,000-entry search index
    python -m benchmarks media                # media archived/s, bytes/entry (bench_media.py)
    pip install -r benchmarks/requirements.txt  # the baselines (not product dependencies)

Every program runs in its own subprocess (benchmarks/workers.py) so that peak memory
(ru_maxrss) is its own; baselines run in the same invocation, so the ratios hold on a loaded
machine even when the absolute numbers do not. Results also go to benchmarks/out/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
# the corpus-derived items show real images on public hosts: never archive them here
os.environ["FEEDVAULT_MEDIA"] = "0"
SCENARIOS = ("ingest", "search", "startup", "micro", "media")
Row = tuple[str, str, float, str, float | None]  # scenario, metric, ours, baseline, theirs


def _worker(tool: str, feeds: Path, work: Path, queries: Path | None = None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.workers", tool, str(feeds), str(work)]
    if queries is not None:
        cmd += ["--queries", str(queries)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, cwd=ROOT)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _rss_all(res: dict[str, Any]) -> float:
    """The writer's peak plus each preparing worker at the largest worker's peak (an upper
    bound: the peaks need not coincide)."""
    workers = int(res.get("workers") or 0) if res.get("worker_cpu_s") else 0
    return float(res["maxrss_mb"]) + workers * float(res.get("worker_maxrss_mb", 0.0))


def _rate(res: dict[str, Any], key: str = "ingest_s") -> float:
    return float(res["entries"]) / float(res[key])


def ingest(tmp: Path, n: int) -> tuple[list[Row], dict[str, Any]]:
    """Feed files -> stored, cleaned and searchable; then the same files again."""
    from benchmarks.data import write_feeds

    feeds = tmp / "feeds"
    write_feeds(feeds, n)
    tools = ("feedvault", "feedvault-serial", "reader", "feedparser")
    res = {t: _worker(t, feeds, tmp / t) for t in tools}
    fv, rd, fp = res["feedvault"], res["reader"], res["feedparser"]
    rows: list[Row] = [
        ("ingest", f"entries/s, {n:,} entries end to end", _rate(fv), "reader", _rate(rd)),
        (
            "ingest",
            f"entries/s, {fv['workers']} preparing worker{'s' if fv['workers'] != 1 else ''}",
            _rate(fv),
            "feedvault, 1 process",
            _rate(res["feedvault-serial"]),
        ),
        (
            "ingest",
            "entries per CPU-second, end to end",
            _rate(fv, "ingest_cpu_s"),
            "reader",
            _rate(rd, "ingest_cpu_s"),
        ),
        ("ingest", "entries/s vs parse alone", _rate(fv), "feedparser", _rate(fp)),
        ("ingest", "peak RSS MB, all processes", _rss_all(fv), "reader", rd["maxrss_mb"]),
        ("ingest", "peak RSS MB, parse alone", fv["maxrss_mb"], "feedparser", fp["maxrss_mb"]),
        ("re-update", "seconds, unchanged feeds", fv["reupdate_s"], "reader", rd["reupdate_s"]),
        (
            "disk",
            "bytes/entry, db + index",
            fv["disk_bytes"] / fv["entries"],
            "reader",
            rd["disk_bytes"] / rd["entries"],
        ),
    ]
    return rows, res


def search(tmp: Path, n: int) -> tuple[list[Row], dict[str, Any]]:
    """Recall and first-page latency of 2-4 character Chinese queries at ``n`` entries."""
    from benchmarks.data import pick_queries, write_feeds

    queries = pick_queries()
    truth = dict.fromkeys(queries, 0)
    feeds = tmp / "search-feeds"
    write_feeds(feeds, n, truth=truth)
    qfile = tmp / "queries.json"
    qfile.write_text(json.dumps(queries, ensure_ascii=False), "utf-8")
    res = {t: _worker(t, feeds, tmp / f"search-{t}", qfile) for t in ("feedvault", "reader")}
    res["truth"] = truth
    stats = {t: _search_stats(res[t]["queries"], truth) for t in ("feedvault", "reader")}
    fv, rd = stats["feedvault"], stats["reader"]
    label = f"{n:,} entries"
    rows: list[Row] = [
        ("search", f"recall, 2-4 char zh, {label}", fv["recall"], "reader", rd["recall"]),
        ("search", f"median ms, first page, {label}", fv["p50_ms"], "reader", rd["p50_ms"]),
        ("search", f"max ms, first page, {label}", fv["max_ms"], "reader", rd["max_ms"]),
        (
            "search",
            f"ingest entries/s, {label}",
            _rate(res["feedvault"]),
            "reader",
            _rate(res["reader"]),
        ),
        (
            "disk",
            f"bytes/entry, {label}",
            res["feedvault"]["disk_bytes"] / n,
            "reader",
            res["reader"]["disk_bytes"] / n,
        ),
    ]
    res["stats"] = stats
    return rows, res


def _search_stats(found: list[dict[str, Any]], truth: dict[str, int]) -> dict[str, float]:
    recalls = [min(f["count"], truth[f["q"]]) / truth[f["q"]] for f in found if truth[f["q"]]]
    times = [f["ms"] for f in found]
    return {
        "recall": statistics.mean(recalls),
        "p50_ms": statistics.median(times),
        "max_ms": max(times),
    }


def full_index(tmp: Path) -> tuple[list[Row], dict[str, Any]]:
    """1,000,000 entries, feedvault's index alone (bench_search.py builds and queries it)."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import bench_search
    from feedvault.search.query import parse_query
    from feedvault.store.sqlite import search_index

    path = str(tmp / "million.db")
    secs, _bytes = bench_search.build(path, 1_000_000)
    import sqlite3

    conn = sqlite3.connect(path)
    times = []
    for qs in bench_search.query_classes().values():
        for q in qs:
            t0 = time.perf_counter()
            search_index.search(conn, parse_query(q), limit=20)
            times.append((time.perf_counter() - t0) * 1000)
    conn.close()
    size = Path(path).stat().st_size
    rows: list[Row] = [
        ("search-1M", "index entries/s", 1_000_000 / secs, "-", None),
        ("search-1M", "median ms, first page", statistics.median(times), "-", None),
        ("search-1M", "index bytes/entry", size / 1_000_000, "-", None),
    ]
    return rows, {"build_s": secs, "times_ms": times, "bytes": size}


def startup() -> tuple[list[Row], dict[str, Any]]:
    """`feedvault --help`, best of 5, against a bare `python -c pass`."""
    script = Path(sys.executable).with_name("feedvault")
    cmd = [str(script), "--help"] if script.exists() else [sys.executable, "-m", "feedvault"]

    def best(argv: list[str]) -> float:
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        return min(times)

    ours, bare = best(cmd), best([sys.executable, "-c", "pass"])
    rows: list[Row] = [("startup", "feedvault --help seconds", ours, "python -c pass", bare)]
    return rows, {"feedvault_help_s": ours, "python_s": bare}


def micro() -> tuple[list[Row], dict[str, Any]]:
    """The per-stage scripts others wrote (parse, clean), their output kept verbatim."""
    out = {}
    for name in ("bench_parse.py", "bench_clean.py"):
        run = subprocess.run(
            [sys.executable, str(HERE / name)], capture_output=True, text=True, cwd=ROOT
        )
        out[name] = run.stdout + run.stderr
        print(out[name])
    return [], out


def media(n: int) -> tuple[list[Row], dict[str, Any]]:
    """bench_media.py (loopback images, media on vs off), its output kept verbatim."""
    out = HERE / "out" / "media.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [sys.executable, str(HERE / "bench_media.py"), "--entries", str(n), "--json", str(out)],
        capture_output=True, text=True, cwd=ROOT,
    )
    print(run.stdout + run.stderr)
    return [], {"output": run.stdout + run.stderr}


def _table(rows: list[Row]) -> str:
    lines = [
        f"| {'scenario':10} | {'metric':38} | {'feedvault':>11} | {'baseline':>14} "
        f"| {'baseline value':>14} | {'ratio':>7} |",
        f"|{'-' * 12}|{'-' * 40}|{'-' * 13}|{'-' * 16}|{'-' * 16}|{'-' * 9}|",
    ]
    for scenario, metric, ours, base, theirs in rows:
        ratio = f"{ours / theirs:7.2f}" if theirs else "      -"
        other = f"{theirs:14,.3f}" if theirs is not None else f"{'-':>14}"
        lines.append(
            f"| {scenario:10} | {metric:38} | {ours:11,.3f} | {base:>14} | {other} | {ratio} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", choices=[*SCENARIOS, []], default=[])
    ap.add_argument("--entries", type=int, default=5000, help="entries for the ingest scenario")
    ap.add_argument("--search-entries", type=int, default=100_000)
    ap.add_argument("--full", action="store_true", help="also a 1,000,000-entry index")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "results.json")
    args = ap.parse_args()
    chosen = args.scenarios or [s for s in SCENARIOS if s not in ("micro", "media")]
    rows: list[Row] = []
    raw: dict[str, Any] = {"argv": sys.argv[1:], "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="feedvault-bench-") as name:
        tmp = Path(name)
        for scenario in chosen:
            t0 = time.perf_counter()
            if scenario == "ingest":
                got, raw[scenario] = ingest(tmp, args.entries)
            elif scenario == "search":
                got, raw[scenario] = search(tmp, args.search_entries)
            elif scenario == "startup":
                got, raw[scenario] = startup()
            elif scenario == "media":
                got, raw[scenario] = media(args.entries)
            else:
                got, raw[scenario] = micro()
            rows += got
            print(f"# {scenario}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        if args.full:
            got, raw["search-1M"] = full_index(tmp)
            rows += got
    table = _table(rows)
    print(table)
    raw["rows"] = rows
    raw["table"] = table
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(raw, indent=1, ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    main()
