"""Full text for summary-only feeds: the article page becomes a version of its own."""

from __future__ import annotations

import pytest
from core_http import loopback_site

from feedvault.errors import UsageError
from feedvault.vault import Vault

PAGE = """<html><head><title>x</title></head><body>
<nav>Home | World | Share this</nav>
<div class="post-content"><p>The whole article, first paragraph.</p>
<p>Second paragraph with more detail.</p></div>
<footer>Copyright and links</footer></body></html>"""


def _feed(link: str) -> bytes:
    return (
        f'<rss version="2.0"><channel><title>Short</title><link>https://e.org/</link>'
        f"<item><title>Story</title><link>{link}</link><description>A summary only."
        "</description><pubDate>Sat, 03 Feb 2024 09:34:00 GMT</pubDate></item>"
        "</channel></rss>"
    ).encode()


@pytest.fixture(autouse=True)
def _allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDVAULT_ALLOW_NETWORKS", "127.0.0.0/8")


def test_page_version_is_kept_beside_the_feed_version(db_url: str) -> None:
    from feedvault.vault import open_vault

    with loopback_site() as site, open_vault(db_url) as vault:
        site.routes["/story"] = (200, {"Content-Type": "text/html"}, PAGE.encode())
        site.routes["/feed.xml"] = (
            200,
            {"Content-Type": "application/rss+xml"},
            _feed(site.url("/story")),
        )
        vault.add_feed(site.url("/feed.xml"), slug="short", update=False)
        vault.configure_feed("short", full_text=True, selector="div.post-content")
        [result] = vault.update()
        assert result.new == 1
        [entry] = vault.entries("short")
        full = vault.entry(entry.id)
        assert [v.source for v in full.versions] == ["feed", "page"]
        assert full.versions[0].text.strip() == "A summary only."
        assert "Second paragraph with more detail." in full.text
        assert "Copyright" not in full.text and "Share this" not in full.text
        assert [h.entry.id for h in vault.search("paragraph")] == [entry.id]
        # the feed has not changed: no new version, and the page is not fetched again
        pages = site.hits["/story"]
        [again] = vault.update()
        assert (again.new, again.changed, again.unchanged) == (0, 0, 1)
        assert site.hits["/story"] == pages
        assert len(vault.entry(entry.id).versions) == 2


def test_bad_settings_are_refused(vault: Vault, tmp_path: object) -> None:
    from pathlib import Path

    f = Path(str(tmp_path)) / "f.xml"
    f.write_bytes(_feed("https://e.org/a"))
    vault.add_feed(str(f), slug="f", update=False)
    with pytest.raises(UsageError):
        vault.configure_feed("f", selector="div[[[")
    with pytest.raises(UsageError):
        vault.configure_feed("f", colour="blue")
    assert vault.configure_feed("f", interval=600).settings == {"interval": 600}
    assert vault.configure_feed("f", interval=None).settings == {}
