"""Many feeds at once: per-host politeness, global concurrency, results on the caller's thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest
from fetch_loopback import Request, Server, policy, respond

from feedvault.errors import FetchError
from feedvault.fetch import Fetcher, FetchRequest, FetchResult

FEED = b"<rss/>"


def slow_feed(seconds: float = 0.03) -> Callable[[Request, socket.socket], None]:
    def handler(request: Request, conn: socket.socket) -> None:
        time.sleep(seconds)
        respond(conn, 200, {}, FEED)
    return handler


def collect(
    fetcher: Fetcher, requests: list[FetchRequest], **kwargs: object
) -> list[tuple[FetchRequest, FetchResult | FetchError, str]]:
    seen: list[tuple[FetchRequest, FetchResult | FetchError, str]] = []

    def on_done(request: FetchRequest, outcome: FetchResult | FetchError) -> None:
        seen.append((request, outcome, threading.current_thread().name))

    fetcher.fetch_many(requests, on_done, **kwargs)  # type: ignore[arg-type]
    return seen


def test_fifty_requests_to_one_host_never_more_than_two_at_once(server: Server) -> None:
    # Count a request as active until its response starts: the server's own counter also
    # spans writing the last bytes, during which the client may already send its next request.
    lock = threading.Lock()
    active = peak = 0

    def counted(request: Request, conn: socket.socket) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.03)
        with lock:
            active -= 1
        respond(conn, 200, {}, FEED)

    server.routes["/feed"] = counted
    requests = [FetchRequest(server.url(f"/feed?n={n}"), key=n) for n in range(50)]
    with Fetcher(policy(per_host=2, concurrency=16)) as fetcher:
        seen = collect(fetcher, requests)
    assert peak == 2
    assert len(server.requests) == 50
    assert sorted(r.key for r, _, _ in seen) == list(range(50))  # type: ignore[type-var]
    assert all(isinstance(o, FetchResult) and o.content == FEED for _, o, _ in seen)
    assert {name for _, _, name in seen} == {threading.current_thread().name}


def test_global_concurrency_across_hosts(make_server: Callable[..., Server]) -> None:
    servers = [make_server(f"127.0.0.{n}") for n in (1, 2, 3, 4)]
    lock = threading.Lock()
    active = peak = 0
    per_host: dict[str, int] = {}
    per_host_peak: dict[str, int] = {}

    def counted(request: Request, conn: socket.socket) -> None:
        nonlocal active, peak
        host = conn.getsockname()[0]
        with lock:
            active += 1
            peak = max(peak, active)
            per_host[host] = per_host.get(host, 0) + 1
            per_host_peak[host] = max(per_host_peak.get(host, 0), per_host[host])
        time.sleep(0.03)
        with lock:
            active -= 1
            per_host[host] -= 1
        respond(conn, 200, {}, FEED)

    for s in servers:
        s.routes["/feed"] = counted
    requests = [FetchRequest(s.url(f"/feed?n={n}")) for n in range(10) for s in servers]
    with Fetcher(policy(per_host=3, concurrency=5)) as fetcher:
        seen = collect(fetcher, requests)
    assert len(seen) == 40
    assert peak == 5
    assert len(per_host_peak) == 4 and max(per_host_peak.values()) <= 3


def test_errors_are_delivered_and_the_rest_still_fetched(server: Server) -> None:
    server.routes["/ok"] = slow_feed(0)
    server.routes["/missing"] = lambda r, c: respond(c, 404, {}, b"")
    requests = [
        FetchRequest(server.url("/ok"), key="a"),
        FetchRequest(server.url("/missing"), key="b"),
        FetchRequest("ftp://127.0.0.1/x", key="c"),
        FetchRequest(server.url("/ok"), etag='"x"', key="d"),
    ]
    with Fetcher(policy()) as fetcher:
        outcomes = {r.key: o for r, o, _ in collect(fetcher, requests)}
    assert isinstance(outcomes["a"], FetchResult) and isinstance(outcomes["d"], FetchResult)
    assert isinstance(outcomes["b"], FetchError) and outcomes["b"].status == 404
    assert isinstance(outcomes["c"], FetchError) and "only http" in str(outcomes["c"])
    assert any(r.headers.get("if-none-match") == '"x"' for r in server.requests)


def test_stop_lets_requests_in_flight_finish_and_starts_no_more(server: Server) -> None:
    server.routes["/feed"] = slow_feed(0.1)
    stop = threading.Event()
    done: list[FetchResult | FetchError] = []

    def on_done(request: FetchRequest, outcome: FetchResult | FetchError) -> None:
        done.append(outcome)
        stop.set()

    requests = [FetchRequest(server.url(f"/feed?n={n}")) for n in range(20)]
    with Fetcher(policy(per_host=2)) as fetcher:
        fetcher.fetch_many(requests, on_done, stop=stop)
    assert len(done) == 2  # the two in flight when the first finished
    assert all(isinstance(o, FetchResult) for o in done)
    assert len(server.requests) == 2


def test_an_exception_in_on_done_propagates_after_in_flight_finish(server: Server) -> None:
    server.routes["/feed"] = slow_feed(0.05)

    def on_done(request: FetchRequest, outcome: FetchResult | FetchError) -> None:
        raise RuntimeError("storage is down")

    requests = [FetchRequest(server.url(f"/feed?n={n}")) for n in range(20)]
    with Fetcher(policy(per_host=2)) as fetcher, pytest.raises(RuntimeError):
        fetcher.fetch_many(requests, on_done)
    assert len(server.requests) == 2
