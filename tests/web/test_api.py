"""The JSON API: shapes a client can rely on, and the OpenAPI document describing them."""

from __future__ import annotations

from starlette.testclient import TestClient

from conftest import WebVault


def test_feeds(client: TestClient, web_vault: WebVault) -> None:
    data = client.get("/api/feeds").json()
    slugs = {f["slug"]: f for f in data["feeds"]}
    assert {"dw-chinese-1", "edited", "hostile"} <= set(slugs)
    zh = slugs["dw-chinese-1"]
    assert zh["entry_count"] == 85 and zh["status"] == "ok"
    assert zh["url"] is None  # local file paths are not published
    assert zh["last_updated"].endswith("Z")
    assert client.get("/api/feeds/edited").json()["slug"] == "edited"
    missing = client.get("/api/feeds/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["error"]["message"]


def test_feed_entries_are_paged_newest_first(client: TestClient) -> None:
    first = client.get("/api/feeds/dw-chinese-1/entries?limit=30").json()
    assert first["has_next"] is True and len(first["entries"]) == 30
    dates = [e["published"] for e in first["entries"]]
    assert dates == sorted(dates, reverse=True)
    rest = client.get("/api/feeds/dw-chinese-1/entries?limit=100&offset=30").json()
    assert rest["has_next"] is False and len(rest["entries"]) == 55
    assert not {e["id"] for e in first["entries"]} & {e["id"] for e in rest["entries"]}


def test_entry_and_versions(client: TestClient, web_vault: WebVault) -> None:
    entry = client.get(f"/api/entries/{web_vault.edited_id}").json()
    assert entry["title"] == "芬太尼管制新规" and entry["version_count"] == 2
    assert "四月" in entry["content_html"]
    versions = client.get(f"/api/entries/{web_vault.edited_id}/versions").json()["versions"]
    assert [v["seq"] for v in versions] == [1, 2]
    assert "三月" in versions[0]["text"] and "四月" in versions[1]["text"]
    assert "raw_html" not in versions[0]
    raw = client.get(f"/api/entries/{web_vault.edited_id}/versions?raw=1").json()
    assert "三月" in raw["versions"][0]["raw_html"]
    assert client.get("/api/entries/999999").status_code == 404


def test_openapi_describes_every_api_route(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    paths = set(doc["paths"])
    assert {"/api/feeds", "/api/feeds/{slug}", "/api/feeds/{slug}/entries",
            "/api/entries/{entry_id}", "/api/entries/{entry_id}/versions",
            "/api/search", "/api/changes", "/media/{sha}"} == paths
    schemas = doc["components"]["schemas"]
    entry = client.get("/api/feeds/edited/entries").json()["entries"][0]
    assert set(entry) <= set(schemas["Entry"]["properties"])
    feed = client.get("/api/feeds/edited").json()
    assert set(feed) <= set(schemas["Feed"]["properties"])
