"""Reports: `feedvault changes --json`, the Atom feed of changes, and lines for `show`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from site_server import Item, Site

from feedvault.changes import sqlite as sql
from feedvault.changes.cli import add_changes_parsers
from feedvault.changes.report import changes_atom, format_marks
from feedvault.export.atom import AtomFeedInfo
from feedvault.parse import parse_feed

A = "{http://www.w3.org/2005/Atom}"


def feed_items(second_title: str, third: bool = True) -> list[Item]:
    out = [
        Item("s1", "Harbour reopens", "/s/1", 1, "<p>The harbour reopened to ships today.</p>"),
        Item("s2", second_title, "/s/2", 2, "<p>Prices of rice rose for a second month.</p>"),
        Item("s3", "Bridge closed", "/s/3", 3, "<p>The old bridge is closed for repairs.</p>"),
        Item("s4", "Park opens", "/s/4", 4, "<p>A new park opened by the river.</p>"),
    ]
    return [i for i in out if third or i.guid != "s3"]


@pytest.fixture
def changed_vault(site: Site, wired: Any) -> Any:
    site.feed(feed_items("Rice prices rise"))
    wired.add_feed(site.url("/feed.xml"), slug="news")
    site.feed(feed_items("Rice prices rise again", third=False))
    wired.update()
    return wired


def run_cli(vault: Any, argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()

    def add(sub: Any, name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
        p.set_defaults(handler=handler)
        return p

    add_changes_parsers(sub, add)
    args = parser.parse_args(argv)
    assert args.handler(vault, args) == 0
    return capsys.readouterr().out


def test_changes_json(changed_vault: Any, capsys: pytest.CaptureFixture[str]) -> None:
    out = json.loads(run_cli(changed_vault, ["changes", "--json"], capsys))
    assert [(o["kind"], o["feed"], o["title"]) for o in out] == [
        ("gone", "news", "Bridge closed"),
        ("edit", "news", "Rice prices rise again"),
    ]
    for o in out:
        assert set(o) == {"kind", "entry", "feed", "title", "at", "evidence"}
        assert o["at"].endswith("Z") and isinstance(o["entry"], int)
    edit = next(o for o in out if o["kind"] == "edit")
    assert edit["evidence"]["fields"] == ["title"]
    only = json.loads(run_cli(changed_vault, ["changes", "--kind", "gone", "--json"], capsys))
    assert [o["title"] for o in only] == ["Bridge closed"]
    later = run_cli(changed_vault, ["changes", "--since", "2999-01-01", "--json"], capsys)
    assert json.loads(later) == []
    text = run_cli(changed_vault, ["changes", "--feed", "news"], capsys)
    assert "left the feed while 1 older item(s) stayed" in text


def test_changes_atom_validates_and_reads_back(changed_vault: Any) -> None:
    changes = sql.list_changes(changed_vault.store.conn)
    info = AtomFeedInfo(
        title="Changes", self_url="http://127.0.0.1/changes.atom",
        alternate_url="http://127.0.0.1/changes", feed_id="urn:feedvault:changes",
    )
    data = changes_atom(changes, info, lambda c: f"http://127.0.0.1/entries/{c.entry_id}/diff")
    root = etree.fromstring(data)
    assert root.tag == A + "feed"
    for tag in ("id", "title", "updated"):
        assert root.find(A + tag) is not None
    entries = root.findall(A + "entry")
    assert len(entries) == 2
    for entry in entries:
        for tag in ("id", "title", "updated", "link", "summary"):
            assert entry.find(A + tag) is not None, tag
    parsed = parse_feed(data)
    titles = sorted(e.title for e in parsed.entries)
    assert titles == ["Edited: Rice prices rise again", "Gone: Bridge closed"]
    assert all(e.link and e.link.endswith("/diff") for e in parsed.entries)
    assert len({e.guid for e in parsed.entries}) == 2


def test_show_lines(changed_vault: Any) -> None:
    gone = sql.list_changes(changed_vault.store.conn, kind="gone")[0]
    lines = format_marks(sql.marks_for_entry(changed_vault.store.conn, gone.entry_id))
    assert len(lines) == 1 and "\tgone\tfeed\tleft the feed" in lines[0]


def test_migration_notes_edits_of_older_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vault that kept versions before the marks table existed gets their edit marks."""
    from feedvault.vault import open_vault

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))

    vault = open_vault(str(tmp_path / "plain.db"))  # SQLite, no changes wiring
    site_feed = '<rss version="2.0"><channel><title>t</title><item><guid>g1</guid>' \
        "<title>{}</title><description>&lt;p&gt;{}&lt;/p&gt;</description></item></channel></rss>"
    from feedvault.store.base import FeedSpec

    vault.store.add_feed(FeedSpec("plain", "plain", None))
    vault.update_from_bytes("plain", site_feed.format("One", "first text").encode())
    vault.update_from_bytes("plain", site_feed.format("One", "second text").encode())
    vault.update_from_bytes("plain", site_feed.format("Two", "second text").encode())
    with vault.store.transaction() as conn:
        sql.migrate_changes(conn)
        sql.migrate_changes(conn)  # idempotent
    edits = sql.list_changes(vault.store.conn, kind="edit")
    assert [(c.evidence["seq"], c.evidence["fields"]) for c in edits] == [
        (3, ["title"]), (2, ["text"]),
    ]
    vault.close()
