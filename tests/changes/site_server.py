"""A news site on loopback whose feed and article pages the tests rewrite between updates.

Binds 127.0.0.1 only; no test may send a packet anywhere else.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class Item:
    guid: str
    title: str
    path: str
    hours_ago: int
    body: str  # item HTML in the feed


@dataclass
class Site:
    pages: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                site.hits.append(self.path)
                status, headers, body = site.pages.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.page("/", "<h1>Front page</h1><p>Latest news from the example site.</p>")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def page(self, path: str, article_html: str) -> None:
        doc = (
            "<!doctype html><html><head><meta charset='utf-8'><title>x</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<article>{article_html}</article><footer>(c) Example News</footer></body></html>"
        )
        self.pages[path] = (200, {"Content-Type": "text/html; charset=utf-8"}, doc.encode())

    def status(self, path: str, code: int) -> None:
        self.pages[path] = (code, {"Content-Type": "text/plain"}, b"gone")

    def redirect(self, path: str, target: str, code: int = 301) -> None:
        self.pages[path] = (code, {"Location": target}, b"")

    def feed(self, items: list[Item], path: str = "/feed.xml") -> None:
        parts = [
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>',
            f"<title>Example News</title><link>{self.url('/')}</link>",
            "<description>test</description>",
        ]
        for it in items:
            when = format_datetime(T0 - timedelta(hours=it.hours_ago))
            parts.append(
                f'<item><guid isPermaLink="false">{it.guid}</guid>'
                f"<title>{escape(it.title)}</title><link>{escape(self.url(it.path))}</link>"
                f"<pubDate>{when}</pubDate><description>{escape(it.body)}</description></item>"
            )
        parts.append("</channel></rss>")
        xml = "".join(parts).encode()
        self.pages[path] = (200, {"Content-Type": "application/rss+xml"}, xml)
