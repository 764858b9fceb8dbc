"""Conditional GET, 304/410/429/503 and the other statuses a poller must act on."""

from __future__ import annotations

import email.utils
import socket
import time

import pytest
from fetch_loopback import Request, Server, respond

from feedvault.errors import FetchError
from feedvault.fetch import Fetcher, RetryLater
from feedvault.fetch.result import RETRY_AFTER_CAP, parse_retry_after

FEED = b"<rss><channel><title>t</title></channel></rss>"
ETAG = '"v1"'
MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"


@pytest.fixture
def conditional(server: Server) -> Server:
    @server.route("/feed")
    def feed(request: Request, conn: socket.socket) -> None:
        same = request.headers.get("if-none-match") == ETAG or (
            request.headers.get("if-modified-since") == MODIFIED
        )
        headers = {"ETag": ETAG, "Last-Modified": MODIFIED, "Content-Type": "application/rss+xml"}
        respond(conn, 304 if same else 200, headers, b"" if same else FEED)

    return server


def test_conditional_get_with_etag(conditional: Server, fetcher: Fetcher) -> None:
    first = fetcher.fetch(conditional.url("/feed"))
    assert (first.status, first.content, first.not_modified) == (200, FEED, False)
    assert (first.etag, first.last_modified) == (ETAG, MODIFIED)
    assert first.content_type == "application/rss+xml"

    again = fetcher.fetch(conditional.url("/feed"), etag=first.etag)
    assert (again.status, again.content, again.not_modified) == (304, b"", True)
    assert conditional.requests[1].headers["if-none-match"] == ETAG
    assert "if-modified-since" not in conditional.requests[1].headers


def test_conditional_get_with_last_modified(conditional: Server, fetcher: Fetcher) -> None:
    again = fetcher.fetch(conditional.url("/feed"), last_modified=MODIFIED)
    assert again.not_modified
    stale = fetcher.fetch(conditional.url("/feed"), etag='"old"')
    assert stale.content == FEED and not stale.not_modified


def test_304_with_a_body_ignores_the_body(server: Server, fetcher: Fetcher) -> None:
    @server.route("/feed")
    def rude(request: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 304 Not Modified\r\nETag: \"v2\"\r\n\r\n" + b"junk" * 10000)
        server.hold()  # and keep the connection open, as if more were coming

    result = fetcher.fetch(server.url("/feed"), etag='"v2"')  # waiting would time out
    assert result.not_modified and result.content == b"" and result.etag == '"v2"'
    assert server.active == 1  # answered while the server still held the connection


def test_410_gone_is_a_result(server: Server, fetcher: Fetcher) -> None:
    server.routes["/feed"] = lambda r, c: respond(c, 410, {}, b"this feed is no more")
    result = fetcher.fetch(server.url("/feed"))
    assert result.gone and result.status == 410 and result.content == b""
    assert not result.not_modified


def test_429_with_huge_retry_after_is_capped(server: Server, fetcher: Fetcher) -> None:
    server.routes["/feed"] = lambda r, c: respond(c, 429, {"Retry-After": "999999999"}, b"")
    with pytest.raises(RetryLater) as caught:
        fetcher.fetch(server.url("/feed"))
    assert len(server.requests) == 1  # the client did not wait to retry by itself
    assert caught.value.status == 429
    assert caught.value.retry_after == RETRY_AFTER_CAP == 86400
    assert caught.value.url == server.url("/feed")
    assert "retry after 86400s" in str(caught.value)


def test_503_with_an_http_date(server: Server, fetcher: Fetcher) -> None:
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    server.routes["/feed"] = lambda r, c: respond(c, 503, {"Retry-After": when}, b"")
    with pytest.raises(RetryLater) as caught:
        fetcher.fetch(server.url("/feed"))
    assert caught.value.status == 503
    assert caught.value.retry_after is not None and 110 < caught.value.retry_after <= 120


def test_503_without_retry_after(server: Server, fetcher: Fetcher) -> None:
    server.routes["/feed"] = lambda r, c: respond(c, 503, {}, b"busy")
    with pytest.raises(RetryLater) as caught:
        fetcher.fetch(server.url("/feed"))
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500, 502])
def test_error_statuses(status: int, server: Server, fetcher: Fetcher) -> None:
    server.routes["/feed"] = lambda r, c: respond(c, status, {}, b"nope")
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/feed"))
    assert caught.value.status == status
    assert str(caught.value).startswith(f"HTTP {status} ")
    assert not isinstance(caught.value, RetryLater)


def test_redirect_without_location_is_an_error(server: Server, fetcher: Fetcher) -> None:
    server.routes["/feed"] = lambda r, c: respond(c, 302, {}, b"")
    with pytest.raises(FetchError, match="HTTP 302"):
        fetcher.fetch(server.url("/feed"))


def test_request_headers_name_feedvault(server: Server, fetcher: Fetcher) -> None:
    server.routes["/feed"] = lambda r, c: respond(c, 200, {}, FEED)
    result = fetcher.fetch(server.url("/feed"))
    headers = server.requests[0].headers
    assert headers["user-agent"].startswith("feedvault/")
    assert "application/atom+xml" in headers["accept"]
    assert headers["accept-encoding"] == "gzip, deflate, br"
    assert "cookie" not in headers
    assert result.elapsed > 0


def test_cookies_are_not_kept_between_feeds(server: Server, fetcher: Fetcher) -> None:
    server.routes["/feed"] = lambda r, c: respond(c, 200, {"Set-Cookie": "id=1; Path=/"}, FEED)
    fetcher.fetch(server.url("/feed"))
    fetcher.fetch(server.url("/feed"))
    assert "cookie" not in server.requests[1].headers


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0), ("0", 0.0), (" 7 ", 7.0), ("9" * 40, 86400.0), ("-5", None),
    ("soon", None), ("", None), (None, None),
    ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
])
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds
