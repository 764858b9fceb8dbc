"""Cleaned hostile HTML rendered in headless Chromium runs no script.

Each output is loaded into a page whose init script counts every way a payload could signal
(alert, confirm, prompt, print, eval of a marker, dialogs). Network access is cut off: DNS is
mapped to nothing and every request but the page itself is aborted, so no packet leaves the
machine whatever the payload asks for.
"""

from __future__ import annotations

import html
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


def _page_of(outputs: list[str]) -> str:
    """Each output as its own document (an iframe's srcdoc, in the very page the single render
    used): one load for all, and one output's unclosed tag cannot swallow the next."""
    frames = "".join(
        f'<iframe data-i="{i}" srcdoc="{html.escape(_document(out), quote=True)}"></iframe>'
        for i, out in enumerate(outputs)
    )
    return _document(frames)


def _document(body: str) -> str:
    return f"<!doctype html><html><body>{body}</body></html>"


# For each frame in the order of the outputs, once the timers its load queued have run
# (setTimeout-0 payloads: an event, not a wait for a guessed time), PER(its window). A frame
# that went elsewhere (another origin) gives a message, which the tests count as a failure.
EACH_FRAME = """async () => {
  const per = PER;
  const frames = [...document.querySelectorAll('iframe[data-i]')].map(f => f.contentWindow);
  const settle = w => new Promise(done => w.setTimeout(() => w.setTimeout(done, 0), 0));
  await Promise.all(frames.map(w => settle(w).catch(() => null)));
  return frames.map(w => { try { return per(w); } catch (e) { return 'went away: ' + e; } });
}"""


def _render(page: Any, outputs: list[str], per_frame: str) -> list[Any]:
    """Load every output at once, then ``per_frame`` (JS of a frame's window) for each."""
    page.html_now["body"] = _page_of(outputs)
    page.goto(PAGE_URL, wait_until="load")  # the page's load waits for every frame's load
    found = page.evaluate(EACH_FRAME.replace("PER", per_frame))
    assert len(found) == len(outputs)
    return list(found)


RAN = "w => w.__xss"
SCRIPT_URLS = """w => [...w.document.querySelectorAll('[href],[src],[action]')]
    .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action'))
    .filter(u => /^\\s*(javascript|vbscript|data):/i.test(u || ''))"""


def test_the_hooks_catch_a_live_payload(page: Any) -> None:
    """The canary runs, alone and among cleaned vectors: the hooks work in every frame."""
    assert _render(page, [CANARY], RAN) == [1]
    outputs = [clean_entry(v, base_url="https://n.example/").html for v in VECTORS[:5]]
    assert _render(page, [*outputs, CANARY], RAN) == [0] * 5 + [1]


def test_no_cleaned_vector_runs_script_in_chromium(page: Any) -> None:
    outputs = [clean_entry(v, base_url="https://n.example/").html for v in VECTORS]
    ran = [v for v, n in zip(VECTORS, _render(page, outputs, RAN), strict=True) if n]
    assert ran == []
    assert page.dialogs == []
    # and nothing clickable carries a script URL
    outputs = [clean_entry(vector).html for vector in VECTORS]
    bad = [(v, b) for v, b in zip(VECTORS, _render(page, outputs, SCRIPT_URLS), strict=True) if b]
    assert bad == []
