"""How long the guarded paths take: the timings the tests no longer assert.

    python benchmarks/bench_limits.py

The tests check what these timings stood for (a fetch ends with a timeout error while the
server is still stalling, a refused body is refused while the server still holds the
connection, an over-long diff gives an exact size); this prints the seconds, so a slow
machine cannot fail a test and a regression still shows. Every server is on 127.0.0.1 and
the slow resolver is a stand-in: no packet leaves the machine. Expected: the deadline rows
close to the 2 s deadline (never much over), the others well under a second.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "fetch"))

from fetch_loopback import TIMEOUT, Request, Server, policy, respond  # noqa: E402

from feedvault.errors import FetchError  # noqa: E402
from feedvault.fetch import Fetcher, RetryLater, address  # noqa: E402


def seconds(work: Callable[[], object]) -> tuple[float, str]:
    """Wall time of ``work`` and how it ended (the error's first words, or "ok")."""
    start = time.perf_counter()
    try:
        work()
        outcome = "ok"
    except (FetchError, RetryLater) as exc:
        outcome = str(exc).split(":")[0]
    return time.perf_counter() - start, outcome


def fetch_rows(server: Server, fetcher: Fetcher) -> list[tuple[str, float, str]]:
    def drip(request: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            conn.sendall(b"x")
            if server.pause(0.25):
                return

    def slow_redirect(request: Request, conn: socket.socket) -> None:
        if not server.pause(0.8):
            respond(conn, 302, {"Location": f"/hop?n={len(server.requests)}"})

    def rude_304(request: Request, conn: socket.socket) -> None:
        conn.sendall(b'HTTP/1.1 304 Not Modified\r\nETag: "v2"\r\n\r\n' + b"junk" * 10000)
        server.hold()

    def huge(request: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\nabc")
        server.hold()

    server.routes.update({
        "/drip": drip, "/hop": slow_redirect, "/304": rude_304, "/huge": huge,
        "/silent": lambda request, conn: server.hold(),
        "/429": lambda r, c: respond(c, 429, {"Retry-After": "999999999"}, b""),
    })
    rows = []
    for label, path, etag in [
        ("silent server, until the deadline", "/silent", None),
        ("body dripping a byte per 0.25 s", "/drip", None),
        ("three redirects of 0.8 s each", "/hop", None),
        ("304 with a body, connection held", "/304", '"v2"'),
        ("Content-Length 99999999999999", "/huge", None),
        ("429 with a huge Retry-After", "/429", None),
    ]:
        took, outcome = seconds(partial(fetcher.fetch, server.url(path), etag=etag))
        rows.append((label, took, outcome))
    return rows


def dns_row() -> tuple[str, float, str]:
    release = threading.Event()

    def slow(host: str, port: int) -> list[str]:
        release.wait(60)
        return ["127.0.0.1"]

    real = address.resolve
    address.resolve = slow
    try:
        with Fetcher(policy()) as fetcher:
            took, outcome = seconds(lambda: fetcher.fetch("http://slow-dns.test/feed"))
    finally:
        release.set()
        address.resolve = real
    return "resolver that never answers", took, outcome


def cpu_rows() -> list[tuple[str, float, str]]:
    from feedvault.changes.diff import text_change
    from feedvault.parse import parse_feed

    lol = "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">' for i in range(10)
    )
    bomb = (f'<?xml version="1.0"?><!DOCTYPE rss [{lol}]><rss version="2.0"><channel>'
            "<title>&lol9;</title><item><title>t</title><description>&lol9;</description>"
            "</item></channel></rss>").encode()
    long_a = " ".join(f"word{i}" for i in range(20000))
    long_b = long_a.replace("word100 ", "changed ")
    return [
        ("billion laughs, parse_feed", *seconds(lambda: parse_feed(bomb))),
        ("20,000-word text, one word changed", *seconds(lambda: text_change(long_a, long_b))),
    ]


def main() -> None:
    server = Server()
    try:
        with Fetcher(policy()) as fetcher:
            rows = fetch_rows(server, fetcher)
    finally:
        server.close()
    rows += [dns_row(), *cpu_rows()]
    print(f"fetch deadline {TIMEOUT:g} s")
    for label, took, outcome in rows:
        print(f"{label:<40} {took:7.3f} s  {outcome}")


if __name__ == "__main__":
    main()
