"""The web app's caches (web/cache.py) never show what is no longer true: a search snippet
follows an edited article, the feed menu and the front page chart follow new feeds and
entries, and a repeated search is answered from the cache with the same page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import PASSWORD, login, rss
from feedvault.models import Entry
from feedvault.search.query import parse_query
from feedvault.search.snippet import make_snippet
from feedvault.vault import open_vault

FIRST = "<p>港口在风暴过后重新开放…芬太尼管制措施将在三月生效，货船恢复进港。</p>"
EDITED = "<p>港口在两周风暴过后重新开放…芬太尼管制措施推迟到四月生效，渡轮周五复航。</p>"


def _doc(bodies: list[str]) -> str:
    now = datetime.now(tz=UTC)
    return rss(
        [
            (f"s-{i}", f"港口新闻 {i}", body, format_datetime(now - timedelta(hours=i)))
            for i, body in enumerate(bodies)
        ],
        "港口",
    )


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Path]]:
    from feedvault.web import create_app, set_admin_password

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    source = tmp_path / "port.xml"
    source.write_text(_doc([FIRST]), "utf-8")
    db = str(tmp_path / "cache.db")
    with open_vault(db) as vault:
        vault.add_feed(str(source), slug="port", update=True)
        set_admin_password(vault, PASSWORD)
    with TestClient(create_app(db), follow_redirects=False) as client:
        yield client, source


def _update(client: TestClient, source: Path, bodies: list[str]) -> None:
    """Another process's `feedvault update`: a connection the app does not share."""
    source.write_text(_doc(bodies), "utf-8")
    with open_vault(str(client.app.state.web.settings.db)) as vault:  # type: ignore[attr-defined]
        vault.update(["port"])


def _snippets(html: str) -> list[str]:
    return re.findall(r'<p class="snippet">(.*?)</p>', html, re.S)


def test_snippet_is_cached_and_follows_an_edit(site: tuple[TestClient, Path]) -> None:
    client, source = site
    lru = client.app.state.web.snippets.lru  # type: ignore[attr-defined]
    first = client.get("/search", params={"q": "芬太尼"})
    assert first.status_code == 200
    text = next(e for e in _entries(client)).text
    assert _snippets(first.text) == [make_snippet("港口新闻 0", text, parse_query("芬太尼"))]
    assert "<mark>芬太尼</mark>管制措施将在三月生效" in first.text
    hits = lru.hits
    again = client.get("/search", params={"q": "芬太尼"})
    assert lru.hits == hits + 1 and again.text == first.text  # the same page, from the cache
    _update(client, source, [EDITED])
    edited = client.get("/search", params={"q": "芬太尼"})
    assert "推迟到四月生效" in edited.text and "将在三月生效" not in edited.text
    assert (
        client.get("/api/search", params={"q": "芬太尼"}).json()["results"][0]["snippet"]
        == _snippets(edited.text)[0]
    )


def _entries(client: TestClient) -> list[Entry]:
    with open_vault(str(client.app.state.web.settings.db)) as vault:  # type: ignore[attr-defined]
        return list(vault.entries("port", limit=None))


def test_feed_menu_shows_a_feed_added_by_the_admin_at_once(
    site: tuple[TestClient, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = site
    monkeypatch.setenv("FEEDVAULT_LOCAL_FEEDS_DIR", str(tmp_path))  # the web adds URLs only
    assert '<option value="port">' in client.get("/search").text
    csrf = login(client)
    other = tmp_path / "other.xml"
    other.write_text(
        rss([("o-1", "Other", "<p>x</p>", "Wed, 04 Jun 2025 08:00:00 GMT")], "Other news"), "utf-8"
    )
    added = client.post("/admin/feeds", data={"csrf": csrf, "url": str(other), "slug": "other"})
    assert added.status_code == 303
    assert '<option value="other">' in client.get("/search").text
    assert '<option value="other">' in client.get("/changes").text


def test_feed_menu_shows_a_feed_added_elsewhere_within_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedvault.web import context, create_app

    monkeypatch.setattr(context, "FEED_LIST_SECONDS", 0.2)
    db = str(tmp_path / "menu.db")
    with open_vault(db):
        pass
    with TestClient(create_app(db)) as client:
        assert '<option value="later">' not in client.get("/search").text
        source = tmp_path / "later.xml"
        source.write_text(
            rss([("l-1", "Later", "<p>x</p>", "Wed, 04 Jun 2025 08:00:00 GMT")], "Later"), "utf-8"
        )
        with open_vault(db) as vault:
            vault.add_feed(str(source), slug="later")
        deadline = datetime.now(tz=UTC) + timedelta(seconds=5)
        while '<option value="later">' not in client.get("/search").text:
            assert datetime.now(tz=UTC) < deadline, "the new feed never showed in the menu"


def test_front_page_chart_counts_new_entries(site: tuple[TestClient, Path]) -> None:
    client, source = site

    def total() -> int:
        found = re.search(
            r"<title>Items per day, \S+ to \S+: (\d+) in all</title>", client.get("/").text
        )
        assert found, "no chart on the front page"
        return int(found.group(1))

    assert total() == 1
    assert total() == 1  # from the cache
    _update(client, source, [FIRST, "<p>第二条新闻。</p>", "<p>第三条新闻。</p>"])
    assert total() == 3
