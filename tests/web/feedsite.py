"""A loopback HTTP server of feed documents the tests change as they go (127.0.0.1 only)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fv_loopback import serving


class FeedSite:
    """path -> (status, content type, body); anything else is a 404."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                status, kind, body = site.routes.get(self.path, (404, "text/plain", b"gone"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def feed(self, path: str, xml: str) -> str:
        self.routes[path] = (200, "application/rss+xml", xml.encode())
        return self.url(path)


@contextmanager
def feed_site() -> Iterator[FeedSite]:
    site = FeedSite()
    with serving(site.httpd):
        yield site
