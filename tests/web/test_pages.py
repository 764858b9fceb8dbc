"""Reading pages: feed list, feed, entry with versions and diff, source, language."""

from __future__ import annotations

import html
import re

from starlette.testclient import TestClient

from conftest import WebVault


def test_feeds_list_shows_counts_status_and_chart(client: TestClient, web_vault: WebVault) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Deutsche Welle" in page.text
    assert re.search(r"\d+ entries", page.text)
    assert "<svg class=\"chart\"" in page.text and "<rect" in page.text
    assert 'href="/feeds/edited"' in page.text


def test_feed_page_is_newest_first_with_date_headings(client: TestClient,
                                                      web_vault: WebVault) -> None:
    page = client.get(f"/feeds/{web_vault.chinese_slug}")
    assert page.status_code == 200
    days = re.findall(r'<h2 class="day"><time datetime="(\d{4}-\d\d-\d\d)"', page.text)
    assert len(days) > 1 and days == sorted(days, reverse=True)
    assert 'rel="next"' in page.text  # 85 entries, 50 a page
    second = client.get(f"/feeds/{web_vault.chinese_slug}?page=2")
    older = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)"', second.text)
    assert older and max(older) <= min(days)
    assert 'rel="prev"' in second.text


def test_unknown_feed_and_entry_are_404_pages(client: TestClient) -> None:
    assert client.get("/feeds/no-such-feed").status_code == 404
    assert client.get("/entries/999999").status_code == 404
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "<html" in missing.text


def test_entry_page_shows_article_times_versions_and_latest_diff(
        client: TestClient, web_vault: WebVault) -> None:
    page = client.get(f"/entries/{web_vault.edited_id}")
    assert page.status_code == 200
    assert "芬太尼管制新规" in page.text
    assert 'href="https://example.org/edit-1"' in page.text  # the original
    assert "Published" in page.text and "First seen" in page.text
    assert page.text.count("/versions/") == 2
    assert "<del>一</del><ins>二</ins>" in page.text
    assert "<del>三</del><ins>四</ins>" in page.text
    assert "<del>first</del><ins>second</ins>" in page.text


def test_diff_between_chosen_versions_and_no_change(client: TestClient,
                                                    web_vault: WebVault) -> None:
    same = client.get(f"/entries/{web_vault.edited_id}?a=2&b=2")
    assert "The text did not change." in same.text
    backwards = client.get(f"/entries/{web_vault.edited_id}?a=2&b=1")
    assert "<del>二</del><ins>一</ins>" in backwards.text


def test_source_is_escaped_never_rendered(client: TestClient, web_vault: WebVault) -> None:
    page = client.get(f"/entries/{web_vault.hostile_id}/versions/1/source")
    assert page.status_code == 200
    assert "<script>window.__xss=3" not in page.text
    assert html.escape("<script>window.__xss=3</script>", quote=False) in page.text
    assert client.get(f"/entries/{web_vault.hostile_id}/versions/9/source").status_code == 404


def test_language_from_header_query_and_switch(client: TestClient) -> None:
    assert "订阅源" in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert "<h1>Feeds</h1>" in client.get(
        "/", headers={"Accept-Language": "fr, en;q=0.5, zh;q=0.1"}).text
    assert 'lang="zh-Hans"' in client.get("/?lang=zh").text
    assert "订阅源" in client.get("/").text  # ?lang= set the cookie
    switched = client.get("/lang?set=en&next=/feeds/edited")
    assert switched.status_code == 303 and switched.headers["location"] == "/feeds/edited"
    assert "<h1>Feeds</h1>" in client.get("/").text
