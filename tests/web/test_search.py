"""Search page, JSON and Atom: these run once Vault.search exists (the search stage)."""

from __future__ import annotations

import pytest
from lxml import etree
from starlette.testclient import TestClient
from test_atom import A, check_atom

from conftest import WebVault
from feedvault.parse import parse_feed
from feedvault.vault import Vault

needs_search = pytest.mark.skipif(not hasattr(Vault, "search"),
                                  reason="Vault.search is not in this tree yet")


def test_page_says_when_search_is_missing(client: TestClient) -> None:
    page = client.get("/search?q=x")
    assert page.status_code == 200
    if not hasattr(Vault, "search"):
        assert "not available" in page.text


@needs_search
def test_chinese_query_highlights_and_filters(client: TestClient, web_vault: WebVault) -> None:
    page = client.get("/search", params={"q": "芬太尼"})
    assert page.status_code == 200
    assert f'href="/entries/{web_vault.edited_id}"' in page.text
    assert "<mark>" in page.text
    other = client.get("/search", params={"q": "芬太尼", "feed": "bbc-1"})
    assert f'href="/entries/{web_vault.edited_id}"' not in other.text
    late = client.get("/search", params={"q": "芬太尼", "since": "2030-01-01"})
    assert f'href="/entries/{web_vault.edited_id}"' not in late.text
    assert client.get("/search", params={"q": "x", "since": "June"}).status_code == 400


@needs_search
def test_search_json(client: TestClient, web_vault: WebVault) -> None:
    data = client.get("/api/search", params={"q": "芬太尼"}).json()
    assert data["query"] == "芬太尼"
    hit = next(r for r in data["results"] if r["entry"]["id"] == web_vault.edited_id)
    assert "<mark>" in hit["snippet"] and isinstance(hit["score"], float)


@needs_search
def test_search_atom_validates_and_reads_back(client: TestClient) -> None:
    response = client.get("/search.atom", params={"q": "芬太尼"})
    root = check_atom(response.content)
    titles = [e.findtext(A + "title") for e in root.iter(A + "entry")]
    assert "芬太尼管制新规" in titles
    parsed = parse_feed(response.content)
    assert parsed.format == "atom10" and "芬太尼" in parsed.title
    assert [e.title for e in parsed.entries] == titles
    assert etree.fromstring(response.content).find(A + "link[@rel='alternate']") is not None
