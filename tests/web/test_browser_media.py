"""Issue #16's "Done when", in headless Chromium: a feed whose items show PNG, JPEG, WebP (a
srcset), GIF and SVG images, a redirect, a 1x1 pixel, one too big, a 404 and an HTML page
posing as a JPEG is updated from a loopback site; the site is stopped; every entry page shows
each archived image from the vault, placeholders for the rest, and the browser asks nothing
of anyone but the app. An archived SVG with a script, opened on its own, never runs it.
"""

from __future__ import annotations

import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from livesite import live_server

from feedvault.config import MediaSettings, load_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "media"))
from image_site import EXPECTED, SMALL_CAP, ImageSite, image_site, sha  # noqa: E402

# as tests/web/test_browser.py (not imported from it: it imports "conftest", which another
# directory's conftest may be when this file is collected)
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
SCRIPT_HOOK = "window.__ran = []; window.alert = m => window.__ran.push('alert:' + m);"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing"),
    pytest.mark.slow_on_postgres,  # the pages are one code on both backends: CI runs both
]


def loopback_only(context: Any) -> None:
    """Only 127.0.0.1 may be reached (what is recorded is checked to be the app's)."""
    def decide(route: Any) -> None:
        if route.request.url.startswith(("http://127.0.0.1:", "data:", "about:")):
            route.continue_()
        else:
            route.abort()
    context.route("**/*", decide)

# what each entry should show: (archived image paths in order, placeholders' alt texts)
PAGES = {
    "Photos": (["/img/photo.png", "/img/photo.jpg"], []),
    "Responsive": (["/img/large.webp"], []),
    "Drawings": (["/img/anim.gif", "/img/drawing.svg"], []),
    "Heavy": ([], ["", "noise"]),
    "Broken": (["/img/moved.jpg"], ["gone", "error"]),
}


@dataclass
class Archived:
    app_url: str
    entries: dict[str, int]  # title -> entry id
    shas: dict[str, str]  # image path as the feed shows it -> sha of the archived bytes
    origin: dict[str, bytes]  # image path -> the origin's bytes
    site: ImageSite


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archived]:
    """A SQLite vault updated from the image site (media on, a small per-file cap); the site
    is stopped before the app starts serving."""
    from feedvault.vault import open_vault
    from feedvault.web import create_app

    tmp = tmp_path_factory.mktemp("browsermedia")
    db = str(tmp / "vault.db")
    settings = replace(
        load_settings(db), allow_networks=("127.0.0.0/8",),
        media=MediaSettings(enabled=True, dir=tmp / "media", max_file_bytes=SMALL_CAP),
    )
    with image_site() as site, open_vault(db, settings=settings) as vault:
        vault.add_feed(site.feed_url, slug="images", update=True)
        entries = {e.title: e.id for e in vault.entries("images", limit=None)}
        shas: dict[str, str] = {}
        for path, expected in EXPECTED.items():
            link = vault.store.media.url_state(site.url(path))
            assert link is not None, path
            assert link.state == expected.state, (path, link)
            if link.state == "ok":
                assert link.sha is not None
                shas[path] = link.sha
        origin = {path: site.origin_bytes(path) for path in shas}
        site.stop()
    with live_server(create_app(settings=settings)) as url:
        yield Archived(url, entries, shas, origin, site)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 2000}, locale="en-US")
    loopback_only(context)
    page = context.new_page()
    page.add_init_script(SCRIPT_HOOK)
    page.requested = []
    page.on("request", lambda r: page.requested.append(r.url))
    yield page
    context.close()


def test_archived_bytes_are_the_origins(archived: Archived) -> None:
    for path, digest in archived.shas.items():
        assert digest == sha(archived.origin[path]), path
        with urllib.request.urlopen(f"{archived.app_url}/media/{digest}") as response:
            assert response.read() == archived.origin[path], path


@pytest.mark.parametrize("title", sorted(PAGES))
def test_entry_page_shows_archived_images_and_placeholders_with_the_origin_stopped(
    page: Any, archived: Archived, title: str
) -> None:
    shown, missing = PAGES[title]
    page.goto(f"{archived.app_url}/entries/{archived.entries[title]}")
    images = page.evaluate(
        "[...document.querySelectorAll('article .content img')].map("
        "i => [i.getAttribute('src'), i.complete, i.naturalWidth])"
    )
    assert [src for src, _, _ in images] == [
        f"/media/{archived.shas[path]}" for path in shown]
    assert all(complete and width > 0 for _, complete, width in images), images
    placeholders = page.locator("article .content .media-missing")
    assert placeholders.count() == len(missing)
    for n, alt in enumerate(missing):
        box = placeholders.nth(n)
        link = box.locator("a.media-missing-link")
        assert link.inner_text() == "image not archived — open original"
        assert link.get_attribute("href").startswith(archived.site.url("/img/"))
        if alt:
            assert box.locator(".media-missing-alt").inner_text() == alt
        assert box.is_visible()
    assert page.requested and all(
        u.startswith(archived.app_url + "/") for u in page.requested), page.requested
    assert page.evaluate("window.__ran") == []


def test_an_archived_svg_never_runs_its_script(page: Any, archived: Archived) -> None:
    digest = archived.shas["/img/drawing.svg"]
    response = page.goto(f"{archived.app_url}/media/{digest}")
    assert response.status == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "sandbox" in response.headers["content-security-policy"]
    assert page.title() != "svg script ran"
    assert page.evaluate("document.title") != "svg script ran"
