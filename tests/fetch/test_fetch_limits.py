"""Hostile and broken servers: every fetch ends by the deadline, within the byte cap."""

from __future__ import annotations

import gzip
import socket
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import brotli
import pytest
from fetch_loopback import CAP, TIMEOUT, Request, Server, redirect, reset, respond

from feedvault.errors import FetchError
from feedvault.fetch import Fetcher

BOMB_SIZE = 64 * 1024 * 1024  # decompressed; 64 times the cap (bigger ones only pack slower)


def _zeros(total: int) -> Iterator[bytes]:
    block = b"\0" * (4 * 1024 * 1024)
    for _ in range(total // len(block)):
        yield block


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join(packer.compress(b) for b in _zeros(BOMB_SIZE)) + packer.flush()


@pytest.fixture(scope="module")
def brotli_bomb() -> bytes:
    packer = brotli.Compressor(quality=5)
    return bytes(b"".join(packer.process(b) for b in _zeros(BOMB_SIZE)) + packer.finish())


def outcome_of(fetch: Callable[[], object]) -> BaseException | object:
    try:
        return fetch()
    except FetchError as exc:
        return exc


def expect_error(fetcher: Fetcher, url: str, words: str) -> FetchError:
    """The fetch ends with this error. The servers below never finish on their own before
    the deadline (they stall until the test closes them), so a fetch that waited for them
    instead of its deadline gets a different outcome, not just a later one."""
    outcome = outcome_of(lambda: fetcher.fetch(url))
    assert isinstance(outcome, FetchError), outcome
    assert words in str(outcome), str(outcome)
    assert outcome.url == url
    return outcome


# --- time ---


def test_slow_drip_body_ends_at_the_deadline(server: Server, fetcher: Fetcher) -> None:
    sent = 0

    @server.route("/drip")
    def drip(request: Request, conn: socket.socket) -> None:
        nonlocal sent
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):  # 100 x 0.25 s: whole only long after the deadline
            conn.sendall(b"x")
            sent += 1
            if server.pause(0.25):
                return

    expect_error(fetcher, server.url("/drip"), f"timed out after {TIMEOUT:g}s")
    assert sent >= 3, sent  # it kept reading through the server's pauses before giving up


def test_slow_drip_headers_end_at_the_deadline(server: Server, fetcher: Fetcher) -> None:
    @server.route("/drip")
    def drip(request: Request, conn: socket.socket) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 100:
            conn.sendall(bytes([byte]))
            if server.pause(0.3):
                return

    expect_error(fetcher, server.url("/drip"), "timed out")


def test_silent_server_ends_at_the_deadline(server: Server, fetcher: Fetcher) -> None:
    server.routes["/silent"] = lambda request, conn: server.hold()
    expect_error(fetcher, server.url("/silent"), "timed out")
    assert server.active == 1  # the server was still silent when the client gave up


def test_the_deadline_is_total_across_redirects(server: Server, fetcher: Fetcher) -> None:
    def slow_redirect(request: Request, conn: socket.socket) -> None:
        if server.pause(0.8):  # each hop is well under the deadline, together they are not
            return
        respond(conn, 302, {"Location": f"/hop?n={len(server.requests)}"})

    server.routes["/hop"] = slow_redirect
    expect_error(fetcher, server.url("/hop"), "timed out after 2s")
    assert len(server.requests) == 3


# --- size ---


def test_endless_body_stops_at_the_cap(server: Server, fetcher: Fetcher) -> None:
    @server.route("/endless")
    def endless(request: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n")  # no length
        while True:
            conn.sendall(b"<item/>" * 4096)

    expect_error(fetcher, server.url("/endless"), f"exceeds the {CAP}-byte cap")


def test_endless_chunked_body_stops_at_the_cap(server: Server, fetcher: Fetcher) -> None:
    @server.route("/chunked")
    def chunked(request: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        while True:
            conn.sendall(b"8000\r\n" + b"a" * 0x8000 + b"\r\n")

    expect_error(fetcher, server.url("/chunked"), "too large")


def test_huge_content_length_is_refused_before_reading(server: Server, fetcher: Fetcher) -> None:
    @server.route("/huge")
    def huge(request: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\nabc")
        server.hold()  # a reader that waited for the body would time out instead

    outcome = outcome_of(lambda: fetcher.fetch(server.url("/huge")))
    assert isinstance(outcome, FetchError)
    assert "Content-Length 99999999999999 exceeds" in str(outcome)
    assert server.active == 1  # refused while the server still held the connection


def test_a_body_under_the_cap_is_returned_whole(server: Server, fetcher: Fetcher) -> None:
    body = b"<rss>" + b"x" * (CAP - 11) + b"</rss>"
    server.routes["/big"] = lambda r, c: respond(c, 200, {"Content-Encoding": "gzip"},
                                                 gzip.compress(body))
    assert fetcher.fetch(server.url("/big")).content == body


def serve_bomb(server: Server, path: str, bomb: bytes, encoding: str) -> None:
    server.routes[path] = lambda r, c: respond(c, 200, {"Content-Encoding": encoding}, bomb)


def peak_memory(fetch: Callable[[], object]) -> tuple[object, int]:
    tracemalloc.start()
    try:
        outcome = outcome_of(fetch)
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["gzip", "br", "deflate"])
def test_bombs_are_refused_with_bounded_memory(
    kind: str, server: Server, fetcher: Fetcher, gzip_bomb: bytes, brotli_bomb: bytes
) -> None:
    bombs = {"gzip": gzip_bomb, "br": brotli_bomb, "deflate": zlib.compress(b"\0" * 64 * CAP)}
    serve_bomb(server, "/bomb", bombs[kind], kind)
    outcome, peak = peak_memory(lambda: fetcher.fetch(server.url("/bomb")))
    assert isinstance(outcome, FetchError)
    assert "too large" in str(outcome) and "after decompression" in str(outcome)
    assert peak < 4 * CAP, f"peak {peak} bytes"


def test_bomb_behind_a_redirect(server: Server, fetcher: Fetcher, brotli_bomb: bytes) -> None:
    server.routes["/feed"] = redirect("/bomb", 301)
    serve_bomb(server, "/bomb", brotli_bomb, "br")
    outcome, peak = peak_memory(lambda: fetcher.fetch(server.url("/feed")))
    assert isinstance(outcome, FetchError) and "after decompression" in str(outcome)
    assert peak < 4 * CAP


def test_stacked_encodings_decode_and_bombs_in_them_are_refused(
    server: Server, fetcher: Fetcher, gzip_bomb: bytes
) -> None:
    feed = b"<rss><channel><title>t</title></channel></rss>"
    twice = gzip.compress(brotli.compress(feed))
    serve_bomb(server, "/two", twice, "br, gzip")
    assert fetcher.fetch(server.url("/two")).content == feed

    serve_bomb(server, "/bomb2", gzip.compress(gzip_bomb), "gzip, gzip")
    outcome, peak = peak_memory(lambda: fetcher.fetch(server.url("/bomb2")))
    assert isinstance(outcome, FetchError) and "too large" in str(outcome)
    assert peak < 4 * CAP

    serve_bomb(server, "/three", gzip.compress(gzip.compress(gzip.compress(feed))),
               "gzip, gzip, gzip")
    expect_error(fetcher, server.url("/three"), "3 stacked content encodings")


def test_corrupt_and_unknown_encodings(server: Server, fetcher: Fetcher) -> None:
    serve_bomb(server, "/corrupt", b"\x1f\x8b\x08\x00garbage-not-gzip" * 10, "gzip")
    expect_error(fetcher, server.url("/corrupt"), "corrupt gzip body")
    serve_bomb(server, "/zstd", b"whatever", "zstd")
    expect_error(fetcher, server.url("/zstd"), "unsupported content encoding 'zstd'")


def test_raw_deflate_without_zlib_header_is_accepted(server: Server, fetcher: Fetcher) -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = packer.compress(b"<feed/>") + packer.flush()
    serve_bomb(server, "/raw", raw, "deflate")
    assert fetcher.fetch(server.url("/raw")).content == b"<feed/>"


# --- broken connections ---


def test_reset_mid_body(server: Server, fetcher: Fetcher) -> None:
    @server.route("/reset")
    def half(request: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"<rss>" * 100)
        server.pause(0.05)  # a server that stalls mid-body, then crashes
        reset(conn)

    expect_error(fetcher, server.url("/reset"), "fetch failed")


def test_close_before_content_length_is_reached(server: Server, fetcher: Fetcher) -> None:
    @server.route("/short")
    def short(request: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<rss>")

    expect_error(fetcher, server.url("/short"), "fetch failed")


def test_nothing_listening(fetcher: Fetcher) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # a port nobody listens on
    expect_error(fetcher, f"http://127.0.0.1:{port}/", "fetch failed")


# --- redirects ---


def test_redirect_loop(server: Server, fetcher: Fetcher) -> None:
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a")
    expect_error(fetcher, server.url("/a"), "redirect loop")
    assert len(server.requests) == 2


def test_chain_of_eleven_redirects_is_too_many(server: Server, fetcher: Fetcher) -> None:
    for hop in range(11):
        server.routes[f"/r{hop}"] = redirect(f"/r{hop + 1}")
    server.routes["/r11"] = lambda r, c: respond(c, 200, {}, b"<rss/>")
    expect_error(fetcher, server.url("/r0"), "too many redirects (more than 10)")
    assert len(server.requests) == 11
    assert fetcher.fetch(server.url("/r1")).content == b"<rss/>"  # ten hops are fine


def test_permanent_redirect_only_when_every_hop_is_permanent(
    server: Server, fetcher: Fetcher
) -> None:
    server.routes["/old"] = redirect("/older", 301)
    server.routes["/older"] = redirect("/new", 308)
    server.routes["/moved-for-now"] = redirect("/older", 302)
    server.routes["/new"] = lambda r, c: respond(c, 200, {}, b"<rss/>")

    result = fetcher.fetch(server.url("/old"))
    assert result.permanent_redirect == server.url("/new") == result.final_url
    assert result.url == server.url("/old")

    temporary = fetcher.fetch(server.url("/moved-for-now"))
    assert temporary.final_url == server.url("/new")
    assert temporary.permanent_redirect is None
    assert fetcher.fetch(server.url("/new")).permanent_redirect is None


@pytest.mark.parametrize("url", [
    "ftp://127.0.0.1/feed", "file:///etc/passwd", "javascript:alert(1)", "gopher://127.0.0.1/",
])
def test_only_http_and_https(url: str, fetcher: Fetcher) -> None:
    expect_error(fetcher, url, "only http and https")


def test_redirect_to_another_scheme_is_refused(server: Server, fetcher: Fetcher) -> None:
    server.routes["/file"] = redirect("file:///etc/passwd")
    expect_error(fetcher, server.url("/file"), "only http and https")
