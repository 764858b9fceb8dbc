"""Atom output: valid Atom 1.0 structure, readable by feedvault's own parser, escaped."""

from __future__ import annotations

from lxml import etree
from starlette.testclient import TestClient

from conftest import HOSTILE_TITLE, WebVault
from feedvault.parse import parse_feed

A = "{http://www.w3.org/2005/Atom}"


def check_atom(data: bytes) -> etree._Element:
    """RFC 4287's required elements: feed id/title/updated/author, entry id/title/updated."""
    root = etree.fromstring(data)
    assert root.tag == A + "feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(A + name)) == 1, name
    assert root.find(A + "author/" + A + "name") is not None
    assert root.find(A + "link[@rel='self']") is not None
    ids = set()
    for entry in root.findall(A + "entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(A + name)) == 1, name
        ids.add(entry.findtext(A + "id"))
        assert entry.find(A + "content").get("type") == "html"
    assert len(ids) == len(root.findall(A + "entry"))  # ids are unique
    return root


def test_feed_atom_is_valid_and_read_back(client: TestClient) -> None:
    response = client.get("/feeds/dw-chinese-1.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = check_atom(response.content)
    assert len(root.findall(A + "entry")) == 50
    assert root.find(A + "link[@rel='next']") is not None  # the rest of the history
    parsed = parse_feed(response.content, url="http://testserver/feeds/dw-chinese-1.atom")
    assert parsed.format == "atom10" and not parsed.warnings
    assert len(parsed.entries) == 50
    api = client.get("/api/feeds/dw-chinese-1/entries?limit=50").json()["entries"]
    assert [e.title for e in parsed.entries] == [e["title"] for e in api]
    second = client.get(root.find(A + "link[@rel='next']").get("href"))
    assert len(parse_feed(second.content).entries) == 35


def test_atom_ids_are_stable(client: TestClient) -> None:
    one = etree.fromstring(client.get("/feeds/edited.atom").content)
    two = etree.fromstring(client.get("/feeds/edited.atom",
                                      headers={"host": "mirror.example"}).content)
    assert [e.findtext(A + "id") for e in one.iter(A + "entry")] == \
        [e.findtext(A + "id") for e in two.iter(A + "entry")]


def test_atom_carries_cleaned_html_of_the_latest_version(client: TestClient,
                                                         web_vault: WebVault) -> None:
    parsed = parse_feed(client.get("/feeds/edited.atom").content)
    edited = next(e for e in parsed.entries if e.title == "芬太尼管制新规")
    assert "四月" in edited.content_html and edited.link == "https://example.org/edit-1"


def test_hostile_title_survives_as_text(client: TestClient) -> None:
    data = client.get("/feeds/hostile.atom").content
    root = check_atom(data)
    assert root.findtext(A + "entry/" + A + "title") == HOSTILE_TITLE
    assert root.findtext(A + "title") == HOSTILE_TITLE
    assert b"<script" not in data  # only ever as &lt;script
    content = root.findtext(A + "entry/" + A + "content") or ""
    assert "<script" not in content and "onerror" not in content
