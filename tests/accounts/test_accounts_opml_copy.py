"""OPML folders kept on import (as the importing user's, or the admin's, subscription
folders) and written on export; accounts copied between backends with the vault."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_kit import batch, new_entry, spec

from feedvault.archive.opml import read_opml
from feedvault.config import Settings
from feedvault.vault import Vault, open_vault

OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>mine</title></head><body>
  <outline text="News" title="News">
    <outline type="rss" text="A" xmlUrl="http://127.0.0.1:9/a.xml"/>
    <outline type="rss" text="B" xmlUrl="http://127.0.0.1:9/b.xml"/>
  </outline>
  <outline text="Tech"><outline type="rss" text="C" xmlUrl="http://127.0.0.1:9/c.xml"/></outline>
  <outline type="rss" text="D" xmlUrl="http://127.0.0.1:9/d.xml"/>
</body></opml>"""
PW = "a long enough secret"


def _folders(vault: Vault, user: str) -> dict[str, str]:
    return {s.url or "": s.folder for s in vault.users.subscriptions(user)}


def test_opml_folders_round_trip(vault: Vault, tmp_path: Path) -> None:
    vault.users.add("admin", PW, admin=True, follow_all=True)
    vault.users.add("u", PW)
    src = tmp_path / "in.opml"
    src.write_bytes(OPML)
    result = vault.import_paths([src])
    assert result.subscriptions_added == 4
    want = {"http://127.0.0.1:9/a.xml": "News", "http://127.0.0.1:9/b.xml": "News",
            "http://127.0.0.1:9/c.xml": "Tech", "http://127.0.0.1:9/d.xml": ""}
    assert _folders(vault, "admin") == want
    assert vault.users.subscriptions("u") == []
    vault.import_paths([src], user="u")  # feeds already there: filed for u too
    assert _folders(vault, "u") == want
    out = tmp_path / "out.opml"
    assert vault.export_opml(out) == 4
    back = {f.xml_url: f.category or "" for f in read_opml(out.read_bytes())}
    assert back == want
    vault.users.set_folder("u", vault.feeds()[0].slug, "Moved")
    vault.export_opml(out, user="u")
    assert "Moved" in {f.category for f in read_opml(out.read_bytes())}


def test_opml_without_users_imports_as_before(vault: Vault, tmp_path: Path) -> None:
    src = tmp_path / "in.opml"
    src.write_bytes(OPML)
    assert vault.import_paths([src]).subscriptions_added == 4
    out = tmp_path / "out.opml"
    assert vault.export_opml(out) == 4
    assert {f.category for f in read_opml(out.read_bytes())} == {None}


@pytest.mark.parametrize("direction", ["sqlite->postgres"])
def test_accounts_copy_between_backends(tmp_path: Path, pg_url: str, direction: str) -> None:
    from feedvault.store.copy import copy_vault

    src_db = str(tmp_path / "src.db")
    with open_vault(settings=Settings(db=src_db)) as src:
        feed = src.store.add_feed(spec("a"))
        src.users.add("Ann", PW)
        src.users.follow("Ann", "a", folder="Ünïcode")
        src.store.apply_update(feed.id, batch(new=[new_entry(f"k{i}") for i in range(4)]))
        ids = sorted(e.id for e in src.store.list_entries(feed.id, limit=None))
        src.users.mark_read("Ann", ids[:1])
        src.users.star("Ann", ids[1:3])
        src.users.label("Ann", ids, "b")
        src.users.label("Ann", ids, "B")
        src.users.label("Ann", ids, "a")
        with open_vault(settings=Settings(db=pg_url)) as dst:
            report = copy_vault(src.store, dst.store)
            assert report.verified
            assert dst.users.unread_counts("Ann") == src.users.unread_counts("Ann") == {"a": 3}
            assert dst.users.labels("Ann") == src.users.labels("Ann")
            assert dst.users.authenticate("ann", PW) is not None
            dst.users.add("new", PW)  # the id sequence moved past the copied ids
