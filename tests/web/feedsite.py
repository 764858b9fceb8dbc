"""A loopback HTTP server of feed documents the tests change as they go (127.0.0.1 only)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
    thread = threading.Thread(
        target=site.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield site
    finally:
        site.httpd.shutdown()
        site.httpd.server_close()
