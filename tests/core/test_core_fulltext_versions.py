"""A full-text feed whose document changes around an unchanged item: the item's feed version
is compared with the feed version, not with its page version, on every backend (PostgreSQL
stored the same feed version again, and fetched the page again, on each such update)."""

from __future__ import annotations

import pytest
from core_http import loopback_site
from test_core_fulltext import PAGE, _feed

from feedvault.vault import open_vault

HTML = {"Content-Type": "text/html"}
XML = {"Content-Type": "application/rss+xml"}


def test_unchanged_item_of_a_changing_full_text_feed(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDVAULT_ALLOW_NETWORKS", "127.0.0.0/8")
    with loopback_site() as site, open_vault(db_url) as vault:
        site.routes["/story"] = (200, HTML, PAGE.encode())
        first = _feed(site.url("/story"))
        site.routes["/feed.xml"] = (200, XML, first)
        vault.add_feed(site.url("/feed.xml"), slug="short", update=False)
        vault.configure_feed("short", full_text=True, selector="div.post-content")
        vault.update()
        for n in range(2):  # the document changes: one more item each time
            extra = f"<item><title>Other {n}</title><link>https://e.org/{n}</link></item>"
            body = first.replace(b"</channel>", extra.encode() + b"</channel>")
            site.routes["/feed.xml"] = (200, XML, body)
            [result] = vault.update()
            assert (result.new, result.changed) == (1, 0)
        [story] = [e for e in vault.entries("short") if e.title == "Story"]
        assert [v.source for v in vault.entry(story.id).versions] == ["feed", "page"]
        assert site.hits["/story"] == 1
