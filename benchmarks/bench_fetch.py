"""Update 1,000 and 10,000 feeds served by a local HTTP server: 200s, 304s and a mix.

    python benchmarks/bench_fetch.py [--sizes 1000,10000] [--quick] [--out FILE]

The server runs in its own process (this script with ``--serve``), so its CPU is not
counted as feedvault's; it listens on loopback only. Each measured round runs in a fresh
worker process (``--worker``) so that its CPU time and peak memory are its own. feedvault's
default policy allows 2 requests per host and 16 in all, and every feed here would be on one
host, so the server also listens on 127.0.0.2..127.0.0.9 and feeds are spread over those
eight hosts (16 in flight, as with eight real sites); a one-host run (127.0.0.1) shows the
per-host limit at work. The baseline is plain sequential httpx GETs of the same documents
(no parsing, no storage), to show what fetch + parse + store costs on top of a raw client.
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
# the corpus-derived items show real images on public hosts: never archive them here
os.environ["FEEDVAULT_MEDIA"] = "0"
CORPUS = ROOT / ".." / "shared" / "corpus" / "feeds"
HOSTS = tuple(f"127.0.0.{i}" for i in range(2, 10))  # eight hosts for eight "sites"
ONE_HOST = ("127.0.0.1",)
ITEMS = 10  # items per feed document
CHANGED_EVERY = 10  # the mixed round changes one feed in ten
EPOCH = 1_700_000_000
Row = dict[str, Any]


# ---- the documents the server serves ----------------------------------------------------


def item_pool() -> list[tuple[str, str]]:
    """(title, HTML) of corpus items, Chinese and English interleaved, bodies cut short."""
    from feedvault.errors import FeedvaultError
    from feedvault.parse import parse_feed

    by_lang: list[list[tuple[str, str]]] = []
    for lang in ("zh", "en"):
        items: list[tuple[str, str]] = []
        for path in sorted((CORPUS / lang).glob("*.xml")):
            try:
                entries = parse_feed(path.read_bytes()).entries
            except FeedvaultError:
                continue
            items += [(e.title, _short(e.content_html)) for e in entries if e.title]
        by_lang.append([i for i in items if i[1]])
    zh, en = by_lang
    rounds = range(max(len(zh), len(en)))
    return [pair for k in rounds for pair in (zh[k % len(zh)], en[k % len(en)])]


def _short(html: str, limit: int = 800) -> str:
    """At most ``limit`` characters, cut at a paragraph end so the markup stays whole."""
    if len(html) <= limit:
        return html
    cut = html.rfind("</p>", 0, limit)
    return html[: cut + 4] if cut > 0 else ""


class FeedSet:
    """N feeds, each at a version; a new version adds one item and changes the ETag."""

    def __init__(self, count: int, pool: list[tuple[str, str]]) -> None:
        self.version = [0] * count
        self.pool = pool

    def etag(self, n: int) -> str:
        return f'"f{n}-v{self.version[n]}"'

    def last_modified(self, n: int) -> str:
        return email.utils.formatdate(EPOCH + n + self.version[n] * 3600, usegmt=True)

    def body(self, n: int) -> bytes:
        v = self.version[n]
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
            f"<title>基准源 bench feed {n}</title><link>https://bench.example.org/{n}/</link>",
            "<description>feedvault fetch benchmark</description>",
        ]
        for k in range(v + ITEMS - 1, v - 1, -1):  # newest first
            title, html = self.pool[(n * 7 + k) % len(self.pool)]
            when = email.utils.formatdate(EPOCH + n + k * 3600, usegmt=True)
            out.append(
                f"<item><title>{escape(title)} ({n}.{k})</title>"
                f"<link>https://bench.example.org/{n}/a/{k}.html</link>"
                f'<guid isPermaLink="false">bench-{n}-{k}</guid><pubDate>{when}</pubDate>'
                f"<description>{escape(html)}</description></item>"
            )
        out.append("</channel></rss>\n")
        return "\n".join(out).encode()

    def bump(self, every: int) -> int:
        for n in range(0, len(self.version), every):
            self.version[n] += 1
        return len(range(0, len(self.version), every))


# ---- the server (its own process) -------------------------------------------------------


def _respond(feeds: FeedSet, stats: Counter[str], target: str, headers: dict[str, str]) -> bytes:
    path = urlsplit(target).path
    query = parse_qs(urlsplit(target).query)
    extra: dict[str, str] = {}
    body = b""
    if path.startswith("/feeds/") and path.endswith(".xml"):
        n = int(path[7:-4])
        etag, modified = feeds.etag(n), feeds.last_modified(n)
        extra = {"ETag": etag, "Last-Modified": modified}
        inm, ims = headers.get("if-none-match"), headers.get("if-modified-since")
        fresh = (etag in inm) if inm else ims == modified
        status = 304 if fresh else 200
        if status == 200:
            body = feeds.body(n)
            extra["Content-Type"] = "application/rss+xml; charset=utf-8"
    elif path == "/_bump":
        status, body = 200, json.dumps(feeds.bump(int(query["every"][0]))).encode()
    elif path == "/_stats":  # counts since the last call
        status, body = 200, json.dumps(dict(stats)).encode()
        stats.clear()
        return _head(status, extra, body) + body
    else:
        status = 404
    stats[str(status)] += 1
    return _head(status, extra, body) + body


def _head(status: int, extra: dict[str, str], body: bytes) -> bytes:
    reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    if status == 304:
        lines.pop()
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _serve(count: int, hosts: list[str]) -> None:
    feeds, stats = FeedSet(count, item_pool()), Counter[str]()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                target = head[0].split(" ")[1]
                headers = {}
                for line in head[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                writer.write(_respond(feeds, stats, target, headers))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    first = await asyncio.start_server(handle, hosts[0], 0, backlog=1024)
    port = first.sockets[0].getsockname()[1]
    servers = [first] + [
        await asyncio.start_server(handle, h, port, backlog=1024) for h in hosts[1:]
    ]
    print(port, flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def serve_main(count: int, hosts: list[str]) -> None:
    """Serve until the parent closes our stdin (so no server outlives a crashed run)."""
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    asyncio.run(_serve(count, hosts))


@dataclass
class Server:
    count: int
    hosts: tuple[str, ...]
    proc: subprocess.Popen[str] = field(init=False)
    port: int = field(init=False)

    def __enter__(self) -> Server:
        cmd = [sys.executable, __file__, "--serve", str(self.count), ",".join(self.hosts)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)

    def url(self, n: int) -> str:
        return f"http://{self.hosts[n % len(self.hosts)]}:{self.port}/feeds/{n}.xml"

    def control(self, what: str) -> Any:
        import httpx

        url = f"http://{self.hosts[0]}:{self.port}/{what}"
        return httpx.get(url, trust_env=False, timeout=30).json()


# ---- measured rounds (each in its own worker process) -----------------------------------


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_feedvault(db: str) -> Row:
    """One ``vault.update()`` of every feed, as ``feedvault update`` would run it."""
    os.environ["FEEDVAULT_ALLOW_NETWORKS"] = "127.0.0.0/8"  # before the vault reads settings
    os.environ["FEEDVAULT_CONFIG"] = db + ".none.toml"  # no user config file
    from feedvault import open_vault

    with open_vault(db) as vault:
        before = vault.store.count_entries()
        base_mb = _maxrss_mb()
        cpu0, t0 = _cpu(), time.perf_counter()
        results = vault.update()
        wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
        stored = vault.store.count_entries() - before
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "requests": len(results),
        "new_entries": stored,
        "statuses": dict(Counter(r.status for r in results)),
        "errors": sorted({r.error or "" for r in results if r.error})[:3],
        "base_rss_mb": base_mb,
        "peak_rss_mb": _maxrss_mb(),
    }


def worker_baseline(urls: list[str], control: str) -> list[Row]:
    """The same three rounds with one plain httpx client, one GET after another."""
    import httpx

    validators: dict[str, tuple[str, str]] = {}
    rows: list[Row] = []
    with httpx.Client(trust_env=False, timeout=30) as client:
        for phase in ("first", "unchanged", "mixed"):
            if phase == "mixed":
                client.get(f"{control}/_bump?every={CHANGED_EVERY}")
            statuses: Counter[str] = Counter()
            cpu0, t0 = _cpu(), time.perf_counter()
            for url in urls:
                etag, modified = validators.get(url, ("", ""))
                headers = {"If-None-Match": etag, "If-Modified-Since": modified} if etag else {}
                response = client.get(url, headers=headers)
                statuses[str(response.status_code)] += 1
                if response.status_code == 200:
                    validators[url] = (response.headers["etag"], response.headers["last-modified"])
            wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
            rows.append(
                {
                    "phase": phase,
                    "wall_s": wall,
                    "cpu_s": cpu,
                    "requests": len(urls),
                    "statuses": dict(statuses),
                    "new_entries": None,
                    "peak_rss_mb": _maxrss_mb(),
                }
            )
    return rows


def _run_worker(*args: str) -> Any:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


# ---- the parent: set up, run, tabulate --------------------------------------------------


def make_vault(db: Path, server: Server) -> float:
    """A vault with one feed per served document, added through the store (no fetch)."""
    os.environ["FEEDVAULT_CONFIG"] = str(db) + ".none.toml"
    from feedvault import open_vault
    from feedvault.store import FeedSpec

    t0 = time.perf_counter()
    with open_vault(str(db)) as vault:
        for n in range(server.count):
            vault.store.add_feed(FeedSpec(f"f{n}", f"bench feed {n}", server.url(n)))
    return time.perf_counter() - t0


def run_feedvault(count: int, hosts: tuple[str, ...], label: str, tmp: Path) -> list[Row]:
    rows: list[Row] = []
    with Server(count, hosts) as server:
        db = tmp / f"{label}-{count}.db"
        setup_s = make_vault(db, server)
        for phase in ("first", "unchanged", "mixed"):
            if phase == "mixed":
                server.control(f"_bump?every={CHANGED_EVERY}")
            server.control("_stats")
            load = os.getloadavg()[0]
            row = _run_worker("feedvault", str(db))
            row |= {
                "loadavg_1m": load,
                "config": label,
                "hosts": len(hosts),
                "feeds": count,
                "phase": phase,
                "server": server.control("_stats"),
                "setup_s": setup_s,
            }
            rows.append(row)
            print(_line(row), file=sys.stderr, flush=True)
    return rows


def run_baseline(count: int) -> list[Row]:
    with Server(count, HOSTS) as server:
        control = f"http://{HOSTS[0]}:{server.port}"
        load = os.getloadavg()[0]
        rows: list[Row] = _run_worker("baseline", str(count), control, str(server.port))
    for row in rows:
        row |= {
            "loadavg_1m": load,
            "config": "httpx sequential",
            "hosts": len(HOSTS),
            "feeds": count,
        }
        print(_line(row), file=sys.stderr, flush=True)
    return rows


def _derive(row: Row) -> Row:
    row["requests_per_s"] = row["requests"] / row["wall_s"]
    row["cpu_ms_per_request"] = 1000 * row["cpu_s"] / row["requests"]
    new = row.get("new_entries")
    row["entries_per_s"] = None if new is None else new / row["wall_s"]
    return row


HEADER = (
    f"{'config':<18}{'feeds':>7} {'round':<10}{'wall s':>8}{'req/s':>8}{'entries':>9}"
    f"{'ent/s':>8}{'CPU s':>8}{'CPU ms/req':>11}{'RSS MiB':>9}  statuses"
)


def _line(row: Row) -> str:
    row = _derive(row)
    eps = "-" if row["entries_per_s"] is None else f"{row['entries_per_s']:.0f}"
    new = "-" if row["new_entries"] is None else str(row["new_entries"])
    statuses = ",".join(f"{k}:{v}" for k, v in sorted(row["statuses"].items()))
    return (
        f"{row['config']:<18}{row['feeds']:>7} {row['phase']:<10}{row['wall_s']:>8.2f}"
        f"{row['requests_per_s']:>8.0f}{new:>9}{eps:>8}{row['cpu_s']:>8.2f}"
        f"{row['cpu_ms_per_request']:>11.3f}{row['peak_rss_mb']:>9.1f}  {statuses}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000", help="feed counts, comma-separated")
    ap.add_argument("--quick", action="store_true", help="300 feeds only")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "fetch.json")
    args = ap.parse_args()
    sizes = [300] if args.quick else [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-fetch-") as tmp:
        for count in sizes:
            rows += run_feedvault(count, HOSTS, "feedvault 8 hosts", Path(tmp))
        rows += run_feedvault(min(sizes), ONE_HOST, "feedvault 1 host", Path(tmp))
        rows += run_baseline(min(min(sizes), 1000))
    print(HEADER)
    for row in rows:
        print(_line(row))
    summary = {
        "rows": [_derive(r) for r in rows],
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "total_s": time.perf_counter() - started,
        "parent_maxrss_mb": _maxrss_mb(),
        "peak_phase_rss_mb": max(r["peak_rss_mb"] for r in rows),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"total {summary['total_s']:.0f}s; wrote {args.out}")


def _dispatch() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve_main(int(sys.argv[2]), sys.argv[3].split(","))
    elif sys.argv[1:3] == ["--worker", "feedvault"]:
        print(json.dumps(worker_feedvault(sys.argv[3])))
    elif sys.argv[1:3] == ["--worker", "baseline"]:
        count, control, port = int(sys.argv[3]), sys.argv[4], sys.argv[5]
        urls = [f"http://{HOSTS[n % len(HOSTS)]}:{port}/feeds/{n}.xml" for n in range(count)]
        print(json.dumps(worker_baseline(urls, control)))
    else:
        main()


if __name__ == "__main__":
    _dispatch()
