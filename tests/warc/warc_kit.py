"""A small news site on loopback and a vault that archived it, for the WARC/WACZ tests.

The site: a feed behind a 301 (served gzip-encoded, with two Set-Cookie headers), an item
showing a PNG and a JPEG behind a 302, whose link redirects (302) to the article page (kept
as a snapshot) with a third image only the page shows; all on 127.0.0.1 (conftest.py's ``archived``
updates a vault from it with media archiving and snapshots on).
"""

from __future__ import annotations

import gzip
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image

from feedvault.media.files import MediaFiles
from feedvault.vault import Vault

Route = tuple[int, list[tuple[str, str]], bytes]


def image(kind: str, size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind)
    return out.getvalue()


PNG = image("PNG", (40, 30), (200, 30, 30))
JPEG = image("JPEG", (50, 20), (30, 200, 30))
PAGE_PNG = image("PNG", (24, 24), (30, 30, 200))


@dataclass
class Site:
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    feed_bytes: bytes = b""  # the feed document as the vault stores it (decoded)

    def __post_init__(self) -> None:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                site.hits.append(self.path)
                status, headers, body = site.routes.get(
                    self.path, (404, [("Content-Type", "text/plain")], b"not found")
                )
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def news_site() -> Site:
    site = Site()
    u = site.url
    article = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Article one</title></head>"
        f"<body><h1>Article one</h1><p>The text of the article.</p>"
        f"<img id='a' src='{u('/img/a.png')}' alt='red'>"
        "<img id='b' src='/img/old.jpg' alt='green'>"
        "<img id='c' src='/img/page.png' alt='blue'></body></html>"
    ).encode()
    description = (
        f"&lt;p&gt;Item one&lt;/p&gt;&lt;img src=\"{u('/img/a.png')}\"&gt;"
        f"&lt;img src=\"{u('/img/old.jpg')}\"&gt;"
    )
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>News</title><link>{u('/')}</link>"
        f"<item><title>Item one</title><link>{u('/go/1')}</link>"
        f"<guid>{u('/go/1')}</guid><description>{description}</description>"
        "<pubDate>Sat, 03 Feb 2024 09:34:00 GMT</pubDate></item>"
        "</channel></rss>"
    ).encode()
    site.routes.update({
        "/feed": (301, [("Location", u("/feed.xml"))], b""),
        "/feed.xml": (200, [
            ("Content-Type", "application/rss+xml; charset=utf-8"),
            ("Set-Cookie", "a=1; Path=/"),
            ("Content-Encoding", "gzip"),
            ("Set-Cookie", "b=2; Path=/"),
        ], gzip.compress(feed)),
        "/img/a.png": (200, [("Content-Type", "image/png")], PNG),
        "/img/old.jpg": (302, [("Location", "/img/b.jpg")], b""),
        "/img/b.jpg": (200, [("Content-Type", "image/jpeg")], JPEG),
        "/img/page.png": (200, [("Content-Type", "image/png")], PAGE_PNG),
        "/go/1": (302, [("Location", "/article/1")], b""),  # a tracking redirect
        "/article/1": (200, [("Content-Type", "text/html; charset=utf-8")], article),
    })
    site.feed_bytes = feed
    return site


@contextmanager
def running_site() -> Iterator[Site]:
    site = news_site()
    try:
        yield site
    finally:
        site.close()


@dataclass
class Archived:
    vault: Vault
    files: MediaFiles
    site: Site
    db: str
    tmp: Path
