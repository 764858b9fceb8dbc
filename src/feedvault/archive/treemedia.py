"""The images of an exported tree (``export markdown --media``): files and offline HTML.

A git mirror of the tree is read where the origin may be unreachable (or must not learn who
reads), so its HTML refers only to files in the tree: every image archived is copied to
``media/<sha[:2]>/<sha>.<ext>`` (once; the extension from the sniffed type) and its ``<img>``
points there by a relative path; every other image becomes the web app's placeholder (alt
text, why, a link to the origin: media/rewrite.py), never an ``<img>`` loading the origin.

The exported HTML is the item's raw HTML, not the cleaned one the web app rewrites, so it
first gets what cleaning would have given the rewrite: each ``<img src>`` made absolute
against the item's link (looking past lazy-loading placeholders, as clean/links.py does),
and the other ways to load an image from elsewhere (``srcset``, ``<source>``) dropped. Only
those start tags change; every other byte is kept.
"""

from __future__ import annotations

import html as htmllib
import mimetypes
import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from typing import Final

from feedvault.media.model import MediaLink
from feedvault.media.rewrite import Lookup, link_lookup, rewrite_images
from feedvault.urls import is_http, resolve, strip_tracking

__all__ = ["MEDIA_DIR", "media_name", "offline_html"]

MEDIA_DIR: Final = "media"
_EXT: Final = {
    "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
    "image/svg+xml": "svg", "image/avif": "avif", "image/apng": "png", "image/bmp": "bmp",
    "image/x-icon": "ico", "image/vnd.microsoft.icon": "ico", "image/tiff": "tif",
    "video/mp4": "mp4", "video/webm": "webm", "audio/mpeg": "mp3", "audio/mp4": "m4a",
    "text/html": "html",
}
_LAZY_SRC: Final = ("data-src", "data-original", "data-lazy-src", "data-actualsrc", "data-url")
_DROPPED: Final = frozenset({"srcset", "sizes", "data-srcset", "data-lazy-srcset", *_LAZY_SRC})
_FAST_NO: Final = re.compile(r"<(?:img|source)\b", re.IGNORECASE)
_ATTR_NAME: Final = re.compile(r"[a-z_:][-a-z0-9_:.]*")
_C0_SPACE: Final = "".join(map(chr, range(0x21)))


def media_name(sha: str, mime: str | None) -> str:
    """The file's path in the tree, relative to its root: ``media/ab/abcd....png``."""
    return f"{MEDIA_DIR}/{sha[:2]}/{sha}.{extension(mime)}"


def extension(mime: str | None) -> str:
    kind = (mime or "").split(";")[0].strip().lower()
    known = _EXT.get(kind) or (mimetypes.guess_extension(kind) or "").lstrip(".")
    return known if known.isalnum() else "bin"


def offline_html(
    html: str,
    base: str | None,
    links: Iterable[MediaLink],
    href: Callable[[MediaLink], str | None],
) -> str:
    """``html`` whose images point at ``href(link)`` of their archived copies (None: the
    copy is not there after all, a placeholder then) and are placeholders otherwise."""
    found = _tolerant_lookup(links)
    hrefs: dict[str, str] = {}

    def lookup(src: str) -> MediaLink | None:
        link = found(src)
        if link is None or link.state != "ok" or not link.sha:
            return link
        target = href(link)
        if target is None:
            return MediaLink(
                link.url, link.kind, link.shown_as, "failed", None, None, None,
                "not in the media directory",
            )
        hrefs[link.sha] = target
        return link

    return rewrite_images(absolute_images(html, base), lookup, href=hrefs.__getitem__)


def _tolerant_lookup(links: Iterable[MediaLink]) -> Lookup:
    """By the URL as shown, else without tracking parameters (what cleaning may remove)."""
    every = list(links)
    exact = link_lookup(every)
    loose = link_lookup(
        MediaLink(_key(link.url), link.kind, link.shown_as and _key(link.shown_as),
                  link.state, link.sha, link.mime, link.size, link.error)
        for link in every
    )

    def lookup(src: str) -> MediaLink | None:
        return exact(src) or loose(_key(src))

    return lookup


def _key(url: str) -> str:
    try:
        return strip_tracking(url)
    except ValueError:
        return url


def absolute_images(html: str, base: str | None) -> str:
    """Each ``<img>`` with one absolute ``src`` and no other source; ``<source>`` tags gone;
    an image with no http(s) source at all left to its alt text."""
    if not html or _FAST_NO.search(html) is None:
        return html
    finder = _Finder()
    try:
        finder.feed(html)
        finder.close()
    except Exception:  # the tokenizer on hostile input: the rewrite after still runs
        return html
    starts = [0] + [m.end() for m in re.finditer("\n", html)]
    out: list[str] = []
    done = 0
    for (line, column), tag, attrs, raw in finder.found:
        offset = starts[line - 1] + column
        if html[offset:offset + len(raw)] != raw or offset < done:
            return html  # the tokenizer lost count: change nothing rather than guess
        out.append(html[done:offset])
        out.append("" if tag == "source" else _img(attrs, base))
        done = offset + len(raw)
    out.append(html[done:])
    return "".join(out)


Attrs = list[tuple[str, str | None]]


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[tuple[int, int], str, Attrs, str]] = []

    def handle_starttag(self, tag: str, attrs: Attrs) -> None:
        if tag in ("img", "source"):
            self.found.append((self.getpos(), tag, attrs, self.get_starttag_text() or ""))

    def handle_startendtag(self, tag: str, attrs: Attrs) -> None:
        self.handle_starttag(tag, attrs)


def _img(attrs: Attrs, base: str | None) -> str:
    values = dict(attrs)
    src = (values.get("src") or "").strip()
    if not src or src.startswith("data:"):
        src = next((values[n] or "" for n in _LAZY_SRC if (values.get(n) or "").strip()), src)
    src = src.strip(_C0_SPACE)
    if src.startswith("//") and not base:
        src = "https:" + src
    elif src and not src.startswith("data:"):
        src = resolve(base, src) or src
    if not (is_http(src) or src.startswith("data:")):
        alt = (values.get("alt") or "").strip()
        return f'<span class="media-missing">{htmllib.escape(alt)}</span>' if alt else ""
    kept = [(k, src if k == "src" else v) for k, v in attrs if k not in _DROPPED]
    if "src" not in values:
        kept.insert(0, ("src", src))
    parts = ["<img"]
    for name, value in kept:
        if _ATTR_NAME.fullmatch(name):
            parts.append(f" {name}" if value is None else f' {name}="{htmllib.escape(value)}"')
    return "".join(parts) + ">"
