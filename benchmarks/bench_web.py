"""Web benchmark: requests/s and p50/p95 latency of each page under load, while `feedvault
run` commits feed updates.

    python benchmarks/bench_web.py                  # 10,000 entries
    python benchmarks/bench_web.py --entries 100000 --vault /tmp/v100k.db   # build once, reuse
    python benchmarks/bench_web.py --clients 16 --seconds 10 --pages "entry,search new"
    python benchmarks/bench_web.py --src /tmp/old/src   # A/B: serve another web app version

A vault is generated from the real Chinese corpus items (benchmarks/data.py) through the
normal pipeline (parse, clean, store, index). The server is `feedvault.web.serve` in its
own process on 127.0.0.1; the load comes from threads with one httpx client each, one page
kind at a time: a static file (the baseline: the framework without the database), the front
page, a feed page, an entry, search with a fixed set of Chinese and of English queries
(pages 1, 2 and 5: repeated queries, as people and Atom readers repeat them) and search with
queries never asked before (every two-character word of the corpus titles, each once).

In the background the real `feedvault run` polls a loopback "live" feed every second whose
50 items are all edited on every fetch, and a checker reads that feed through the API: every
read must show all 50 items at the same version (a write is all or nothing). The table
counts the updates committed while each page was measured (none is a failure); any
"database is locked" in a response, the server's or `run`'s log, any failed request and any
half-updated read make the script exit with status 1.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
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
# the corpus-derived items show real images on public hosts: never archive them here
os.environ["FEEDVAULT_MEDIA"] = "0"

import httpx  # noqa: E402

from benchmarks.data import pool  # noqa: E402
from feedvault.store import FeedSpec  # noqa: E402
from feedvault.vault import open_vault  # noqa: E402

QUERIES_ZH = [
    "中国",
    "美国",
    "芬太尼",
    "习近平",
    "香港",
    "经济",
    "疫情",
    "台湾",
    "选举",
    "记者",
    "政府 经济",
    '"人民币"',
    "北京 -上海",
]
QUERIES_EN = ["news", "China", "Trump", "COVID", "Biden", "Twitter", "AI", "Hong Kong"]
PER_DOC = 500
LOCKED = "database is locked"
LIVE_ITEMS = 50


def _rss(items: list[tuple[str, str, str, datetime]], title: str) -> bytes:
    out = [
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://bench.example.org/</link>"
    ]
    for guid, item_title, body, when in items:
        out.append(
            f"<item><title>{escape(item_title)}</title>"
            f"<link>https://bench.example.org/{guid}</link>"
            f'<guid isPermaLink="false">{guid}</guid>'
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{escape(body)}</description></item>"
        )
    out.append("</channel></rss>")
    return "".join(out).encode()


def build_vault(db: str, n: int, live_url: str) -> float:
    """Fill a vault with ``n`` entries over 10 feeds and the "live" feed; returns seconds."""
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
                batch.append(
                    (
                        f"b-{k}",
                        f"{item.title} （{k}）",
                        f"<p>第{k}号</p>{item.html}",
                        start + timedelta(minutes=3 * k),
                    )
                )
            vault.update_from_bytes(f"bench-{feed}", _rss(batch, f"基准 {feed}"))
        vault.store.add_feed(FeedSpec("live", "live", live_url, settings={"interval": 1}))
        vault.update_from_bytes("live", _live_doc(0))
    return time.perf_counter() - started


def reuse_vault(db: str, n: int, live_url: str) -> str:
    """Give a kept vault a new live feed for this run and return its slug.

    New items mean new entry ids, so no run inherits the edits of the ones before (hundreds
    of versions of one entry would measure something else, and the SQLite index of this
    tree gives up after ~200 re-indexings of one entry: "no free index slot"). The old live
    feeds stay as archive-only feeds (no URL), which `run` leaves alone.
    """
    import sqlite3

    with open_vault(db) as vault:
        feeds = vault.feeds()
    have = sum(f.entry_count for f in feeds if f.slug.startswith("bench-"))
    if have != n:
        raise SystemExit(f"{db} holds {have:,} bench entries, not {n:,}: use another --vault")
    slug = f"live-{sum(f.slug.startswith('live') for f in feeds) + 1}"
    with sqlite3.connect(db) as conn:  # no Storage call changes a feed's URL
        conn.execute("UPDATE feeds SET url = NULL WHERE slug LIKE 'live%'")
    with open_vault(db) as vault:
        vault.store.add_feed(FeedSpec(slug, slug, live_url, settings={"interval": 1}))
        vault.update_from_bytes(slug, _live_doc(0))
    return slug


def _spec(slug: str, name: str) -> FeedSpec:
    return FeedSpec(slug, name, None)


def _live_doc(round_no: int) -> bytes:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    return _rss(
        [
            (
                f"live-{i}",
                f"live {i}",
                f"<p>round {round_no} of item {i}</p>",
                when + timedelta(minutes=i),
            )
            for i in range(LIVE_ITEMS)
        ],
        "live",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: str, port: int, log: Path, src: Path) -> subprocess.Popen[bytes]:
    """`feedvault.web.serve` in its own process; its stderr goes to ``log`` (scanned after)."""
    code = f"from feedvault.web import serve; serve({db!r}, '127.0.0.1', {port})"
    env = {**os.environ, "PYTHONPATH": str(src)}
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=err
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/app.js", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start: " + log.read_text(errors="replace")[-2000:])


def load(
    base: str, make_path: Callable[[random.Random], str], clients: int, seconds: float
) -> dict[str, float]:
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
                if response.status_code != 200 or LOCKED in response.text:
                    with lock:
                        locked = f" {LOCKED}" if LOCKED in response.text else ""
                        errors.append(f"{response.status_code} {response.url}{locked}")
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
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        "errors": len(errors),
        "locked": sum(LOCKED in e for e in errors),
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
    reads that feed through the API: every read must be all-or-nothing.

    ``version`` is the live items' version count the checker last saw: it grows by one with
    each update `run` commits, so the difference across a measurement counts the commits
    made during it.
    """

    def __init__(self, db: str, base: str, live: LiveFeed, slug: str, log: Path) -> None:
        self.db, self.base, self.live, self.slug, self.log = db, base, live, slug, log
        self.stop = threading.Event()
        self.checks = 0
        self.version = 0
        self.problems: list[str] = []
        self.threads = [threading.Thread(target=self._check)]
        self.runner: subprocess.Popen[bytes] | None = None

    @property
    def fetches(self) -> int:
        return self.live.requests

    def _start_runner(self) -> None:
        env = dict(os.environ, FEEDVAULT_ALLOW_NETWORKS="127.0.0.0/8")
        with self.log.open("wb") as err:  # a file, not a pipe: a full pipe would stall `run`
            self.runner = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "feedvault.cli",
                    "--db",
                    self.db,
                    "run",
                    "--max-sleep",
                    "0.2",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )

    def _stop_runner(self) -> None:
        if self.runner is None:
            return
        self.runner.send_signal(signal.SIGTERM)
        self.runner.wait(timeout=60)
        err = self.log.read_text(errors="replace")
        bad = [line for line in err.splitlines() if "error" in line.lower() or LOCKED in line]
        self.problems += [f"run: {line}" for line in bad]
        if self.runner.returncode != 0:
            self.problems.append(f"run exited with {self.runner.returncode}")

    def _check(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                response = client.get(f"/api/feeds/{self.slug}/entries?limit={LIVE_ITEMS}")
                if response.status_code != 200:
                    self.problems.append(f"checker: {response.status_code} {response.text[:200]}")
                    continue
                entries = response.json()["entries"]
                counts = {e["version_count"] for e in entries}
                if len(counts) != 1 or len(entries) != LIVE_ITEMS:
                    self.problems.append(f"half-updated feed visible: {sorted(counts)}")
                self.version = max(counts | {self.version})
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


def page_paths(top: int) -> dict[str, Callable[[random.Random], str]]:
    """What the clients ask for, page by page; the first is the baseline (no database)."""

    def search(queries: list[str]) -> Callable[[random.Random], str]:
        return lambda r: (
            "/search?"
            + str(httpx.QueryParams({"q": r.choice(queries), "page": r.choice([1, 1, 1, 2, 5])}))
        )

    words = new_words()
    fresh = itertools.count()

    def new_query(r: random.Random) -> str:  # each asked once: no cache can have seen it
        return "/search?" + str(httpx.QueryParams({"q": words[next(fresh) % len(words)]}))

    return {
        "static file": lambda r: "/static/app.js",
        "front page": lambda r: "/",
        "feed": lambda r: f"/feeds/bench-{r.randint(0, 9)}?page={r.randint(1, 20)}",
        "entry": lambda r: f"/entries/{r.randint(1, top)}",
        "search zh": search(QUERIES_ZH),
        "search en": search(QUERIES_EN),
        "search new": new_query,
    }


def new_words() -> list[str]:
    """Every two-character Chinese word of the pool's titles, shuffled (about 9,000)."""
    found = {
        run[i : i + 2]
        for item in pool()
        for run in re.findall(r"[\u4e00-\u9fff]{2,}", item.title)
        for i in range(len(run) - 1)
    }
    words = sorted(found)
    random.Random(7).shuffle(words)
    return words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument(
        "--vault",
        metavar="PATH",
        help="keep the built vault at PATH and reuse it when it exists "
        "(building 100,000 entries takes about 5 minutes)",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="build the vault (with --vault) and stop"
    )
    parser.add_argument(
        "--src",
        type=Path,
        default=ROOT / "src",
        help="serve from this source tree (A/B runs against another version of the web app)",
    )
    parser.add_argument("--pages", help="comma-separated subset of: " + ", ".join(page_paths(1)))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="feedvault-bench-web-") as tmp:
        db = args.vault or str(Path(tmp) / "bench.db")
        live = LiveFeed()
        slug = "live"
        if args.vault and Path(db).exists():
            slug = reuse_vault(db, args.entries, live.url)
            print(f"reusing the vault at {db} (live feed {slug})")
        else:
            built = build_vault(db, args.entries, live.url)
            print(f"built a {args.entries:,}-entry vault in {built:.1f} s")
        if args.build_only:
            return
        port = free_port()
        server_log = Path(tmp) / "server.log"
        server = start_server(db, port, server_log, args.src)
        base = f"http://127.0.0.1:{port}"
        try:
            with open_vault(db) as vault:
                top = vault.store.count_entries()
            pages = page_paths(top)
            if args.pages:
                pages = {k: v for k, v in pages.items() if k in args.pages.split(",")}
            results = {}
            with Background(db, base, live, slug, Path(tmp) / "run.log") as bg:
                _wait_for_commit(bg)
                for name, make in pages.items():
                    load(base, make, 2, 1.0)  # warm up
                    before = bg.version
                    results[name] = load(base, make, args.clients, args.seconds)
                    results[name]["commits"] = bg.version - before
                    if results[name]["commits"] < 1:
                        bg.problems.append(f"no update committed while measuring {name}")
        finally:
            server.terminate()
            server.wait(10)
        log = server_log.read_text(errors="replace")
        bg.problems += [
            f"server: {line}" for line in log.splitlines() if LOCKED in line or "Traceback" in line
        ]
        report(args, results, bg)


def _wait_for_commit(bg: Background) -> None:
    """Measure only once `run` is really committing updates of the live feed."""
    deadline = time.monotonic() + 60
    while bg.version < 2 and time.monotonic() < deadline:  # 1 = the version built in
        time.sleep(0.1)
    first = bg.version
    while bg.version == first and time.monotonic() < deadline:
        time.sleep(0.1)
    if bg.version == first:
        raise SystemExit("`feedvault run` committed no update of the live feed within 60 s")


def report(args: argparse.Namespace, results: dict[str, dict[str, float]], bg: Background) -> None:
    commits = sum(int(r["commits"]) for r in results.values())
    print(
        f"{args.entries:,} entries; {args.clients} client threads, {args.seconds:.0f} s per "
        f"page, while `feedvault run` committed {commits} updates of a {LIVE_ITEMS}-item feed "
        f"(every item edited each time; {bg.checks} consistency reads)"
    )
    print(
        f"{'page':12} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} {'locked':>7} "
        f"{'commits':>8}"
    )
    for name, r in results.items():
        print(
            f"{name:12} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} "
            f"{int(r['errors']):7d} {int(r['locked']):7d} {int(r['commits']):8d}"
        )
    print(
        "(static file: /static/app.js from the same server, the baseline of the framework "
        "without the database)"
    )
    print("background problems:", bg.problems[:5] or "none")
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"web-{args.entries}.json").write_text(
        json.dumps(
            {
                "entries": args.entries,
                "clients": args.clients,
                "seconds": args.seconds,
                "results": results,
                "live_fetches": bg.fetches,
                "consistency_reads": bg.checks,
                "problems": bg.problems[:20],
            },
            indent=2,
        )
    )
    if bg.problems or any(r["errors"] for r in results.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
