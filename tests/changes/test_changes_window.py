"""A feed whose window moves on (old items scroll out) is not a feed losing articles.

Uses the real BBC feed from the corpus, served from loopback in windows of 20 items.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree
from site_server import Site

from feedvault.changes.feedwatch import feed_disappearances
from feedvault.parse import parse_feed

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
BBC = CORPUS / "feeds" / "en" / "bbc-1.xml"


def windows() -> tuple[bytes, list[etree._Element]]:
    """The BBC document and its items newest first (by pubDate, as parsed)."""
    data = BBC.read_bytes()
    root = etree.fromstring(data)
    channel = root.find("channel")
    assert channel is not None
    items = channel.findall("item")
    published = {i: e.published for i, e in enumerate(parse_feed(data).entries)}
    order = sorted(range(len(items)), key=lambda i: published[i], reverse=True)
    return data, [items[i] for i in order]


def serve(site: Site, items: list[etree._Element]) -> None:
    root = etree.fromstring(BBC.read_bytes())
    channel = root.find("channel")
    assert channel is not None
    for old in channel.findall("item"):
        channel.remove(old)
    for item in items:
        channel.append(item)
    body = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    site.pages["/bbc.xml"] = (200, {"Content-Type": "application/rss+xml"}, body)


def gone_marks(vault: Any) -> list[tuple[int, str]]:
    rows = vault.store.conn.execute("SELECT entry_id, how FROM marks WHERE kind = 'gone'")
    return [tuple(r) for r in rows]


def test_moving_window_gives_no_gone_marks(site: Site, wired: Any) -> None:
    _, items = windows()
    distinct = len({(i.findtext("guid") or i.findtext("link")) for i in items})
    assert distinct >= 40, "the corpus feed should have enough items for three windows"
    serve(site, items[30:50])
    vault = wired
    vault.add_feed(site.url("/bbc.xml"), slug="bbc")
    for start in (25, 18, 10, 0):  # newer items arrive, the oldest scroll out
        serve(site, items[start : start + 20])
        [result] = vault.update()
        assert result.status == "ok" and result.new > 0
    assert gone_marks(vault) == []
    # Control: the same vault does notice an item taken out of the middle of the window.
    serve(site, items[0:7] + items[8:20])
    vault.update()
    assert len(gone_marks(vault)) == 1


def test_rule_on_keys() -> None:
    published = {"a": 50, "b": 40, "c": 30, "d": 20, "e": 10}
    previous = ["a", "b", "c", "d", "e"]
    assert feed_disappearances(previous, ["x", "a", "b", "c", "d"], published) == []
    assert feed_disappearances(previous, ["a", "c", "d", "e"], published) == ["b"]
    assert feed_disappearances(previous, ["x", "y"], published) == []  # nothing stayed
    # Equal dates (first-seen times) are never "older".
    assert feed_disappearances(["p", "q"], ["q"], {"p": 5, "q": 5}) == []
