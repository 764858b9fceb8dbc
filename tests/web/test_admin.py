"""Admin actions: add a feed (URLs only, nothing left by a failure), rename, refresh,
configure, remove, import uploads (a result table), export OPML, log out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedsite import FeedSite, feed_site
from starlette.testclient import TestClient

from conftest import rss
from fv_testpaths import CORPUS


@pytest.fixture(autouse=True)
def loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedSite]:
    """Feeds on 127.0.0.1, which the fetcher may reach (read when the app is made)."""
    monkeypatch.setenv("FEEDVAULT_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.delenv("FEEDVAULT_LOCAL_FEEDS_DIR", raising=False)
    with feed_site() as site:
        yield site


def one_item(guid: str, title: str, feed_title: str) -> str:
    return rss([(guid, title, "<p>hello</p>", "Wed, 04 Jun 2025 08:00:00 GMT")], feed_title)


def slugs(client: TestClient) -> set[str]:
    return {f["slug"] for f in client.get("/api/feeds").json()["feeds"]}


def test_add_feed_by_url(admin_client: tuple[TestClient, str], loopback: FeedSite) -> None:
    client, csrf = admin_client
    url = loopback.feed("/added.xml", one_item("n-1", "Added by the admin", "Admin added"))
    added = client.post("/admin/feeds", data={"csrf": csrf, "url": url, "slug": "admin-added"})
    assert added.status_code == 303 and added.headers["location"] == "/feeds/admin-added"
    page = client.get("/feeds/admin-added").text
    assert "Added by the admin" in page and "Added Admin added (1 entries)" in page
    again = client.post("/admin/feeds", data={"csrf": csrf, "url": url, "slug": "admin-added"})
    assert again.status_code == 400 and "already exists" in again.text
    assert client.post("/admin/feeds", data={"csrf": csrf, "url": "ftp://x"}).status_code == 400


@pytest.mark.parametrize("source", ["/etc/passwd", "etc/passwd", "file:///etc/passwd",
                                    "../../etc/passwd", "~/.bashrc"])
def test_a_server_path_is_refused(admin_client: tuple[TestClient, str], source: str) -> None:
    client, csrf = admin_client
    before = slugs(client)
    refused = client.post("/admin/feeds", data={"csrf": csrf, "url": source})
    assert refused.status_code == 400
    assert "only http(s) feed URLs can be added from the web" in refused.text
    assert slugs(client) == before


def test_local_files_only_under_the_configured_directory(
        admin_client: tuple[TestClient, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    client, csrf = admin_client
    allowed = tmp_path / "feeds"
    allowed.mkdir()
    (allowed / "mine.xml").write_text(one_item("l-1", "Local one", "Local"), "utf-8")
    (tmp_path / "outside.xml").write_text(one_item("o-1", "Outside", "Outside"), "utf-8")
    (allowed / "link.xml").symlink_to(tmp_path / "outside.xml")
    monkeypatch.setenv("FEEDVAULT_LOCAL_FEEDS_DIR", str(allowed))
    before = slugs(client)
    for source in ("../outside.xml", str(tmp_path / "outside.xml"), "link.xml", "nope.xml"):
        refused = client.post("/admin/feeds", data={"csrf": csrf, "url": source})
        assert refused.status_code == 400, source
        assert "no such file under the local feeds directory" in refused.text
    assert slugs(client) == before
    ok = client.post("/admin/feeds", data={"csrf": csrf, "url": "mine.xml", "slug": "local-ok"})
    assert ok.status_code == 303 and "local-ok" in slugs(client)


@pytest.mark.parametrize("route", [
    None,  # 404
    (200, "text/html", b"<!doctype html><html><body><p>not a feed</p></body></html>"),
    (500, "text/plain", b"boom"),
])
def test_a_failed_add_leaves_no_subscription(admin_client: tuple[TestClient, str],
                                             loopback: FeedSite,
                                             route: tuple[int, str, bytes] | None) -> None:
    client, csrf = admin_client
    if route is not None:
        loopback.routes["/bad"] = route
    before = slugs(client)
    failed = client.post("/admin/feeds", data={"csrf": csrf, "url": loopback.url("/bad"),
                                               "slug": "junk"})
    assert failed.status_code == 400
    assert "Nothing was added." in failed.text and loopback.url("/bad") in failed.text
    assert slugs(client) == before and client.get("/feeds/junk").status_code == 404


def test_rename_refresh_and_remove(admin_client: tuple[TestClient, str],
                                   loopback: FeedSite) -> None:
    client, csrf = admin_client
    url = loopback.feed("/life.xml", one_item("f-1", "First", "Life"))
    assert client.post("/admin/feeds", data={"csrf": csrf, "url": url, "slug": "life"}
                       ).status_code == 303
    renamed = client.post("/admin/feeds/life", data={"csrf": csrf, "name": "Life & times"})
    assert renamed.status_code == 303
    assert client.get("/api/feeds/life").json()["name"] == "Life & times"
    assert "Life &amp; times" in client.get("/admin").text
    loopback.feed("/life.xml", rss([
        ("f-2", "Second", "<p>new</p>", "Thu, 05 Jun 2025 08:00:00 GMT"),
        ("f-1", "First", "<p>hello</p>", "Wed, 04 Jun 2025 08:00:00 GMT")], "Life"))
    refreshed = client.post("/admin/feeds/life/refresh", data={"csrf": csrf})
    assert refreshed.status_code == 303
    flash = client.get("/admin/feeds/life").text
    assert "Refreshed Life &amp; times: 1 new, 0 changed." in flash
    loopback.routes.pop("/life.xml")
    client.post("/admin/feeds/life/refresh", data={"csrf": csrf})
    assert "Refreshing Life &amp; times failed: " in client.get("/admin/feeds/life").text
    confirm = client.get("/admin/feeds/life/remove")
    assert confirm.status_code == 200 and "2 entries" in confirm.text
    assert 'name="confirm" value="life"' in confirm.text
    unconfirmed = client.post("/admin/feeds/life/remove", data={"csrf": csrf})
    assert unconfirmed.status_code == 400 and "life" in slugs(client)
    removed = client.post("/admin/feeds/life/remove", data={"csrf": csrf, "confirm": "life"})
    assert removed.status_code == 303 and removed.headers["location"] == "/admin"
    assert "Removed Life &amp; times (2 entries)." in client.get("/admin").text
    assert "life" not in slugs(client) and client.get("/feeds/life").status_code == 404


def test_feeds_are_listed_by_name_with_their_host(admin_client: tuple[TestClient, str],
                                                 loopback: FeedSite) -> None:
    client, csrf = admin_client
    for slug in ("twin-a", "twin-b"):
        url = loopback.feed(f"/{slug}.xml", one_item(f"{slug}-1", "x", "Twin name"))
        client.post("/admin/feeds", data={"csrf": csrf, "url": url, "slug": slug})
    page = client.get("/admin").text
    names = re.findall(r'<th scope="row"><a href="/feeds/[^"]+">([^<]+)</a>', page)
    assert names == sorted(names, key=str.casefold)
    rows = re.findall(r'<a href="/feeds/(twin-[ab])">Twin name</a> <span class="meta">'
                      r'twin-[ab]</span></th>\s*<td>([^<]+)</td>', page)
    assert rows == [("twin-a", "127.0.0.1"), ("twin-b", "127.0.0.1")]


def test_media_settings(admin_client: tuple[TestClient, str]) -> None:
    client, csrf = admin_client
    form = client.get("/admin/feeds/edited").text
    assert 'name="media" value="1" checked' in form  # on unless set off
    client.post("/admin/feeds/edited", data={"csrf": csrf, "media_form": "1",
                                             "media_enclosures": "1"})
    settings = client.app.state.web.vault().feed("edited").settings  # type: ignore[attr-defined]
    assert settings["media"] is False and settings["media_enclosures"] is True
    client.post("/admin/feeds/edited", data={"csrf": csrf, "media_form": "1", "media": "1"})
    settings = client.app.state.web.vault().feed("edited").settings  # type: ignore[attr-defined]
    assert "media" not in settings and "media_enclosures" not in settings


def test_opml_export(admin_client: tuple[TestClient, str], loopback: FeedSite) -> None:
    from feedvault.archive.opml import read_opml

    client, csrf = admin_client
    url = loopback.feed("/exported.xml", one_item("e-1", "x", "Exported"))
    client.post("/admin/feeds", data={"csrf": csrf, "url": url, "slug": "exported"})
    response = client.get("/admin/subscriptions.opml")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    subs = read_opml(response.content)
    assert ("Exported", url) in {(s.title, s.xml_url) for s in subs}
    assert not any(s.xml_url.startswith("file:") for s in subs)  # local files stay private
    client.post("/admin/logout", data={"csrf": csrf})
    assert client.get("/admin/subscriptions.opml").status_code == 303


def test_import_result_is_a_table(admin_client: tuple[TestClient, str],
                                  loopback: FeedSite) -> None:
    client, csrf = admin_client
    known = loopback.feed("/known.xml", one_item("k-1", "x", "Known"))
    client.post("/admin/feeds", data={"csrf": csrf, "url": known, "slug": "known"})
    fresh = loopback.url("/fresh.xml")
    opml = (
        '<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>'
        f'<outline text="Fresh" type="rss" xmlUrl="{fresh}"/>'
        f'<outline text="Known" type="rss" xmlUrl="{known}"/>'
        '<outline text="Secrets" type="rss" xmlUrl="/etc/passwd"/>'
        "</body></opml>"
    ).encode()
    archive = next((CORPUS / "archive-format" / "duty-machine-news").rglob("*.md"))
    files = [("files", ("subs.opml", opml, "text/x-opml")),
             ("files", (archive.name, archive.read_bytes(), "text/markdown"))]
    done = client.post("/admin/import", data={"csrf": csrf, "feed": "uploaded-t"}, files=files)
    assert done.status_code == 200
    rows = [tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells)
            for cells in re.findall(r"<tr class=\"outcome-\w+\"><td>(.*?)</td><td>(.*?)</td>"
                                    r"<td>(.*?)</td></tr>", done.text)]
    assert rows[0][:2] == (f"Fresh &lt;{fresh}&gt;", "added")
    assert rows[1] == (f"Known &lt;{known}&gt;", "skipped", "already subscribed")
    assert rows[2][:2] == ("Secrets &lt;/etc/passwd&gt;", "failed")
    assert "only http(s) feed URLs" in rows[2][2]
    assert rows[3][0] == "uploaded-t" and rows[3][1] == "archive imported"
    assert rows[3][2].startswith("1 new")
    assert "1 feeds added, 1 skipped, 1 failed." in done.text
    assert "key=" not in done.text and "subscriptions_added" not in done.text
    assert {"uploaded-t"} <= slugs(client) and "passwd" not in slugs(client)
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
