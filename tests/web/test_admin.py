"""Admin actions: add a feed, import uploads, per-feed settings, log out."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from conftest import WebVault, rss
from fv_testpaths import CORPUS


def test_add_feed_as_admin(admin_client: tuple[TestClient, str], web_vault: WebVault,
                           tmp_path: Path) -> None:
    client, csrf = admin_client
    source = tmp_path / "new.xml"
    source.write_text(rss([("n-1", "Added by the admin", "<p>hello</p>",
                            "Wed, 04 Jun 2025 08:00:00 GMT")], "Admin added"), "utf-8")
    added = client.post("/admin/feeds", data={"csrf": csrf, "url": str(source),
                                              "slug": "admin-added", "fetch": "1"})
    assert added.status_code == 303 and added.headers["location"] == "/feeds/admin-added"
    page = client.get("/feeds/admin-added").text
    assert "Added by the admin" in page and "Added Admin added (1 entries)" in page
    again = client.post("/admin/feeds", data={"csrf": csrf, "url": str(source),
                                              "slug": "admin-added"})
    assert again.status_code == 400 and "already exists" in again.text
    bad = client.post("/admin/feeds", data={"csrf": csrf, "url": "ftp://x"})
    assert bad.status_code == 400


def test_import_opml_and_archive_uploads(admin_client: tuple[TestClient, str]) -> None:
    client, csrf = admin_client
    opml = CORPUS / "opml" / "feedly-lmmx.opml"
    archive = next((CORPUS / "archive-format" / "duty-machine-news").rglob("*.md"))
    files = [("files", (opml.name, opml.read_bytes(), "text/x-opml")),
             ("files", (archive.name, archive.read_bytes(), "text/markdown"))]
    done = client.post("/admin/import", data={"csrf": csrf, "feed": "uploaded"}, files=files)
    assert done.status_code == 303
    flash = client.get("/admin").text
    assert "Imported:" in flash and "subscriptions_added=" in flash
    assert "subscriptions_added=0" not in flash and "new=1" in flash
    feeds = {f["slug"] for f in client.get("/api/feeds").json()["feeds"]}
    assert "uploaded" in feeds
    assert client.post("/admin/import", data={"csrf": csrf}).status_code == 400


def test_feed_settings_saved_and_validated(admin_client: tuple[TestClient, str]) -> None:
    client, csrf = admin_client
    saved = client.post("/admin/feeds/edited", data={
        "csrf": csrf, "interval": "3600", "full_text": "1", "selector": "article .body"})
    assert saved.status_code == 303
    form = client.get("/admin/feeds/edited").text
    assert 'value="3600"' in form and 'value="article .body"' in form and "checked" in form
    assert client.post("/admin/feeds/edited", data={"csrf": csrf, "interval": "5"}
                       ).status_code == 400
    assert client.post("/admin/feeds/edited", data={"csrf": csrf, "selector": "a[["}
                       ).status_code == 400
    client.post("/admin/feeds/edited", data={"csrf": csrf})  # back to defaults
    assert client.post("/admin/feeds/nope", data={"csrf": csrf}).status_code == 400


def test_logout_ends_the_session(admin_client: tuple[TestClient, str]) -> None:
    client, csrf = admin_client
    assert client.post("/admin/logout", data={"csrf": csrf}).status_code == 303
    assert client.get("/admin").status_code == 303
