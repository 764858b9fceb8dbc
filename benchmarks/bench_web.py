"""Web benchmark: requests/s and p95 latency of the entry and search pages under load.

    python benchmarks/bench_web.py                  # 10,000 entries
    python benchmarks/bench_web.py --entries 100000 # the issue's size
    python benchmarks/bench_web.py --clients 16 --seconds 10

A vault is generated from the real Chinese corpus items (benchmarks/data.py) through the
normal pipeline (parse, clean, store, index). The server is `feedvault.web.serve` in its
own process on 127.0.0.1; the load comes from threads with one httpx client each. While it
runs, a writer in this process keeps updating a 50-item "live" feed, every item edited in
each update, and a checker reads that feed through the API: every read must show all 50
items at the same version (a write is all or nothing), and no request may fail with
"database is locked".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import httpx  # noqa: E402

from benchmarks.data import pool  # noqa: E402
from feedvault.store import FeedSpec  # noqa: E402
from feedvault.vault import open_vault  # noqa: E402

QUERIES = ["中国", "美国", "芬太尼", "习近平", "香港", "经济", "疫情", "台湾", "选举", "记者",
           "news", "China", "政府 经济", "\"人民币\"", "北京 -上海"]
PER_DOC = 500
LIVE_ITEMS = 50


def _rss(items: list[tuple[str, str, str, datetime]], title: str) -> bytes:
    out = [f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
           f"<title>{escape(title)}</title><link>https://bench.example.org/</link>"]
    for guid, item_title, body, when in items:
        out.append(f"<item><title>{escape(item_title)}</title>"
                   f"<link>https://bench.example.org/{guid}</link>"
                   f'<guid isPermaLink="false">{guid}</guid>'
                   f"<pubDate>{format_datetime(when)}</pubDate>"
                   f"<description>{escape(body)}</description></item>")
    out.append("</channel></rss>")
    return "".join(out).encode()


def build_vault(db: str, n: int, live_url: str) -> float:
    """Fill a vault with ``n`` entries over 10 feeds; returns seconds taken."""
    items = pool()
    started = time.perf_counter()
    start = datetime(2023, 1, 1, tzinfo=UTC)
    with open_vault(db) as vault:
        for f in range(10):
            vault.store.add_feed(_spec(f"bench-{f}", f"基准 {f}"))
        for done in range(0, n, PER_DOC):
            feed = (done // PER_DOC) % 10
            batch = []
            for k in range(done, min(done + PER_DOC, n)):
                item = items[k % len(items)]
                batch.append((f"b-{k}", f"{item.title} （{k}）",
                              f"<p>第{k}号</p>{item.html}", start + timedelta(minutes=3 * k)))
            vault.update_from_bytes(f"bench-{feed}", _rss(batch, f"基准 {feed}"))
        vault.store.add_feed(FeedSpec("live", "live", live_url, settings={"interval": 1}))
        vault.update_from_bytes("live", _live_doc(0))
    return time.perf_counter() - started


def _spec(slug: str, name: str) -> FeedSpec:
    return FeedSpec(slug, name, None)


def _live_doc(round_no: int) -> bytes:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    return _rss([(f"live-{i}", f"live {i}", f"<p>round {round_no} of item {i}</p>",
                  when + timedelta(minutes=i)) for i in range(LIVE_ITEMS)], "live")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: str, port: int) -> subprocess.Popen[bytes]:
    code = f"from feedvault.web import serve; serve({db!r}, '127.0.0.1', {port})"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/app.js", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start: " + (proc.stderr.read() if proc.stderr
                                                      else b"").decode()[-2000:])


def load(base: str, make_path: Callable[[random.Random], str], clients: int,
         seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                response = client.get(make_path(rng))
                mine.append(time.perf_counter() - t0)
                if response.status_code != 200 or "database is locked" in response.text:
                    with lock:
                        errors.append(f"{response.status_code} {response.url}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    return {
        "requests": len(latencies), "rps": len(latencies) / wall,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        "errors": len(errors),
    }


class LiveFeed:
    """A loopback server whose "live" feed edits all its items on every request."""

    def __init__(self) -> None:
        self.requests = 0
        live = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                live.requests += 1
                body = _live_doc(live.requests)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/live.xml"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


class Background:
    """The real `feedvault run` (polling the live feed every second) and a checker that
    reads that feed through the API: every read must be all-or-nothing."""

    def __init__(self, db: str, base: str, live: LiveFeed) -> None:
        self.db, self.base, self.live = db, base, live
        self.stop = threading.Event()
        self.checks = 0
        self.problems: list[str] = []
        self.threads = [threading.Thread(target=self._check)]
        self.runner: subprocess.Popen[str] | None = None

    @property
    def updates(self) -> int:
        return self.live.requests

    def _start_runner(self) -> None:
        env = dict(os.environ, FEEDVAULT_ALLOW_NETWORKS="127.0.0.0/8")
        self.runner = subprocess.Popen(
            [sys.executable, "-m", "feedvault.cli", "--db", self.db, "run", "--max-sleep", "0.2"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

    def _stop_runner(self) -> None:
        if self.runner is None:
            return
        self.runner.send_signal(signal.SIGTERM)
        _, err = self.runner.communicate(timeout=60)
        bad = [line for line in err.splitlines() if "error" in line.lower()]
        self.problems += [f"run: {line}" for line in bad]
        if self.runner.returncode != 0:
            self.problems.append(f"run exited with {self.runner.returncode}")

    def _check(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                data = client.get(f"/api/feeds/live/entries?limit={LIVE_ITEMS}").json()
                counts = {e["version_count"] for e in data["entries"]}
                if len(counts) != 1 or len(data["entries"]) != LIVE_ITEMS:
                    self.problems.append(f"half-updated feed visible: {sorted(counts)}")
                self.checks += 1

    def __enter__(self) -> Background:
        self._start_runner()
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()
        self._stop_runner()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="feedvault-bench-web-") as tmp:
        db = str(Path(tmp) / "bench.db")
        live = LiveFeed()
        built = build_vault(db, args.entries, live.url)
        print(f"built a {args.entries:,}-entry vault in {built:.1f} s")
        port = free_port()
        server = start_server(db, port)
        base = f"http://127.0.0.1:{port}"
        try:
            with open_vault(db) as vault:
                top = vault.store.count_entries()
            pages = {
                "entry": lambda r: f"/entries/{r.randint(1, top)}",
                "search": lambda r: "/search?" + httpx.QueryParams(
                    {"q": r.choice(QUERIES), "page": r.choice([1, 1, 1, 2, 5])}).__str__(),
                "feed": lambda r: f"/feeds/bench-{r.randint(0, 9)}?page={r.randint(1, 20)}",
            }
            results = {}
            with Background(db, base, live) as bg:
                for name, make in pages.items():
                    load(base, make, 2, 1.0)  # warm up
                    results[name] = load(base, make, args.clients, args.seconds)
            report(args, results, bg)
        finally:
            server.terminate()
            server.wait(10)


def report(args: argparse.Namespace, results: dict[str, dict[str, float]],
           bg: Background) -> None:
    print(f"{args.clients} client threads, {args.seconds:.0f} s per page, while `feedvault run` "
          f"updated a feed {bg.updates} times ({bg.checks} consistency reads)")
    print(f"{'page':8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"{name:8} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} "
              f"{int(r['errors']):7d}")
    print("background problems:", bg.problems[:5] or "none")
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"web-{args.entries}.json").write_text(json.dumps({
        "entries": args.entries, "clients": args.clients, "results": results,
        "background_updates": bg.updates, "consistency_reads": bg.checks,
        "problems": bg.problems[:20]}, indent=2))


if __name__ == "__main__":
    main()
