"""One `update` over well-behaved and hostile servers: the good feeds are stored, each bad one
gets its own one-line error, and the run ends within the fetch deadline."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Callable

from fetch_loopback import TIMEOUT, Request, Server, ok, redirect, respond

from feedvault.config import Settings
from feedvault.vault import open_vault


def _rss(name: str) -> bytes:
    return (
        f'<rss version="2.0"><channel><title>{name}</title><link>https://e.org/</link>'
        f"<item><title>{name} story</title><link>https://e.org/{name}</link>"
        "<description>text</description></item></channel></rss>"
    ).encode()


def _drip(server: Server) -> Callable[[Request, socket.socket], None]:
    """A body that drips one byte a second for 30 s (until the test closes the server)."""

    def drip(request: Request, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n<rss")
        for _ in range(30):
            if server.pause(1):
                return
            conn.sendall(b" ")

    return drip


def _bomb(request: Request, conn: socket.socket) -> None:
    body = gzip.compress(b"\0" * (64 * 1024 * 1024), 9)
    respond(conn, 200, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}, body)


def test_bad_servers_do_not_spoil_the_run(db_url: str, make_server: object) -> None:
    server = make_server()  # type: ignore[operator]
    assert isinstance(server, Server)
    server.routes.update(
        {
            "/good1": ok(_rss("good1")),
            "/good2": ok(_rss("good2")),
            "/drip": _drip(server),
            "/bomb": _bomb,
            "/html": ok(b"<html><body>not a feed</body></html>", "text/html"),
            "/loop": redirect("/loop"),
        }
    )
    settings = Settings(
        db=db_url, allow_networks=("127.0.0.0/8",), fetch_timeout=TIMEOUT, max_bytes=1024 * 1024
    )
    with open_vault(settings.db, settings=settings) as vault:
        for name in ("good1", "good2", "drip", "bomb", "html", "loop"):
            vault.add_feed(server.url(f"/{name}"), slug=name, update=False)
        # the drip would take 30 s: the update ending with its timeout error, while the
        # drip not yet over, is what shows that the run ended at the fetch deadline
        results = {r.slug: r for r in vault.update()}
        assert results["good1"].new == 1 and results["good2"].new == 1
        for bad in ("drip", "bomb", "html", "loop"):
            result = results[bad]
            assert result.status == "error" and result.error, bad
            assert result.error.startswith(f"{bad}: ") and "\n" not in result.error
            feed = vault.feed(bad)
            assert feed.last_error and feed.entry_count == 0 and feed.error_count == 1
        assert "deadline" in results["drip"].error or "time" in results["drip"].error
        assert [e.title for e in vault.entries("good2")] == ["good2 story"]
