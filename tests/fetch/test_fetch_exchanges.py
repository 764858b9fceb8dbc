"""Every hop's HTTP exchange is kept as it went over the wire, for true WARC records."""

from __future__ import annotations

import gzip
import json
import socket

import pytest
from fetch_loopback import Request, Server, redirect, respond

from feedvault.errors import FetchError
from feedvault.fetch import Fetcher, RetryLater
from feedvault.fetch.result import HttpExchange, exchanges_from_json, exchanges_json

FEED = b"<rss><channel><title>t</title></channel></rss>"


def _feed_with_cookies(request: Request, conn: socket.socket) -> None:
    body = gzip.compress(FEED)
    head = (
        "HTTP/1.1 200 Fine Thanks\r\n"
        "Content-Type: application/rss+xml\r\n"
        "Set-Cookie: a=1\r\n"
        "X-Mixed-Case: v\r\n"
        "Set-Cookie: b=2\r\n"
        "Content-Encoding: gzip\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    conn.sendall(head.encode("latin-1") + body)


def test_redirect_chain_keeps_every_hop(server: Server, fetcher: Fetcher) -> None:
    server.routes["/a"] = redirect(server.url("/b"), 301)
    server.routes["/b"] = redirect("/feed", 302)
    server.routes["/feed"] = _feed_with_cookies

    result = fetcher.fetch(server.url("/a"), etag='"e1"')

    assert result.content == FEED  # the body is stored decoded
    hops = result.exchanges
    assert [ex.url for ex in hops] == [server.url("/a"), server.url("/b"), server.url("/feed")]
    assert [ex.status for ex in hops] == [301, 302, 200]
    assert [ex.reason for ex in hops] == ["X", "X", "Fine Thanks"]
    assert {ex.http_version for ex in hops} == {"HTTP/1.1"}
    assert dict(hops[0].response_headers)["Location"] == server.url("/b")
    assert dict(hops[1].response_headers)["Location"] == "/feed"

    final = hops[-1].response_headers
    assert [v for k, v in final if k == "Set-Cookie"] == ["a=1", "b=2"]  # both, in order
    names = [k for k, _ in final]
    assert names.index("Set-Cookie") < names.index("X-Mixed-Case") < names.index("Content-Encoding")
    assert ("Content-Encoding", "gzip") in final  # as received, though the body is decoded


def test_request_headers_are_the_ones_sent(server: Server, fetcher: Fetcher) -> None:
    server.routes["/a"] = redirect("/feed")
    server.routes["/feed"] = _feed_with_cookies

    result = fetcher.fetch(server.url("/a"), etag='"e1"', last_modified="Mon, 1 Jan 2024")

    for exchange, seen in zip(result.exchanges, server.requests, strict=True):
        sent = {k.lower(): v for k, v in exchange.request_headers}
        assert sent == seen.headers  # exactly what arrived at the server, nothing more
        assert sent["if-none-match"] == '"e1"'
        assert sent["host"] == f"127.0.0.1:{server.port}"
        assert sent["user-agent"] == fetcher.policy.user_agent


def test_not_modified_keeps_its_exchange(server: Server, fetcher: Fetcher) -> None:
    server.routes["/feed"] = lambda r, c: c.sendall(
        b'HTTP/1.1 304 Not Modified\r\nETag: "v"\r\nConnection: close\r\n\r\n'
    )
    result = fetcher.fetch(server.url("/feed"), etag='"v"')
    assert result.not_modified
    assert [(ex.status, ex.reason) for ex in result.exchanges] == [(304, "Not Modified")]


def test_exchanges_round_trip_through_json(server: Server, fetcher: Fetcher) -> None:
    server.routes["/a"] = redirect("/feed")
    server.routes["/feed"] = _feed_with_cookies
    hops = fetcher.fetch(server.url("/a")).exchanges

    text = exchanges_json(hops)
    assert text is not None
    assert exchanges_from_json(text) == hops
    stored = json.loads(text)["exchanges"][1]
    assert set(stored) == {
        "url", "status", "reason", "http_version", "request_headers", "response_headers",
    }
    assert ["Set-Cookie", "b=2"] in stored["response_headers"]
    assert HttpExchange.from_json(stored) == hops[1]
    assert exchanges_json(()) is None and exchanges_from_json(None) == ()


def test_an_error_status_carries_the_hops(server: Server, fetcher: Fetcher) -> None:
    server.routes["/a"] = redirect("/gone")
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/a"))
    assert caught.value.status == 404
    assert [(ex.url, ex.status) for ex in caught.value.exchanges] == [
        (server.url("/a"), 302), (server.url("/gone"), 404),
    ]
    server.routes["/busy"] = lambda r, c: respond(c, 503, {"Retry-After": "5"}, b"")
    with pytest.raises(RetryLater) as busy:
        fetcher.fetch(server.url("/busy"))
    assert [ex.status for ex in busy.value.exchanges] == [503]


def test_the_hop_url_is_the_one_sent(server: Server, fetcher: Fetcher) -> None:
    """A non-ASCII link is requested percent-encoded: the exchange (and so a WARC record's
    target and request line) says what went over the wire."""
    server.routes["/%E6%96%B0%E9%97%BB/1"] = lambda r, c: respond(c, 200, {}, b"")
    result = fetcher.fetch(server.url("/新闻/1?q=中"), accept="*/*")
    [hop] = result.exchanges
    assert hop.url == server.url("/%E6%96%B0%E9%97%BB/1?q=%E4%B8%AD")
    assert server.requests[0].path == "/%E6%96%B0%E9%97%BB/1?q=%E4%B8%AD"
