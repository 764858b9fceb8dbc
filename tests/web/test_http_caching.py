"""HTTP caching (issue #18 part 9): weak ETags and Last-Modified with 304s on pages, the JSON
API and Atom; gzip/brotli for text; /index.atom; the HTML API reference at /api."""

from __future__ import annotations

import gzip
import html
import re
from email.utils import formatdate

import brotli
import pytest
from lxml import etree
from starlette.testclient import TestClient

from conftest import WebVault, login
from feedvault.web.httpcache import Validators, choose_encoding, not_modified_since
from feedvault.web.openapi import openapi_document

A = "{http://www.w3.org/2005/Atom}"


def paths(web_vault: WebVault) -> list[str]:
    return ["/", "/feeds/edited", f"/entries/{web_vault.edited_id}", "/search?q=draft",
            "/changes", "/api", "/api/feeds", f"/api/entries/{web_vault.edited_id}",
            "/api/search?q=draft", "/feeds/edited.atom", "/index.atom", "/search.atom?q=draft"]


def test_every_page_api_and_atom_answers_304_to_its_etag(client: TestClient,
                                                         web_vault: WebVault) -> None:
    for path in paths(web_vault):
        first = client.get(path)
        assert first.status_code == 200, path
        etag = first.headers["etag"]
        assert re.fullmatch(r'W/"[0-9a-f]{24}"', etag), path
        assert first.headers["cache-control"] == "private, no-cache", path
        again = client.get(path, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["etag"] == etag and "content-type" not in again.headers
        assert "default-src 'self'" in again.headers["content-security-policy"]
        since = client.get(path, headers={"if-modified-since": first.headers["last-modified"]})
        assert since.status_code == 304, path
        other = client.get(path, headers={"if-none-match": 'W/"00", "11"'})
        assert other.status_code == 200 and other.content == first.content, path
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
        both = client.get(path, headers={"if-none-match": 'W/"00"',
                                         "if-modified-since": first.headers["last-modified"]})
        assert both.status_code == 200, path


def test_a_change_gives_a_new_etag_and_a_200(client: TestClient) -> None:
    before = client.get("/api/feeds/edited")
    csrf = login(client)
    name = before.json()["name"]
    client.post("/admin/feeds/edited", data={"csrf": csrf, "name": name + " (renamed)"})
    try:
        after = client.get("/api/feeds/edited",
                           headers={"if-none-match": before.headers["etag"],
                                    "if-modified-since": before.headers["last-modified"]})
        assert after.status_code == 200 and after.json()["name"] == name + " (renamed)"
        assert after.headers["etag"] != before.headers["etag"]
    finally:
        client.post("/admin/feeds/edited", data={"csrf": csrf, "name": name})


def test_errors_and_posts_get_no_validators(client: TestClient) -> None:
    assert "etag" not in client.get("/feeds/nope").headers
    assert "etag" not in client.get("/api/feeds/nope").headers
    assert "etag" not in client.post("/admin/feeds", data={"url": "x"}).headers


def test_last_modified_never_keeps_an_older_body() -> None:
    """A, then B, then A again at one URL: a client holding B (Last-Modified t+1) must not
    get a 304 for A; and a body replaced within the same second moves a second on."""
    v = Validators(size=2)
    assert v.since("/x", "A", now=100.2) == 100
    assert v.since("/x", "A", now=150.0) == 100  # the same body keeps its time
    assert v.since("/x", "B", now=100.7) == 101  # replaced in the same second
    assert v.since("/x", "A", now=100.9) == 102
    v.since("/y", "C", now=200)
    v.since("/z", "D", now=200)  # /x evicted: its body counts as new
    assert v.since("/x", "A", now=300) == 300


def test_if_modified_since_parsing() -> None:
    assert not_modified_since(formatdate(100, usegmt=True), 100)
    assert not not_modified_since(formatdate(99, usegmt=True), 100)
    for bad in ("", "yesterday", "Mon, 99 Foo 2025 00:00:00 GMT", "Mon, 30 Nov 2026 11:00:00"):
        assert not not_modified_since(bad, 100), bad


@pytest.mark.parametrize(("accept", "chosen"), [
    ("gzip, deflate, br, zstd", "gzip"), ("gzip", "gzip"), ("br", "br"),
    ("br;q=0, gzip", "gzip"), ("gzip;q=0, br", "br"), ("identity", None), ("", None),
    ("*", "gzip"), ("gzip;q=0", None), ("br;q=x", None),
])
def test_encoding_choice(accept: str, chosen: str | None) -> None:
    assert choose_encoding(accept) == chosen


def test_text_is_compressed_when_the_client_takes_it(client: TestClient,
                                                     web_vault: WebVault) -> None:
    for path in ("/", f"/entries/{web_vault.edited_id}", "/api/feeds/dw-chinese-1/entries",
                 "/feeds/edited.atom",
                 "/static/style.css"):
        plain = client.get(path, headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers, path
        assert len(plain.content) > 1024, path
        for encoding, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
            packed = client.stream("GET", path, headers={"accept-encoding": encoding})
            with packed as response:
                raw = b"".join(response.iter_raw())
                assert response.headers["content-encoding"] == encoding, path
                assert "accept-encoding" in response.headers["vary"].lower()
                assert int(response.headers["content-length"]) == len(raw) < len(plain.content)
                if path != "/static/style.css":
                    assert response.headers["etag"] == plain.headers["etag"]
                else:  # a strong ETag names bytes: weak once they are compressed
                    assert response.headers["etag"] == "W/" + plain.headers["etag"]
            assert decode(raw) == plain.content, (path, encoding)


def test_small_responses_are_not_compressed(client: TestClient) -> None:
    response = client.get("/api/feeds/nope", headers={"accept-encoding": "gzip"})
    assert response.status_code == 404 and "content-encoding" not in response.headers


def test_index_atom_has_every_feed_newest_first(client: TestClient) -> None:
    response = client.get("/index.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    entries = root.findall(A + "entry")
    assert len(entries) == 50 and root.find(A + "link[@rel='next']") is not None
    assert root.find(A + "link[@rel='self']").get("href") == "http://testserver/index.atom"
    assert root.find(A + "link[@rel='alternate']").get("href") == "http://testserver/"
    api = client.get("/api/feeds").json()["feeds"]
    total = sum(f["entry_count"] for f in api)
    shown = 0
    page: etree._Element | None = root
    while page is not None:
        found = page.findall(A + "entry")
        shown += len(found)
        nxt = page.find(A + "link[@rel='next']")
        page = etree.fromstring(client.get(nxt.get("href")).content) if nxt is not None else None
    assert shown == total
    feeds = {e.findtext(A + "source/" + A + "title") for e in entries}
    updated = [e.findtext(A + "published") or e.findtext(A + "updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert len(feeds) >= 1


def test_api_reference_page_lists_every_operation_and_object(client: TestClient) -> None:
    page = client.get("/api")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    doc = openapi_document("http://testserver")
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            assert f"<code>{method.upper()} {path}</code>" in page.text, path
            assert op["summary"] in html.unescape(page.text)
    for name in doc["components"]["schemas"]:
        assert f'id="schema-{name}"' in page.text
    assert "array of Entry" in page.text and "one of: ok, error, gone, paused" in page.text
    # nothing from elsewhere: the only script is the app's, no external link or style
    assert page.text.count("<script") == 1
    assert not re.search(r'(src|href)="(https?:)?//', page.text)
    assert "JSON API" in page.text
    assert "参数" in client.get("/api?lang=zh").text


def test_private_archive_api_page_needs_the_login(client: TestClient) -> None:
    csrf = login(client)
    client.post("/admin/private", data={"csrf": csrf, "private": "1"})
    try:
        with TestClient(client.app, follow_redirects=False) as stranger:
            assert stranger.get("/api").status_code == 303
            assert stranger.get("/index.atom").status_code == 401
    finally:
        client.post("/admin/private", data={"csrf": csrf})


def test_compression_can_be_turned_off(web_vault: WebVault) -> None:
    from dataclasses import replace

    from feedvault.config import load_settings
    from feedvault.web import create_app

    settings = load_settings(web_vault.db)
    settings = replace(settings, raw={**settings.raw, "web": {"compress": False}})
    with TestClient(create_app(settings=settings)) as client:
        response = client.get("/", headers={"accept-encoding": "gzip, br"})
        assert "content-encoding" not in response.headers and response.headers["etag"]


def test_a_static_range_is_not_compressed(client: TestClient) -> None:
    whole = client.get("/static/style.css", headers={"accept-encoding": "identity"}).content
    part = client.get("/static/style.css", headers={"accept-encoding": "gzip",
                                                    "range": "bytes=0-99"})
    assert part.status_code == 206 and "content-encoding" not in part.headers
    assert part.content == whole[:100]
