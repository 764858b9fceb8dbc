"""sniff: the real type from the bytes, sizes from the header, what is skipped and why."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from feedvault.media.sniff import Sniffed, magic_type, sniff


def _save(fmt: str, size: tuple[int, int] = (30, 20), mode: str = "RGB", **opts: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, fmt, **opts)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"),
        ("WEBP", "image/webp"), ("BMP", "image/bmp"), ("ICO", "image/x-icon"),
        ("AVIF", "image/avif"),
    ],
)
def test_raster_images_with_their_sizes(fmt: str, mime: str) -> None:
    data = _save(fmt, (30, 20) if fmt != "ICO" else (32, 32))
    found = sniff(data, "application/octet-stream")
    assert found.mime == mime and found.kept
    assert (found.width, found.height) == ((30, 20) if fmt != "ICO" else (32, 32))


def test_what_the_server_claims_does_not_matter() -> None:
    assert sniff(_save("PNG"), "image/jpeg").mime == "image/png"
    assert sniff(_save("PNG"), None).mime == "image/png"


def test_an_html_page_served_as_an_image_is_skipped() -> None:
    page = b"<!DOCTYPE html><html><body>Not found</body></html>"
    found = sniff(page, "image/jpeg; charset=utf-8")
    assert found == Sniffed(None, reason="not an image: text/html served as image/jpeg")
    assert sniff(b"  \n<html><p>x", "image/png").reason == (
        "not an image: text/html served as image/png"
    )


def test_unknown_and_empty_bytes_are_skipped() -> None:
    assert sniff(b"just some text", "image/png").reason == (
        "not an image: unknown bytes served as image/png"
    )
    assert sniff(b"", "image/png").reason == "empty body (served as image/png)"


def test_tracking_pixels_are_skipped() -> None:
    found = sniff(_save("GIF", (1, 1), "P"), "image/gif")
    assert not found.kept and found.reason == "1x1 tracking pixel"
    assert sniff(_save("PNG", (1, 2)), "image/png").kept  # a 1x2 line is not a pixel


def test_a_damaged_image_is_skipped() -> None:
    found = sniff(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image/png")
    assert not found.kept and found.reason is not None and found.reason.startswith(
        "damaged image/png"
    )


def test_svg_by_its_root_element_with_its_size() -> None:
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64px" height="48">'
    svg += b"<script>alert(1)</script></svg>"
    assert sniff(svg, "text/plain") == Sniffed("image/svg+xml", 64, 48)
    bare = b'<svg viewBox="0 0 10 10"><rect/></svg>'
    assert sniff(bare, None) == Sniffed("image/svg+xml", None, None)
    not_svg = b'<?xml version="1.0"?><rss><channel/></rss>'
    assert sniff(not_svg, "image/svg+xml").reason == (
        "not an image: unknown bytes served as image/svg+xml"
    )


def test_an_svg_with_entities_is_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>'
    )
    assert sniff(bomb, "image/svg+xml").mime == "image/svg+xml"


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video/mp4"),
        (b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom", "audio/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", "video/webm"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x00" + b"\x00" * 20, "audio/mpeg"),
        (b"OggS\x00\x02" + b"\x00" * 20, "audio/ogg"),
    ],
)
def test_enclosure_types(head: bytes, mime: str) -> None:
    assert magic_type(head) == mime
    assert sniff(head, "application/octet-stream", kind="enclosure") == Sniffed(mime)
    assert sniff(head, mime, kind="img").reason == f"not an image: {mime} served as {mime}"


def test_pages_must_be_html() -> None:
    page = b"<!doctype html><title>Story</title><p>text"
    assert sniff(page, "text/html", kind="page") == Sniffed("text/html")
    assert sniff(_save("PNG"), "text/html", kind="page").reason == (
        "not an HTML page: image/png served as text/html"
    )
