"""Helpers for the operations tests: a loopback feed site, a named PostgreSQL connection and
its killing, and a TCP proxy in front of PostgreSQL that can be taken down (an outage)."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, urlunsplit

import psycopg

from fv_loopback import serving

PG_SERVER = os.environ.get("FEEDVAULT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ITEMS = 3


def rss(n: int) -> bytes:
    items = "".join(
        f"<item><title>Feed {n} item {i}</title><link>http://127.0.0.1/f{n}/{i}</link>"
        f"<guid>f{n}-i{i}</guid><pubDate>Mon, 0{i + 1} Jan 2024 10:00:00 GMT</pubDate>"
        f"<description>Body of item {i} of feed {n}</description></item>"
        for i in range(ITEMS)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
        f"<link>http://127.0.0.1/f{n}</link>{items}</channel></rss>"
    ).encode()


class FeedSite:
    """/f<n> serves feed n; ``before(path, hits)`` runs before each answer (a kill, say)."""

    def __init__(self, before: Callable[[str, Counter[str]], None] | None = None) -> None:
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                with site.lock:
                    site.hits[self.path] += 1
                    if before is not None:
                        before(self.path, site.hits)
                body = rss(int(self.path.strip("/").removeprefix("f")))
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/f{n}"


@contextmanager
def feed_site(before: Callable[[str, Counter[str]], None] | None = None) -> Iterator[FeedSite]:
    site = FeedSite(before)
    with serving(site.httpd):
        yield site


def app_name() -> str:
    return "fvops_" + uuid.uuid4().hex[:12]


def named(url: str, name: str) -> str:
    """``url`` whose connections show as ``name`` in pg_stat_activity."""
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def kill(name: str) -> int:
    """Terminate every backend of ``name`` (what a client sees when the server restarts:
    AdminShutdown); how many there were. Never the shared server itself."""
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = %s",
            (name,),
        ).fetchall()
    return sum(1 for r in rows if r[0])


class PgProxy:
    """A TCP proxy on 127.0.0.1 in front of PostgreSQL. ``down()`` drops every connection
    and refuses new ones (the server restarting), ``up()`` serves again on the same port."""

    def __init__(self) -> None:
        parts = urlsplit(PG_SERVER)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.conns: list[socket.socket] = []
        self.serving = True
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, base: str) -> str:
        """``base`` (a PG_SERVER-like URL with options) through this proxy."""
        parts = urlsplit(base)
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) > 1
                                         else host))

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if not self.serving:
                    client.close()
                    continue
                try:
                    server = socket.create_connection(self.target)
                except OSError:
                    client.close()
                    continue
                self.conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        with self.lock:
            self.serving = False
            conns, self.conns = self.conns, []
        for s in conns:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def up(self) -> None:
        with self.lock:
            self.serving = True

    def close(self) -> None:
        self.down()
        self.listener.close()
