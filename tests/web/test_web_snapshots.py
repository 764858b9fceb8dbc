"""The entry page lists the entry's article snapshots, each a link to the page as kept,
served from /media/<sha> in a sandbox (both backends)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import html as lxml_html
from starlette.testclient import TestClient

from feedvault.config import MediaSettings, load_settings
from feedvault.fetch.result import HttpExchange
from feedvault.media.model import MediaFile

PAGE_1 = b"<html><body><h1>Story</h1><script>parent.__ran=1</script></body></html>"
PAGE_2 = b"<html><body><h1>Story, edited</h1></body></html>"
FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>'
    "<link>http://127.0.0.1:9/</link><item><guid>s-1</guid><title>Story</title>"
    "<link>http://127.0.0.1:9/s-1</link><description>Story.</description>"
    "<pubDate>Mon, 02 Jun 2025 08:00:00 GMT</pubDate></item></channel></rss>"
)


def test_entry_page_lists_its_snapshots(db_url: str, tmp_path: Path) -> None:
    from feedvault.vault import open_vault
    from feedvault.web import create_app

    settings = replace(load_settings(db_url), media=MediaSettings(False, dir=tmp_path / "m"))
    feed = tmp_path / "f.xml"
    feed.write_text(FEED)
    with open_vault(db_url, settings=settings) as vault:
        vault.add_feed(str(feed), slug="f", update=True)
        [entry] = vault.entries("f")
        exchange = HttpExchange("http://127.0.0.1:9/s-1", 200, "OK", "HTTP/1.1", (),
                                (("Content-Type", "text/html"),))
        shas = []
        for day, page, reason in ((3, PAGE_1, "first"), (5, PAGE_2, "recheck")):
            sha = vault.media_files.put(page)
            at = datetime(2025, 6, day, tzinfo=UTC)
            vault.store.media.add_file(MediaFile(sha, len(page), "text/html"), at)
            final = "http://127.0.0.1:9/s-1" if reason == "first" else "http://127.0.0.1:9/moved"
            vault.store.media.add_snapshot(
                entry.id, "http://127.0.0.1:9/s-1", final, sha, reason, at,
                json.dumps({"exchanges": [exchange.to_json()]}),
            )
            shas.append(sha)
    with TestClient(create_app(settings=settings), follow_redirects=False) as client:
        page = client.get(f"/entries/{entry.id}")
        assert page.status_code == 200
        doc = lxml_html.fromstring(page.text)
        [section] = doc.find_class("snapshots")
        items = section.findall(".//li")
        assert [li.find(".//a").get("href") for li in items] == [f"/media/{s}" for s in shas]
        texts = [" ".join(li.text_content().split()) for li in items]
        assert "first sight" in texts[0] and "HTTP 200" in texts[0]
        assert "changed at the origin" in texts[1] and "http://127.0.0.1:9/moved" in texts[1]
        kept = client.get(f"/media/{shas[0]}")
        assert kept.status_code == 200 and kept.content == PAGE_1
        assert kept.headers["content-type"].startswith("text/html")
        assert kept.headers["content-security-policy"].startswith("sandbox;")


def test_entry_without_snapshots_has_no_section(db_url: str, tmp_path: Path) -> None:
    from feedvault.vault import open_vault
    from feedvault.web import create_app

    settings = replace(load_settings(db_url), media=MediaSettings(False, dir=tmp_path / "m"))
    feed = tmp_path / "f.xml"
    feed.write_text(FEED)
    with open_vault(db_url, settings=settings) as vault:
        vault.add_feed(str(feed), slug="f", update=True)
        [entry] = vault.entries("f")
    with TestClient(create_app(settings=settings), follow_redirects=False) as client:
        page = client.get(f"/entries/{entry.id}")
        assert page.status_code == 200 and 'class="snapshots"' not in page.text


def test_the_feed_settings_form_turns_snapshots_on_and_off(
    admin_client: tuple[TestClient, str], web_vault: Any
) -> None:
    from feedvault.vault import open_vault

    client, csrf = admin_client
    assert 'name="snapshot"' in client.get("/admin/feeds/edited").text
    saved = client.post("/admin/feeds/edited", data={"csrf": csrf, "snapshot": "1"})
    assert saved.status_code == 303
    assert 'name="snapshot" value="1" checked' in client.get("/admin/feeds/edited").text
    with open_vault(web_vault.db) as vault:
        assert vault.feed("edited").settings["snapshot"] is True
    client.post("/admin/feeds/edited", data={"csrf": csrf})
    with open_vault(web_vault.db) as vault:
        assert vault.feed("edited").settings["snapshot"] is False
