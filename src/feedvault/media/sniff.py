"""What downloaded bytes really are, whatever the server claimed.

A Content-Type is the origin's word and often wrong: an HTML error page served as
``image/jpeg`` with status 200, a login wall, a CDN's placeholder. The type is read from the
bytes themselves (magic numbers; SVG by its XML root element, read without entities or
network); the size of raster images from their header through Pillow (``Image.open`` reads
the header only, nothing is decoded). What a reference needs and the bytes are not is
*skipped* with a one-line reason, and so are 1x1 (or 0x0) images, which are tracking pixels.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

IMAGE_KINDS = frozenset({"img", "srcset", "source", "poster"})

_RASTER = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp",
    "image/x-icon",
}  # fmt: skip
_ISO_AUDIO = (b"M4A ", b"M4B ", b"M4P ", b"F4A ")
_HTML_START = re.compile(
    rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|title|meta|script|div|p|h1)\b",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Sniffed:
    """The verdict on some bytes: ``mime`` when they are kept, else ``reason`` says why not."""

    mime: str | None
    width: int | None = None
    height: int | None = None
    reason: str | None = None  # one line, set when the bytes are skipped

    @property
    def kept(self) -> bool:
        return self.reason is None


def magic_type(data: bytes) -> str | None:
    """The type the bytes' signature says, or None when they have no signature we know."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return _iso_type(head)
    if head.startswith(b"BM") and len(head) >= 26:
        return "image/bmp"
    if head.startswith(b"\x00\x00\x01\x00") and len(head) >= 6 and head[4:6] != b"\x00\x00":
        return "image/x-icon"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return _text_type(data)


def _iso_type(head: bytes) -> str:
    """An ISO base media file (the ``ftyp`` box): AVIF images, MP4 audio or video."""
    size = int.from_bytes(head[:4], "big")
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, min(size, len(head)), 4)]
    if any(b in (b"avif", b"avis") for b in brands):
        return "image/avif"
    if head[8:12] in _ISO_AUDIO:
        return "audio/mp4"
    return "video/mp4"


def _text_type(data: bytes) -> str | None:
    """SVG (the XML root element is ``svg``) or HTML, from text bytes; else None."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return None
    if _svg_root(data):
        return "image/svg+xml"
    if _HTML_START.match(head):
        return "text/html"
    return None


def _svg_root(data: bytes) -> bool:
    """True when the first element of the XML document is ``svg`` (any namespace). No
    entity is expanded and nothing is loaded, so a hostile SVG costs only a parse start."""
    from lxml import etree

    try:
        events = etree.iterparse(
            io.BytesIO(data), events=("start",), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False,
        )
        for _event, element in events:
            return bool(etree.QName(element).localname == "svg")
    except (etree.LxmlError, ValueError):
        return False
    return False


def _claimed(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower() or "no type"


def sniff(data: bytes, content_type: str | None = None, *, kind: str = "img") -> Sniffed:
    """Judge bytes downloaded for a reference of ``kind`` (see model.REF_KINDS).

    Images (``img``, ``srcset``, ``source``, ``poster``) must be images; an ``enclosure``
    may be an image, audio or video; a ``page`` must be HTML.
    """
    claimed = _claimed(content_type)
    if not data:
        return Sniffed(None, reason=f"empty body (served as {claimed})")
    mime = magic_type(data)
    wanted = (
        "an HTML page" if kind == "page"
        else "audio, video or an image" if kind == "enclosure"
        else "an image"
    )  # fmt: skip
    if mime is None:
        return Sniffed(None, reason=f"not {wanted}: unknown bytes served as {claimed}")
    if not _fits(mime, kind):
        return Sniffed(None, reason=f"not {wanted}: {mime} served as {claimed}")
    if mime in _RASTER:
        return _raster(data, mime)
    if mime == "image/svg+xml":
        return Sniffed(mime, *_svg_size(data))
    return Sniffed(mime)


def _fits(mime: str, kind: str) -> bool:
    if kind == "page":
        return mime == "text/html"
    if kind == "enclosure":
        return mime.startswith(("image/", "audio/", "video/"))
    return mime.startswith("image/")


def _raster(data: bytes, mime: str) -> Sniffed:
    """Width and height from the header; 1x1 and 0x0 are tracking pixels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        return Sniffed(mime)  # huge dimensions: kept as bytes, never decoded here
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        if mime == "image/avif":  # a Pillow built without AVIF: the signature is enough
            return Sniffed(mime)
        return Sniffed(None, reason=f"damaged {mime}: {str(exc).splitlines()[0][:120]}")
    return _sized(mime, width, height)


def _sized(mime: str, width: int | None, height: int | None) -> Sniffed:
    if width is not None and height is not None and width <= 1 and height <= 1:
        return Sniffed(None, width, height, reason=f"{width}x{height} tracking pixel")
    return Sniffed(mime, width, height)


_LENGTH = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$")


def _svg_size(data: bytes) -> tuple[int | None, int | None]:
    """The root's width/height when given in pixels (else None: an SVG scales)."""
    from lxml import etree

    try:
        for _event, element in etree.iterparse(
            io.BytesIO(data), events=("start",), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False,
        ):
            sizes = []
            for name in ("width", "height"):
                found = _LENGTH.match(element.get(name) or "")
                sizes.append(int(float(found.group(1))) if found else None)
            return sizes[0], sizes[1]
    except (etree.LxmlError, ValueError):
        pass
    return None, None
