"""A loopback news site with images, for the media tests (and the browser test of the web
rewrite): an RSS feed whose items show PNG, JPEG, WebP (through a srcset), GIF and SVG images,
a 1x1 tracking pixel, one image bigger than a small cap, a 404, an image behind a 302
redirect and an HTML error page served as image/jpeg. Every image is made here with Pillow,
so the bytes the vault should hold are known exactly. The server records every request path
(``requests``), so a test can assert what was, and was not, asked for; ``routes`` can be
changed while it runs (a 503 that heals), and ``stop()`` takes the origin away.
"""

from __future__ import annotations

import hashlib
import io
import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

Route = tuple[int, dict[str, str], bytes]

SMALL_CAP = 50_000  # a [media] max_file_bytes under which every image but big.png fits
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48">'
    b'<script>document.title = "svg script ran"</script>'
    b'<rect width="64" height="48" fill="#2a7"/></svg>'
)
ERROR_PAGE = b"<!DOCTYPE html><html><head><title>Oops</title></head><body>Error 500</body></html>"


def _image(fmt: str, size: tuple[int, int], color: tuple[int, int, int], **opts: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **opts)
    return out.getvalue()


def _noise_png(side: int) -> bytes:
    """Random pixels: a PNG that does not compress below ``side * side * 3`` bytes."""
    rng = random.Random(16)
    pixels = bytes(rng.randrange(256) for _ in range(side * side * 3))
    image = Image.frombytes("RGB", (side, side), pixels)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _pixel_gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (1, 1), 0).save(out, "GIF")
    return out.getvalue()


# path -> (content type, bytes) of what the origin serves with status 200
IMAGES: dict[str, tuple[str, bytes]] = {
    "/img/photo.png": ("image/png", _image("PNG", (40, 30), (200, 30, 30))),
    "/img/photo.jpg": ("image/jpeg", _image("JPEG", (48, 32), (30, 200, 30), quality=80)),
    "/img/small.webp": ("image/webp", _image("WEBP", (20, 15), (30, 30, 200))),
    "/img/large.webp": ("image/webp", _image("WEBP", (160, 120), (30, 30, 220))),
    "/img/anim.gif": ("image/gif", _image("GIF", (24, 24), (250, 200, 0))),
    "/img/drawing.svg": ("image/svg+xml", SVG),
    "/img/pixel.gif": ("image/gif", _pixel_gif()),
    "/img/big.png": ("image/png", _noise_png(160)),
    "/img/real.jpg": ("image/jpeg", _image("JPEG", (36, 36), (120, 60, 200), quality=85)),
    "/img/error.jpg": ("image/jpeg", ERROR_PAGE),  # not what it claims
}

# (title, HTML) of each item; paths are made absolute with the site's address
ITEMS: list[tuple[str, str]] = [
    ("Photos", '<p>Two photos</p><img src="/img/photo.png" alt="a red photo">'
               '<img src="/img/photo.jpg" alt="a green photo">'),
    ("Responsive", '<p>A responsive image</p><img src="/img/small.webp" alt="blue" '
                   'srcset="/img/small.webp 100w, /img/large.webp 800w">'),
    ("Drawings", '<p>A GIF and an SVG</p><img src="/img/anim.gif" alt="yellow">'
                 '<img src="/img/drawing.svg" alt="a drawing">'),
    ("Heavy", '<p>A pixel and a big one</p><img src="/img/pixel.gif" alt="">'
              '<img src="/img/big.png" alt="noise">'),
    ("Broken", '<p>What goes wrong</p><img src="/img/missing.png" alt="gone">'
               '<img src="/img/moved.jpg" alt="moved"><img src="/img/error.jpg" alt="error">'),
]


@dataclass(frozen=True)
class Expected:
    """What the archiver should make of one image URL path."""

    state: str  # ok | skipped | failed
    reason: str | None = None  # a part of the recorded one-line reason
    origin: str | None = None  # the path whose bytes are archived (a redirect's target)


# path as the feed shows it -> what should come of it, with SMALL_CAP as max_file_bytes
EXPECTED: dict[str, Expected] = {
    "/img/photo.png": Expected("ok"),
    "/img/photo.jpg": Expected("ok"),
    "/img/large.webp": Expected("ok"),  # the srcset's best candidate; small.webp never asked
    "/img/anim.gif": Expected("ok"),
    "/img/drawing.svg": Expected("ok"),
    "/img/pixel.gif": Expected("skipped", "1x1 tracking pixel"),
    "/img/big.png": Expected("skipped", "max_file_bytes"),
    "/img/missing.png": Expected("failed", "HTTP 404"),
    "/img/moved.jpg": Expected("ok", origin="/img/real.jpg"),
    "/img/error.jpg": Expected("skipped", "not an image: text/html served as image/jpeg"),
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class ImageSite:
    """The running site; ``url(path)`` is its absolute URL."""

    httpd: ThreadingHTTPServer
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def feed_url(self) -> str:
        return self.url("/feed.xml")

    def origin_bytes(self, path: str) -> bytes:
        """The bytes the origin serves for an image path (after its redirect)."""
        expected = EXPECTED.get(path)
        return IMAGES[(expected.origin if expected and expected.origin else path)][1]

    def image_paths(self) -> list[str]:
        """Every image path that was requested, in order."""
        with self.lock:
            return [p for p in self.requests if p.startswith("/img/")]

    def stop(self) -> None:
        """Take the origin away: nothing answers on its port any more."""
        if self.thread is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()
            self.thread = None


def feed_xml(site: ImageSite, items: list[tuple[str, str]] | None = None) -> bytes:
    """The RSS document of ``items`` (default ITEMS), image paths made absolute."""
    parts = []
    for n, (title, html) in enumerate(items if items is not None else ITEMS, 1):
        html = html.replace('"/img/', f'"{site.url("/img/")}').replace(
            ", /img/", f", {site.url('/img/')}"
        )
        parts.append(
            f"<item><title>{title}</title><link>{site.url(f'/story/{n}')}</link>"
            f"<guid>{site.url(f'/story/{n}')}</guid><description><![CDATA[{html}]]></description>"
            f"<pubDate>Sat, 0{n} Feb 2024 09:34:00 GMT</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Images</title>'
        f"<link>{site.url('/')}</link>{''.join(parts)}</channel></rss>"
    ).encode()


@contextmanager
def image_site() -> Iterator[ImageSite]:
    """The site, serving ITEMS' feed at /feed.xml, until the block ends (or ``stop()``)."""
    holder: list[ImageSite] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            site = holder[0]
            with site.lock:
                site.requests.append(self.path)
                site.hits[self.path] += 1
                status, headers, body = site.routes.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    site = ImageSite(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
    holder.append(site)
    for path, (ctype, data) in IMAGES.items():
        site.routes[path] = (200, {"Content-Type": ctype}, data)
    site.routes["/img/moved.jpg"] = (302, {"Location": "/img/real.jpg"}, b"")
    site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, feed_xml(site))
    site.thread = threading.Thread(
        target=site.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    site.thread.start()
    try:
        yield site
    finally:
        site.stop()
