"""Cleaned hostile HTML rendered in headless Chromium runs no script.

Each output is loaded into a page whose init script counts every way a payload could signal
(alert, confirm, prompt, print, eval of a marker, dialogs). Network access is cut off: DNS is
mapped to nothing and every request but the page itself is aborted, so no packet leaves the
machine whatever the payload asks for.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from clean_vectors import VECTORS

from feedvault.clean import clean_entry

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOOKS = """
window.__xss = 0;
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = () => { window.__xss += 1; };
}
"""
# Payloads that would run script if any survived, plus a canary that must run (to show the
# hooks work): the canary is inserted by the test itself, never through the sanitiser.
CANARY = "<img src=x onerror=alert(1)>"
PAGE_URL = "http://render.invalid/page"  # answered by the test's route, never by a network


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-quic", "--no-first-run", "--disable-component-update",
                  "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND"],
        )
        context = browser.new_context(java_script_enabled=True)
        html_now: dict[str, str] = {"body": ""}

        def handle(route: Any) -> None:
            if route.request.url == PAGE_URL:
                route.fulfill(status=200, content_type="text/html; charset=utf-8",
                              body=html_now["body"])
            else:
                route.abort()

        context.route("**/*", handle)
        pg = context.new_page()
        pg.html_now = html_now  # type: ignore[attr-defined]
        pg.add_init_script(HOOKS)
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.dialogs = dialogs  # type: ignore[attr-defined]
        yield pg
        browser.close()


def _render(page: Any, html: str) -> int:
    page.html_now["body"] = f"<!doctype html><html><body>{html}</body></html>"
    page.goto(PAGE_URL, wait_until="load")
    page.wait_for_timeout(30)
    return int(page.evaluate("window.__xss"))


def test_the_hooks_catch_a_live_payload(page: Any) -> None:
    assert _render(page, CANARY) == 1


def test_no_cleaned_vector_runs_script_in_chromium(page: Any) -> None:
    ran = [v for v in VECTORS if _render(page, clean_entry(v, base_url="https://n.example/").html)]
    assert ran == []
    assert page.dialogs == []
    # and nothing clickable carries a script URL
    for vector in VECTORS:
        _render(page, clean_entry(vector).html)
        bad = page.evaluate("""() => [...document.querySelectorAll('[href],[src],[action]')]
            .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action'))
            .filter(u => /^\\s*(javascript|vbscript|data):/i.test(u || ''))""")
        assert bad == [], vector
