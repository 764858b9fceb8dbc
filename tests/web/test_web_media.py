"""/media/<sha> and archived images in entry pages, the JSON API and Atom (both backends).

The vault's media rows are written through ``store.media`` as the archiver writes them (an
archived PNG, its larger srcset candidate and an SVG with a script, a 404, a tracking pixel,
one still pending, one never seen), so these tests look only at what the web app makes of
them.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from starlette.testclient import TestClient

from feedvault.config import MediaSettings, Settings, load_settings
from feedvault.media.model import MediaFile
from feedvault.media.refs import image_refs

ORIGIN = "http://127.0.0.1:9/img/"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
       b'<script>document.documentElement.setAttribute("data-ran", "1")</script>'
       b'<rect width="4" height="4" fill="red"/></svg>')
BODY = (
    f'<p>Pictures.</p><img src="{ORIGIN}photo.png" alt="A photo">'
    f'<img src="{ORIGIN}small.png" srcset="{ORIGIN}small.png 300w, {ORIGIN}large.png 900w">'
    f'<img src="{ORIGIN}drawing.svg" alt="A drawing"><img src="{ORIGIN}gone.png" alt="Gone">'
    f'<img src="{ORIGIN}pixel.gif" alt=""><img src="{ORIGIN}later.png" alt="Later">'
    f'<a href="{ORIGIN}full.jpg"><img src="{ORIGIN}never.png" alt="Never seen"></a>'
)
NOW = datetime(2026, 1, 2, tzinfo=UTC)
# as tests/web/conftest.py decides them (not imported: another directory's conftest may be
# the module named "conftest" when this file is collected)
BACKENDS = [b.strip() for b in os.environ.get("FEEDVAULT_TEST_BACKENDS", "sqlite,postgres")
            .split(",") if b.strip()]


def rss(title: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Pictures'
        "</title><link>http://127.0.0.1:9/</link><item><guid>p-1</guid>"
        f"<title>{title}</title><link>http://127.0.0.1:9/p-1</link>"
        f"<description>{escape(body)}</description>"
        "<pubDate>Mon, 02 Jun 2025 08:00:00 GMT</pubDate></item></channel></rss>"
    )


def png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@dataclass
class MediaVault:
    settings: Settings
    entry_id: int
    png: bytes
    png_sha: str
    large_sha: str
    svg_sha: str
    lost_sha: str  # in the catalog, not on disk


@pytest.fixture(scope="module", params=BACKENDS)
def media_vault(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_db: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[MediaVault]:
    from feedvault.vault import open_vault

    tmp = tmp_path_factory.mktemp("webmedia")
    with make_db(request.param, tmp) as db:
        settings = replace(load_settings(db), media=MediaSettings(enabled=False, dir=tmp / "m"))
        feed = tmp / "pics.xml"
        feed.write_text(rss("Pictures", BODY), "utf-8")
        with open_vault(db, settings=settings) as vault:
            vault.add_feed(str(feed), slug="pics", update=True)
            entry = vault.entries("pics", limit=None)[0]
            version = vault.entry(entry.id).versions[-1]
            media = vault.store.media
            refs = image_refs(version.raw_html, version.link, shown=version.content_html)
            media.link_version(version.id, entry.id,
                               [r for r in refs if not r.url.endswith("never.png")])
            ids = {t.url.rsplit("/", 1)[1]: t.url_id for t in media.due(NOW, limit=100)}
            files = vault.media_files
            photo, large = png(3, 2), png(9, 6)
            shas = {}
            for name, data, mime in [("photo.png", photo, "image/png"),
                                     ("large.png", large, "image/png"),
                                     ("drawing.svg", SVG, "image/svg+xml")]:
                sha = files.put(data)
                media.record_ok(ids[name], MediaFile(sha, len(data), mime), None, NOW)
                shas[name] = sha
            media.record_failed(ids["gone.png"], "HTTP 404", None, NOW, None)
            media.record_skipped(ids["pixel.gif"], "1x1 tracking pixel", None, NOW)
            lost = "0" * 64
            media.add_file(MediaFile(lost, 5, "image/png"), NOW)
            yield MediaVault(settings, entry.id, photo, shas["photo.png"], shas["large.png"],
                             shas["drawing.svg"], lost)


@pytest.fixture
def web(media_vault: MediaVault) -> Iterator[TestClient]:
    from feedvault.web import create_app

    with TestClient(create_app(settings=media_vault.settings), follow_redirects=False) as c:
        yield c


def assert_media_headers(headers: object, sha: str) -> None:
    assert isinstance(headers, dict) or hasattr(headers, "get")
    get = headers.get  # type: ignore[attr-defined]
    assert get("etag") == f'"{sha}"'
    assert get("cache-control") == "public, max-age=31536000, immutable"
    assert get("x-content-type-options") == "nosniff"
    csp = get("content-security-policy")
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "script" not in csp


def test_media_file_is_served_with_its_type_and_long_cache(
    web: TestClient, media_vault: MediaVault
) -> None:
    response = web.get(f"/media/{media_vault.png_sha}")
    assert response.status_code == 200
    assert response.content == media_vault.png
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(media_vault.png))
    assert_media_headers(response.headers, media_vault.png_sha)


def test_head_gives_the_headers_without_the_body(
    web: TestClient, media_vault: MediaVault
) -> None:
    response = web.head(f"/media/{media_vault.png_sha}")
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-length"] == str(len(media_vault.png))
    assert_media_headers(response.headers, media_vault.png_sha)


def test_a_byte_range_is_served(web: TestClient, media_vault: MediaVault) -> None:
    response = web.get(f"/media/{media_vault.png_sha}", headers={"range": "bytes=0-7"})
    assert response.status_code == 206
    assert response.content == media_vault.png[:8]  # the PNG signature
    assert response.headers["content-type"] == "image/png"


@pytest.mark.parametrize("tag", ['"{sha}"', 'W/"{sha}"', '"x", "{sha}"', "*"])
def test_if_none_match_gives_304(web: TestClient, media_vault: MediaVault, tag: str) -> None:
    sha = media_vault.png_sha
    response = web.get(f"/media/{sha}", headers={"if-none-match": tag.format(sha=sha)})
    assert response.status_code == 304 and response.content == b""
    assert response.headers["etag"] == f'"{sha}"'
    other = web.get(f"/media/{sha}", headers={"if-none-match": '"' + "1" * 64 + '"'})
    assert other.status_code == 200


def test_svg_is_served_as_svg_in_a_sandbox(web: TestClient, media_vault: MediaVault) -> None:
    response = web.get(f"/media/{media_vault.svg_sha}")
    assert response.status_code == 200 and response.content == SVG
    assert response.headers["content-type"] == "image/svg+xml"
    assert_media_headers(response.headers, media_vault.svg_sha)


@pytest.mark.parametrize("name", [
    "A" * 64, "a" * 63, "a" * 65, "g" * 64, "..%2F..%2Fetc%2Fpasswd", "%00" + "a" * 61,
    "a" * 64 + ".png", " " + "a" * 63,
])
def test_not_a_sha_is_404(web: TestClient, name: str) -> None:
    response = web.get(f"/media/{name}")
    assert response.status_code == 404
    assert response.headers["x-content-type-options"] == "nosniff"


def test_unknown_or_lost_file_is_404(web: TestClient, media_vault: MediaVault) -> None:
    assert web.get("/media/" + "f" * 64).status_code == 404
    assert web.get(f"/media/{media_vault.lost_sha}").status_code == 404


def test_private_vault_needs_the_login_or_token_and_is_not_publicly_cached(
    web: TestClient, media_vault: MediaVault
) -> None:
    from feedvault.vault import open_vault
    from feedvault.web import security

    with open_vault(media_vault.settings.db, settings=media_vault.settings) as vault:
        vault.store.set_meta(security.PRIVATE_KEY, "1")
        token = security.new_api_token(vault.store)
    try:
        url = f"/media/{media_vault.png_sha}"
        assert web.get(url).status_code == 401
        response = web.get(url, params={"token": token})
        assert response.status_code == 200 and response.content == media_vault.png
        assert response.headers["cache-control"].startswith("private,")
        bearer = web.get(url, headers={"authorization": f"Bearer {token}"})
        assert bearer.status_code == 200
    finally:
        with open_vault(media_vault.settings.db, settings=media_vault.settings) as vault:
            vault.store.set_meta(security.PRIVATE_KEY, "0")


# --- entry pages -----------------------------------------------------------------------


def content_of(page: str) -> etree._Element:
    tree = etree.HTML(page)
    found = tree.find(".//div[@class='content']")
    assert found is not None
    return found


def test_entry_page_shows_archived_images_and_placeholders_never_the_origin(
    web: TestClient, media_vault: MediaVault
) -> None:
    response = web.get(f"/entries/{media_vault.entry_id}")
    assert response.status_code == 200
    assert re.search(r"img-src 'self';", response.headers["content-security-policy"])
    content = content_of(response.text)
    srcs = [img.get("src") for img in content.iter("img")]
    assert srcs == [f"/media/{media_vault.png_sha}", f"/media/{media_vault.large_sha}",
                    f"/media/{media_vault.svg_sha}"]
    missing = content.findall(".//span[@class='media-missing']")
    reasons = [m.get("title") for m in missing]
    assert reasons == ["HTTP 404", "1x1 tracking pixel", "not downloaded yet",
                       "not in the archive"]
    gone = missing[0]
    assert gone.findtext("span[@class='media-missing-alt']") == "Gone"
    assert gone.find("a").get("href") == ORIGIN + "gone.png"
    assert gone.find("a").text == "image not archived — open original"
    assert missing[3].find("a") is None  # inside the article's own link: no nested link
    assert ORIGIN not in "".join(etree.tostring(i, encoding="unicode")
                                 for i in content.iter("img", "video", "source"))


def test_entry_page_placeholder_in_chinese(web: TestClient, media_vault: MediaVault) -> None:
    page = web.get(f"/entries/{media_vault.entry_id}?lang=zh").text
    assert "图片未存档——打开原图" in page and "不在存档中" in page


def test_hotlink_setting_keeps_origin_images_and_opens_the_csp(
    media_vault: MediaVault,
) -> None:
    from feedvault.web import create_app

    settings = replace(media_vault.settings,
                       media=replace(media_vault.settings.media, hotlink=True))
    with TestClient(create_app(settings=settings)) as client:
        response = client.get(f"/entries/{media_vault.entry_id}")
    assert "img-src 'self' https: http:;" in response.headers["content-security-policy"]
    srcs = [img.get("src") for img in content_of(response.text).iter("img")]
    assert f"/media/{media_vault.png_sha}" in srcs and ORIGIN + "gone.png" in srcs
    assert "media-missing" not in response.text


# --- JSON and Atom ---------------------------------------------------------------------


def test_api_entry_and_versions_say_where_the_copies_are(
    web: TestClient, media_vault: MediaVault
) -> None:
    entry = web.get(f"/api/entries/{media_vault.entry_id}").json()
    by_url = {m["url"]: m for m in entry["media"]}
    assert by_url[ORIGIN + "photo.png"] == {
        "url": ORIGIN + "photo.png", "kind": "img", "state": "ok",
        "href": f"/media/{media_vault.png_sha}"}
    assert by_url[ORIGIN + "large.png"]["kind"] == "srcset"
    assert by_url[ORIGIN + "gone.png"]["state"] == "failed"
    assert by_url[ORIGIN + "gone.png"]["href"] is None
    assert by_url[ORIGIN + "later.png"]["state"] == "pending"
    assert ORIGIN + "never.png" not in by_url  # never linked (a vault from before media)
    versions = web.get(f"/api/entries/{media_vault.entry_id}/versions").json()["versions"]
    assert versions[-1]["media"] == entry["media"]
    listing = web.get("/api/feeds/pics/entries").json()["entries"]
    assert "media" not in listing[0]
    schema = web.get("/api/openapi.json").json()["components"]["schemas"]
    assert set(entry["media"][0]) == set(schema["Media"]["properties"])


def test_atom_points_archived_images_at_absolute_urls(
    web: TestClient, media_vault: MediaVault
) -> None:
    body = web.get("/feeds/pics.atom").content
    ns = {"a": "http://www.w3.org/2005/Atom"}
    html = etree.fromstring(body).findtext("a:entry/a:content", namespaces=ns)
    srcs = [img.get("src") for img in etree.HTML(html).iter("img")]
    base = "http://testserver"
    assert f"{base}/media/{media_vault.png_sha}" in srcs
    assert f"{base}/media/{media_vault.large_sha}" in srcs
    assert ORIGIN + "gone.png" in srcs  # not archived: as the feed had it
    assert "media-missing" not in html
