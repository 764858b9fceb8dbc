"""Only http(s) links leave the vault: a `javascript:` link an older vault holds is never
written into a page's href, the JSON API, Atom or the markdown export."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import rss
from feedvault.export.links import http_link

HOSTILE_LINKS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "/relative/path",
    "http:no-slashes",
]


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_only_http_links_pass(link: str) -> None:
    assert http_link(link) is None


def test_http_links_kept() -> None:
    assert http_link("https://example.org/a?b=1#c") == "https://example.org/a?b=1#c"
    assert http_link(" HTTP://example.org/\n") == "HTTP://example.org/"


def test_stored_javascript_link_never_written_out(tmp_path: Path) -> None:
    from feedvault.vault import open_vault
    from feedvault.web import create_app

    source = tmp_path / "feed.xml"
    source.write_text(rss([("j-1", "Old item", "<p>text</p>", "Mon, 02 Jun 2025 08:00:00 GMT")],
                          "Old vault"), "utf-8")
    db = str(tmp_path / "vault.db")
    with open_vault(db) as vault:
        vault.add_feed(str(source), slug="old", update=True)
        entry_id = vault.entries("old")[0].id
    with sqlite3.connect(db) as conn:  # as a vault from before the parser checked links
        conn.execute("UPDATE versions SET link = 'java\tscript:alert(document.domain)'")
    with TestClient(create_app(db)) as client:
        outputs = [
            client.get(f"/entries/{entry_id}").text,
            client.get(f"/api/entries/{entry_id}").text,
            client.get(f"/api/entries/{entry_id}/versions").text,
            client.get("/api/feeds/old/entries").text,
            client.get("/feeds/old.atom").text,
            client.get("/search.atom?q=Old").text,
        ]
        assert client.get(f"/api/entries/{entry_id}").json()["link"] is None
    with open_vault(db) as vault:
        vault.export_markdown(tmp_path / "md")
    outputs += [p.read_text("utf-8") for p in (tmp_path / "md").rglob("*.md")]
    assert len(outputs) > 6
    for text in outputs:
        assert "script:alert" not in text.replace("\t", "")
