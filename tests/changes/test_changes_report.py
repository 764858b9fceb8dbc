"""Reports: `feedvault changes --json`, the Atom feed of changes, and lines for `show`."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from site_server import Item, Site

from feedvault.changes.backend import changes_api
from feedvault.changes.report import changes_atom, format_marks
from feedvault.cli.changes import add_changes_parsers
from feedvault.export.atom import AtomFeedInfo
from feedvault.parse import parse_feed
from feedvault.shapes import change_json

A = "{http://www.w3.org/2005/Atom}"
# As tests/conftest.py decides which backends a run covers (CI starts PostgreSQL).
WITH_POSTGRES = "postgres" in os.environ.get("FEEDVAULT_TEST_BACKENDS", "sqlite,postgres")


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
    changes = changes_api(changed_vault.store).list_changes()
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
    db = changes_api(changed_vault.store)
    gone = db.list_changes(kind="gone")[0]
    lines = format_marks(db.marks_for_entry(gone.entry_id))
    assert len(lines) == 1 and "\tgone\tfeed\tleft the feed" in lines[0]


SITE_FEED = (
    '<rss version="2.0"><channel><title>t</title><item><guid>g1</guid>'
    "<title>{}</title><description>&lt;p&gt;{}&lt;/p&gt;</description></item></channel></rss>"
)


def three_versions(vault: Any) -> None:
    from feedvault.store.base import FeedSpec

    vault.store.add_feed(FeedSpec("plain", "plain", None))
    for title, text in (("One", "first text"), ("One", "second text"), ("Two", "second text")):
        vault.update_from_bytes("plain", SITE_FEED.format(title, text).encode())


def test_migration_notes_edits_of_older_versions(vault: Any) -> None:
    """A vault that kept versions before the marks table existed gets their edit marks."""
    three_versions(vault)
    db = changes_api(vault.store)
    with db.transaction() as conn:
        conn.execute("DELETE FROM marks")  # as before the changes package existed
        db.migrate()
        db.migrate()  # idempotent
    edits = db.list_changes(kind="edit")
    assert [(c.evidence["seq"], c.evidence["fields"]) for c in edits] == [
        (3, ["title"]), (2, ["text"]),
    ]


@pytest.mark.skipif(not WITH_POSTGRES, reason="PostgreSQL is left out of this run")
def test_postgres_upgrade_adds_marks_of_stored_edits(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PostgreSQL vault from before schema 6 gets the tables and its edits' marks on open."""
    from feedvault.vault import open_vault

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    with open_vault(pg_url) as vault:
        three_versions(vault)
        with vault.store.transaction() as conn:
            conn.execute("DROP TABLE marks, feed_keys, origin_checks")
            conn.execute("DELETE FROM schema_version WHERE version >= 6")
    with open_vault(pg_url) as vault:
        edits = changes_api(vault.store).list_changes(kind="edit")
        assert [(c.evidence["seq"], c.evidence["fields"], c.title) for c in edits] == [
            (3, ["title"], "Two"), (2, ["text"], "Two"),
        ]


@pytest.mark.skipif(not WITH_POSTGRES, reason="PostgreSQL is left out of this run")
def test_marks_copy_to_postgres_and_back(
    site: Site, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`feedvault copy` keeps the marks, and the next update compares with the copied keys."""
    from feedvault.config import Settings
    from feedvault.store.copy import copy_vault
    from feedvault.vault import open_vault

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    loopback = ("127.0.0.0/8",)
    a_settings = Settings(db=str(tmp_path / "a.db"), allow_networks=loopback)
    with open_vault(a_settings.db, settings=a_settings) as a:
        site.feed(feed_items("Rice prices rise"))
        a.add_feed(site.url("/feed.xml"), slug="news")
        site.feed(feed_items("Rice prices rise again", third=False))
        a.update()
        before = [change_json(c) for c in changes_api(a.store).list_changes()]
        assert [c["kind"] for c in before] == ["gone", "edit"]
        settings = Settings(db=pg_url, allow_networks=loopback)
        with open_vault(pg_url, settings=settings) as pg:
            report = copy_vault(a.store, pg.store)
            assert report.verified
            assert {t.name: t.rows for t in report.tables}["feed_keys"] == 3
            assert [change_json(c) for c in changes_api(pg.store).list_changes()] == before
            site.feed(feed_items("Rice prices rise again"))  # the bridge story is back
            pg.update()
            kinds = [c.kind for c in changes_api(pg.store).list_changes()]
            assert kinds == ["back", "gone", "edit"]
            with open_vault(str(tmp_path / "b.db")) as b:
                copy_vault(pg.store, b.store)
                assert [c.kind for c in changes_api(b.store).list_changes()] == kinds
