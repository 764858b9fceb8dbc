"""export_tree with media: the archived images copied into the tree, the HTML pointing only
at files in the tree (placeholders for the rest), every file written once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html

from feedvault.archive import ExportFeed, ExportItem, export_tree, render_item
from feedvault.archive.treemedia import extension, media_name
from feedvault.media.files import DirectoryMediaFiles
from feedvault.media.model import MediaLink

START = datetime(2024, 2, 1, 4, 0, tzinfo=UTC)
SITE = "http://127.0.0.1:9"
PNG = b"\x89PNG\r\n\x1a\n fake but distinct png"
JPEG = b"\xff\xd8\xff\xe0 fake jpeg bytes"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
LOST = b"recorded as archived, but its file is gone"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ok(url: str, data: bytes, mime: str, shown_as: str | None = None) -> MediaLink:
    kind = "srcset" if shown_as else "img"
    return MediaLink(url, kind, shown_as, "ok", sha(data), mime, len(data), None)


def not_ok(url: str, state: str, error: str | None) -> MediaLink:
    return MediaLink(url, "img", None, state, None, None, None, error)


RAW_1 = (
    '<p>Flood <img src="/img/a.png" alt="The river"></p>\n'
    '<p><img src="small.jpg" srcset="small.jpg 300w, big.jpg 1200w" sizes="50vw"></p>\n'
    '<p><img data-src="/img/lazy.svg" src="data:image/gif;base64,R0lGOD" alt="lazy"></p>\n'
    '<picture><source srcset="/img/hero.webp" type="image/webp">'
    f'<img src="{SITE}/img/a.png?utm_source=rss"></picture>\n'
    '<p><img src="/img/404.png" alt="Missing map"> '
    '<a href="/x"><img src="/img/later.png"></a></p>\n'
    '<p><img src="/img/lost.png" alt="lost"> '
    '<img src="data:image/png;base64,iVBOR" alt="inline"></p>'
)
LINKS_1 = [
    ok(f"{SITE}/img/a.png", PNG, "image/png"),
    ok(f"{SITE}/news/big.jpg", JPEG, "image/jpeg", shown_as=f"{SITE}/news/small.jpg"),
    ok(f"{SITE}/img/lazy.svg", SVG, "image/svg+xml"),
    not_ok(f"{SITE}/img/404.png", "failed", "HTTP 404"),
    not_ok(f"{SITE}/img/later.png", "pending", None),
    ok(f"{SITE}/img/lost.png", LOST, "image/png"),
]
RAW_2 = '<p>Same photo again <img src="http://127.0.0.1:9/img/a.png"></p>'


def items() -> list[ExportItem]:
    return [
        ExportItem(1, "Flood", f"{SITE}/news/1.html", START, RAW_1, LINKS_1),
        ExportItem(2, "Again", f"{SITE}/news/2.html", START + timedelta(hours=1), RAW_2,
                   [ok(f"{SITE}/img/a.png", PNG, "image/png")]),
        ExportItem(3, "Plain", f"{SITE}/news/3.html", START + timedelta(hours=2), "<p>None</p>"),
    ]


def media_dir(tmp_path: Path) -> DirectoryMediaFiles:
    files = DirectoryMediaFiles(tmp_path / "vault.media")
    for data in (PNG, JPEG, SVG):
        files.put(data)
    return files


def exported(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text("utf-8")
        for p in sorted((root / "articles").rglob("*.md"))
    }


def test_the_tree_refers_only_to_files_in_the_tree(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    stats = export_tree(root, [ExportFeed("news", "News", items())], media=media_dir(tmp_path))
    assert (stats.written, stats.media) == (3, 3)  # a.png once for two items; lost.png absent
    shown: set[str] = set()
    for name, text in exported(root).items():
        body = text.split("------\n\n", 1)[1]
        doc = lxml.html.fragment_fromstring(body, create_parent="div")
        for img in doc.iter("img"):
            src = img.get("src") or ""
            assert not img.get("srcset") and not img.get("data-src"), name
            if src.startswith("data:"):
                continue
            assert "://" not in src and not src.startswith("/"), (name, src)
            target = ((root / name).parent / src).resolve()
            assert target.is_file() and root.resolve() in target.parents, (name, src)
            shown.add(target.relative_to(root.resolve()).as_posix())
        assert not list(doc.iter("source")), name
    assert shown == {
        media_name(sha(PNG), "image/png"),
        media_name(sha(JPEG), "image/jpeg"),
        media_name(sha(SVG), "image/svg+xml"),
    }
    for data, mime in ((PNG, "image/png"), (JPEG, "image/jpeg"), (SVG, "image/svg+xml")):
        assert (root / media_name(sha(data), mime)).read_bytes() == data


def test_images_not_archived_are_placeholders_linking_the_origin(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    export_tree(root, [ExportFeed("news", "News", items())], media=media_dir(tmp_path))
    text = (root / "articles" / "news" / "1048575.md").read_text("utf-8")
    doc = lxml.html.fragment_fromstring(text.split("------\n\n", 1)[1], create_parent="div")
    missing = doc.find_class("media-missing")
    assert [m.find_class("media-missing-alt")[0].text for m in missing if m.find_class(
        "media-missing-alt")] == ["Missing map", "lost"]
    origins = [a.get("href") for a in doc.find_class("media-missing-link")]
    assert origins == [f"{SITE}/img/404.png", f"{SITE}/img/lost.png"]
    assert "HTTP 404" in text and "not in the media directory" in text
    # the placeholder inside a link does not nest another link
    [inside] = [a for a in doc.iter("a") if a.get("href") == "/x"]
    assert not list(inside.iter("img")) and not inside.find_class("media-missing-link")
    assert '<p>Flood <img src="../../media/' in text  # other bytes as they were


def test_a_second_export_copies_and_rewrites_nothing(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    files = media_dir(tmp_path)
    export_tree(root, [ExportFeed("news", "News", items())], media=files)
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    stats = export_tree(root, [ExportFeed("news", "News", items())], media=files)
    assert (stats.written, stats.updated, stats.unchanged, stats.media) == (0, 0, 3, 0)
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()} == before


def test_without_media_the_files_are_the_duty_machine_bytes(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    export_tree(root, [ExportFeed("news", "News", items())])
    first = items()[0]
    assert (root / "articles" / "news" / "1048575.md").read_bytes() == render_item(
        first.title, first.link, first.published, first.html
    ).encode("utf-8")
    assert not (root / "media").exists()


def test_extensions_come_from_the_sniffed_type() -> None:
    assert [extension(m) for m in ("image/jpeg", "image/svg+xml", "image/webp", None, "x/?")] == [
        "jpg", "svg", "webp", "bin", "bin"
    ]
