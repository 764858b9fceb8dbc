"""End to end in headless Chromium (Debian's /usr/bin/chromium) against a real server.

Screenshots of every page go to a temporary folder and are copied to benchmarks/out/
screenshots/ for review.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from livesite import live_server

from conftest import PASSWORD, WebVault, rss
from feedvault.vault import Vault

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
REVIEW = Path(__file__).resolve().parents[2] / "benchmarks" / "out" / "screenshots"
XSS_HOOK = """
window.__xss_calls = [];
Object.defineProperty(window, '__xss', {set(v) { window.__xss_calls.push(v); }, get() {
  return window.__xss_calls.length ? window.__xss_calls[0] : undefined; }});
window.alert = function (m) { window.__xss_calls.push('alert:' + m); };
"""

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing"),
    pytest.mark.slow_on_postgres,  # the pages are one code on both backends: CI runs both
]


@pytest.fixture(scope="module")
def base_url(web_vault: WebVault) -> Iterator[str]:
    from feedvault.web import create_app

    with live_server(create_app(web_vault.db)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    loopback_only(context)
    page = context.new_page()
    page.add_init_script(XSS_HOOK)
    page.problems = []  # console errors, dialogs, CSP violations
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("console", lambda m: page.problems.append(f"console: {m.text}")
            if m.type == "error" and "ERR_FAILED" not in m.text else None)
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    page.shots = tmp_path
    yield page
    context.close()


def loopback_only(context: Any) -> None:
    """Article images point at the real web: tests may only talk to 127.0.0.1."""
    def decide(route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "data:", "about:")):
            route.continue_()
        else:
            route.abort()
    context.route("**/*", decide)


def shot(page: Any, name: str) -> None:
    path = page.shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    REVIEW.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, REVIEW / path.name)


def test_browse_feeds_feed_entry_with_keyboard(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    assert page.locator("h1").inner_text() == "Feeds"
    shot(page, "01-feeds")
    page.click("text=Deutsche Welle")
    page.wait_for_url("**/feeds/dw-chinese-1")
    assert page.locator("h2.day").count() > 1
    shot(page, "02-feed")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    selected = page.locator(".item.selected a.title")
    expected = selected.get_attribute("href")
    assert page.locator(".item").nth(0).get_attribute("class").endswith("selected")
    page.keyboard.press("o")
    page.wait_for_url("**" + expected)
    assert page.locator("article .content").inner_text().strip()
    shot(page, "03-entry")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.problems == []


def test_compare_two_versions(page: Any, base_url: str, web_vault: WebVault) -> None:
    page.goto(f"{base_url}/entries/{web_vault.edited_id}?lang=zh")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.select_option("select[name=a]", "2")
    page.select_option("select[name=b]", "1")
    page.click("form.compare button")
    page.wait_for_url("**a=2&b=1")
    assert page.locator(".diff del").first.inner_text() == "二"
    assert page.locator(".diff ins").first.inner_text() == "一"
    page.select_option("select[name=a]", "1")
    page.select_option("select[name=b]", "2")
    page.click("form.compare button")
    page.wait_for_url("**a=1&b=2")
    shot(page, "04-diff-zh")
    page.click("text=HTML 源码 >> nth=0")
    assert "芬太尼" in page.locator("pre.source").inner_text()
    shot(page, "05-source")
    assert page.problems == []


@pytest.mark.skipif(not hasattr(Vault, "search"), reason="Vault.search is not in this tree yet")
def test_search_chinese_query(page: Any, base_url: str, web_vault: WebVault) -> None:
    page.goto(base_url + "/")
    page.fill("#q", "芬太尼")
    page.press("#q", "Enter")
    page.wait_for_url("**/search?q=*")
    assert page.locator("ol.hits mark").count() > 0
    shot(page, "06-search")
    page.click(f"a[href='/entries/{web_vault.edited_id}']")
    assert "芬太尼" in page.locator("h1").inner_text()
    assert page.problems == []


def test_add_feed_as_admin(page: Any, base_url: str, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDVAULT_LOCAL_FEEDS_DIR", str(tmp_path))  # else URLs only
    source = tmp_path / "browser-added.xml"
    source.write_text(rss([("b-1", "添加成功的文章", "<p>浏览器里添加</p>",
                            "Thu, 05 Jun 2025 08:00:00 GMT")], "Browser feed"), "utf-8")
    page.goto(base_url + "/admin")
    page.wait_for_url("**/admin/login?next=*")
    shot(page, "07-login")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button")
    page.wait_for_url("**/admin")
    shot(page, "08-admin")
    page.fill("input[name=url]", str(source))
    page.fill("input[name=slug]", "browser-added")
    page.click("form[action='/admin/feeds'] button")
    page.wait_for_url("**/feeds/browser-added")
    assert "添加成功的文章" in page.locator("main").inner_text()
    assert "Added Browser feed" in page.locator(".flash").inner_text()
    shot(page, "09-added")
    page.goto(base_url + "/admin/feeds/browser-added")
    page.fill("input[name=interval]", "1800")
    page.click("form.stack button")
    assert page.locator(".flash").inner_text() == "Saved."
    assert page.problems == []


def test_hostile_page_runs_no_script(page: Any, base_url: str, web_vault: WebVault) -> None:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    for path in (f"/entries/{web_vault.hostile_id}", "/feeds/hostile", "/",
                 f"/entries/{web_vault.hostile_id}/versions/1/source"):
        page.goto(base_url + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss_calls") == [], path
    assert "window.__xss=1" in page.title() or "<script>" in page.content()
    page.goto(f"{base_url}/entries/{web_vault.hostile_id}")
    assert "</title><script>" in page.title()  # shown as text, exactly
    shot(page, "10-hostile")
    assert page.evaluate("document.querySelectorAll('main script, main iframe').length") == 0
    assert page.evaluate("window.__xss_calls") == []
    assert not [p for p in page.problems if p.startswith(("dialog", "pageerror"))]


def test_phone_layout(browser: Any, base_url: str, web_vault: WebVault, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  is_mobile=True)
    loopback_only(context)
    page = context.new_page()
    page.shots = tmp_path
    page.goto(f"{base_url}/entries/{web_vault.edited_id}")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(page, "11-phone-entry")
    context.close()


def test_admin_adds_renames_and_removes_a_feed(page: Any, web_vault: WebVault,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #18 part 6 in the browser: a server path and a URL that is no feed are refused
    and leave nothing; a URL is added, renamed, and removed after its confirmation page."""
    from feedsite import feed_site

    from feedvault.web import create_app

    monkeypatch.setenv("FEEDVAULT_ALLOW_NETWORKS", "127.0.0.0/8")  # read by create_app
    with feed_site() as site, live_server(create_app(web_vault.db)) as base:
        url = site.feed("/b.xml", rss([("b-1", "Loopback item", "<p>x</p>",
                                        "Thu, 05 Jun 2025 08:00:00 GMT")], "Loopback"))
        page.goto(base + "/admin/login?next=/admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.stack button")
        page.wait_for_url("**/admin")
        for bad, why in (("/etc/passwd", "only http(s) feed URLs"),
                         (site.url("/missing.xml"), "Nothing was added.")):
            page.goto(base + "/admin")
            page.fill("input[name=url]", bad)
            page.click("form[action='/admin/feeds'] button")
            assert why in page.locator("p.error").inner_text()
        page.goto(base + "/admin")
        assert "passwd" not in page.locator("table.admin-feeds").inner_text()
        page.fill("input[name=url]", url)
        page.fill("input[name=slug]", "loop-b")
        page.click("form[action='/admin/feeds'] button")
        page.wait_for_url("**/feeds/loop-b")
        page.goto(base + "/admin/feeds/loop-b")
        page.fill("input[name=name]", "Loopback renamed")
        page.click("form[action='/admin/feeds/loop-b'] button")
        assert page.locator(".flash").inner_text() == "Saved."
        page.goto(base + "/admin")
        row = page.locator("table.admin-feeds tr", has_text="Loopback renamed")
        assert "127.0.0.1" in row.inner_text()
        shot(page, "12-admin-feeds")
        row.locator("a", has_text="Remove").click()
        page.wait_for_url("**/admin/feeds/loop-b/remove")
        assert "1 entries" in page.locator("main").inner_text()
        shot(page, "13-admin-remove")
        page.click("form[action='/admin/feeds/loop-b/remove'] button")
        page.wait_for_url("**/admin")
        assert "Removed Loopback renamed (1 entries)." in page.locator(".flash").inner_text()
        assert page.locator("table.admin-feeds tr", has_text="Loopback renamed").count() == 0
    assert [p for p in page.problems if "status of 400" not in p] == []  # the two refusals
