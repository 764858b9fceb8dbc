"""Accounts and the compact reading state on both backends: users, subscriptions, the
read-up-to mark and its exceptions, stars, labels, counts, the river, edits that come back
as unread for the users who asked for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_kit import T0, batch, later, new_entry, spec, version

from feedvault.errors import UsageError
from feedvault.models import Feed
from feedvault.vault import Vault

PW = "a long enough secret"


def _feed(vault: Vault, slug: str, n: int, *, start: int = 0) -> Feed:
    """A feed with ``n`` entries e<start>..; entry i is published i hours after T0."""
    try:
        feed = vault.store.get_feed(slug)
    except Exception:
        feed = vault.store.add_feed(spec(slug))
    if n:
        vault.store.apply_update(feed.id, batch(later(start), new=[
            new_entry(f"{slug}{i}", published=T0 + timedelta(hours=i))
            for i in range(start, start + n)]))
    return vault.store.get_feed(slug)


def _ids(vault: Vault, slug: str) -> list[int]:
    feed = vault.store.get_feed(slug)
    return sorted(e.id for e in vault.store.list_entries(feed.id, limit=None))


def _unread(vault: Vault, user: str, slug: str) -> list[int]:
    flags = vault.users.unread(user, _ids(vault, slug))
    return sorted(i for i, unread in flags.items() if unread)


def test_users_add_list_passwords_remove(vault: Vault) -> None:
    u = vault.users.add("Alice", PW)
    assert (u.name, u.is_admin) == ("Alice", False)
    with pytest.raises(UsageError, match="already exists"):
        vault.users.add("alice", PW)  # names are case-insensitive
    with pytest.raises(UsageError, match="bad user name"):
        vault.users.add("a:b", PW)
    with pytest.raises(UsageError, match="at least 8"):
        vault.users.add("bob", "short")
    vault.users.add("bob", PW, admin=True)
    assert [x.name for x in vault.users.all()] == ["Alice", "bob"]
    assert vault.users.authenticate("ALICE", PW) is not None
    assert vault.users.authenticate("alice", PW + "x") is None
    assert vault.users.authenticate("nobody", PW) is None
    vault.users.set_password("alice", "another secret")
    assert vault.users.authenticate("alice", PW) is None
    assert vault.users.authenticate("alice", "another secret") is not None
    stored = vault.store.accounts.password_hash("alice")
    assert stored and stored.startswith("$argon2id$") and "another" not in stored
    with pytest.raises(UsageError, match="last admin"):
        vault.users.set_admin("bob", False)
    vault.users.remove("alice")
    assert [x.name for x in vault.users.all()] == ["bob"]
    with pytest.raises(UsageError, match="no user named"):
        vault.users.get("alice")


def test_subscriptions_and_folders(vault: Vault) -> None:
    _feed(vault, "a", 2)
    _feed(vault, "b", 1)
    vault.users.add("u", PW)
    vault.users.follow("u", "a", folder="News")
    vault.users.follow("u", "b", folder="Tech", title="My B")
    subs = {s.slug: s for s in vault.users.subscriptions("u")}
    assert (subs["a"].folder, subs["b"].folder, subs["b"].shown_title) == ("News", "Tech", "My B")
    assert vault.users.folders("u") == ["News", "Tech"]
    vault.users.set_folder("u", "b", "News")
    assert vault.users.folders("u") == ["News"]
    assert vault.users.unfollow("u", "a") is True
    assert [s.slug for s in vault.users.subscriptions("u")] == ["b"]


def test_what_was_stored_is_read_and_what_arrives_is_unread(vault: Vault) -> None:
    _feed(vault, "a", 3)
    vault.users.add("u", PW)
    vault.users.add("v", PW)
    vault.users.follow("u", "a")
    assert _unread(vault, "u", "a") == []
    _feed(vault, "a", 2, start=3)
    new = _ids(vault, "a")[3:]
    assert _unread(vault, "u", "a") == new
    assert vault.users.unread_counts("u") == {"a": 2}
    assert vault.users.unread("v", new) == {}  # not followed: no state


def test_mark_feed_read_then_one_unread_and_new_ones(vault: Vault) -> None:
    _feed(vault, "a", 0)
    vault.users.add("u", PW)
    vault.users.follow("u", "a")
    _feed(vault, "a", 5)
    ids = _ids(vault, "a")
    assert vault.users.unread_counts("u") == {"a": 5}
    vault.users.mark_feed_read("u", "a")
    assert vault.users.unread_counts("u") == {"a": 0}
    vault.users.mark_read("u", [ids[1]], read=False)
    assert _unread(vault, "u", "a") == [ids[1]]
    assert vault.users.unread_counts("u") == {"a": 1}
    _feed(vault, "a", 2, start=5)
    ids = _ids(vault, "a")
    assert _unread(vault, "u", "a") == [ids[1], ids[5], ids[6]]
    vault.users.mark_read("u", [ids[6], ids[1]])
    assert _unread(vault, "u", "a") == [ids[5]]
    assert vault.users.unread_counts("u") == {"a": 1}
    # the exceptions stay compact: one 'read' row above the mark, none below
    rows = vault.store.accounts.db.all("SELECT entry_id, is_read FROM read_state")
    assert [(int(e), int(r)) for e, r in rows] == [(ids[6], 1)]
    vault.users.mark_feed_read("u", "a")
    assert vault.store.accounts.db.all("SELECT * FROM read_state") == []


def test_mark_feed_read_up_to_what_was_seen(vault: Vault) -> None:
    _feed(vault, "a", 0)
    vault.users.add("u", PW)
    vault.users.follow("u", "a")
    _feed(vault, "a", 4)
    ids = _ids(vault, "a")
    vault.users.mark_feed_read("u", "a", upto_id=ids[1])
    assert _unread(vault, "u", "a") == ids[2:]
    vault.users.mark_read("u", [ids[0]], read=False)  # below the mark
    vault.users.mark_feed_read("u", "a", upto_id=ids[0])  # the mark stays, the entry is read
    assert _unread(vault, "u", "a") == ids[2:]
    assert vault.users.unread_counts("u") == {"a": 2}


def test_mark_read_older_than_a_time(vault: Vault) -> None:
    _feed(vault, "a", 0)
    vault.users.add("u", PW)
    vault.users.follow("u", "a")
    # arrive out of order: published hours 5, 6, then 0..2 (a backfill)
    _feed(vault, "a", 2, start=5)
    _feed(vault, "a", 3, start=0)
    by_key = {e.key: e.id for e in vault.store.list_entries(vault.feed("a").id, limit=None)}
    vault.users.mark_all_read("u", before=T0 + timedelta(hours=2))
    assert _unread(vault, "u", "a") == sorted([by_key["a5"], by_key["a6"], by_key["a2"]])
    vault.users.mark_all_read("u", before=T0 + timedelta(hours=6))
    assert _unread(vault, "u", "a") == [by_key["a6"]]
    assert vault.users.unread_counts("u") == {"a": 1}


def test_mark_folder_read_and_folder_counts(vault: Vault) -> None:
    for slug in ("a", "b", "c"):
        _feed(vault, slug, 0)
    vault.users.add("u", PW)
    vault.users.follow("u", "a", folder="X")
    vault.users.follow("u", "b", folder="X")
    vault.users.follow("u", "c")
    for slug in ("a", "b", "c"):
        _feed(vault, slug, 2)
    assert vault.users.folder_counts("u") == {"X": 4, "": 2}
    assert vault.users.mark_folder_read("u", "X") == 2
    assert vault.users.folder_counts("u") == {"X": 0, "": 2}
    assert vault.users.unread_counts("u") == {"a": 0, "b": 0, "c": 2}


def test_state_is_per_user(vault: Vault) -> None:
    _feed(vault, "a", 0)
    for name in ("u", "v"):
        vault.users.add(name, PW)
        vault.users.follow(name, "a")
    _feed(vault, "a", 3)
    vault.users.mark_feed_read("u", "a")
    vault.users.star("u", [_ids(vault, "a")[0]])
    assert vault.users.unread_counts("u") == {"a": 0}
    assert vault.users.unread_counts("v") == {"a": 3}
    assert vault.users.river("v", starred=True, unread_only=False).items == []


def test_stars_and_labels(vault: Vault) -> None:
    _feed(vault, "a", 0)
    vault.users.add("u", PW)
    vault.users.follow("u", "a")
    _feed(vault, "a", 3)
    ids = _ids(vault, "a")
    vault.users.star("u", ids[:2])
    vault.users.star("u", ids[:1])  # idempotent
    vault.users.star("u", [ids[-1] + 1000])  # no such entry: left out
    vault.users.label("u", [ids[-1] + 1000], "nothing")
    assert vault.store.accounts.starred_ids(vault.users.get("u").id) == ids[:2]
    vault.users.star("u", [ids[0]], starred=False)
    page = vault.users.river("u", starred=True, unread_only=False)
    assert [i.entry_id for i in page.items] == [ids[1]] and page.items[0].starred
    vault.users.label("u", ids, "later")
    vault.users.label("u", [ids[2]], "best")
    assert vault.users.labels("u") == [("best", 1), ("later", 3)]
    rows = vault.store.accounts
    uid = vault.users.get("u").id
    assert rows.entry_labels(uid, [ids[2]]) == {ids[2]: ["best", "later"]}
    rows.rename_label(uid, "best", "later")  # merges
    assert vault.users.labels("u") == [("later", 3)]
    vault.users.mark_read("u", [ids[0]])
    page = vault.users.river("u", label="later")
    assert [i.entry_id for i in page.items] == [ids[2], ids[1]]
    rows.delete_label(uid, "later")
    assert vault.users.labels("u") == []


@pytest.mark.parametrize("walk", [2000, 2])  # the first walk finds the page, or not
def test_river_pages_and_scopes(vault: Vault, walk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import feedvault.store.sql.accounts

    monkeypatch.setattr(feedvault.store.sql.accounts, "WALK", walk)
    _feed(vault, "a", 0)
    _feed(vault, "b", 0)
    vault.users.add("u", PW)
    vault.users.follow("u", "a", folder="X")
    vault.users.follow("u", "b")
    _feed(vault, "a", 7)
    _feed(vault, "b", 5, start=100)
    everything = sorted(_ids(vault, "a") + _ids(vault, "b"), reverse=True)  # newest first
    seen: list[int] = []
    after = None
    while True:
        page = vault.users.river("u", limit=3, after=after)
        seen += [i.entry_id for i in page.items]
        if page.next is None:
            break
        after = page.next
    # b's entries are published later than a's: newest first is b then a, each by id desc
    assert seen == sorted(_ids(vault, "b"), reverse=True) + sorted(_ids(vault, "a"), reverse=True)
    assert sorted(seen, reverse=True) == everything
    vault.users.mark_feed_read("u", "b")
    vault.users.mark_read("u", [_ids(vault, "a")[0]])
    unread = [i.entry_id for i in vault.users.river("u", limit=100).items]
    assert unread == sorted(_ids(vault, "a")[1:], reverse=True)
    read = vault.users.river("u", unread_only=False, read_only=True, limit=100).items
    assert [i.entry_id for i in read] == [*sorted(_ids(vault, "b"), reverse=True),
                                          _ids(vault, "a")[0]]
    all_b = vault.users.river("u", feed="b", unread_only=False, limit=100).items
    assert [i.unread for i in all_b] == [False] * 5
    folder = vault.users.river("u", folder="X", limit=2)
    assert [i.feed_id for i in folder.items] == [vault.feed("a").id] * 2
    oldest = vault.users.river("u", oldest_first=True, limit=2, unread_only=False)
    assert [i.entry_id for i in oldest.items] == _ids(vault, "a")[:2]
    # an unread exception below the mark shows in the unread river in its place
    vault.users.mark_read("u", [_ids(vault, "b")[2]], read=False)
    unread = [i.entry_id for i in vault.users.river("u", limit=100).items]
    assert unread[0] == _ids(vault, "b")[2]


def test_river_continuation_survives_new_entries(vault: Vault) -> None:
    _feed(vault, "a", 0)
    vault.users.add("u", PW)
    vault.users.follow("u", "a")
    _feed(vault, "a", 6)
    first = vault.users.river("u", limit=3)
    _feed(vault, "a", 3, start=50)  # newer ones arrive between the pages
    assert first.next is not None
    second = vault.users.river("u", limit=3, after=first.next)
    ids = _ids(vault, "a")[:6]
    assert [i.entry_id for i in first.items + second.items] == sorted(ids, reverse=True)


def test_an_edit_is_unread_again_only_for_who_asked(vault: Vault) -> None:
    feed = _feed(vault, "a", 0)
    vault.users.add("u", PW)
    vault.users.add("v", PW)
    for name in ("u", "v"):
        vault.users.follow(name, "a")
    vault.users.set_options("u", unread_on_edit=True)
    _feed(vault, "a", 2)
    ids = _ids(vault, "a")
    for name in ("u", "v"):
        vault.users.mark_feed_read(name, "a")
    vault.store.apply_update(feed.id, batch(later(60), changed=[
        (ids[0], version("a0 corrected", "new text"), None)]))
    assert _unread(vault, "u", "a") == [ids[0]]
    assert _unread(vault, "v", "a") == []
    assert vault.users.unread_counts("u") == {"a": 1}
    vault.users.mark_read("u", [ids[0]])
    assert _unread(vault, "u", "a") == []  # read after the edit: stays read
    vault.store.apply_update(feed.id, batch(later(90), changed=[
        (ids[1], version("a1 corrected", "other"), None)]))
    assert [i.entry_id for i in vault.users.river("u").items] == [ids[1]]
    vault.store.apply_update(feed.id, batch(later(120), changed=[
        (ids[0], version("a0 corrected twice", "newer text"), None)]))
    with vault.store.read_snapshot():  # no write inside a read snapshot: caught up after it
        assert vault.users.unread_counts("u")["a"] in (1, 2)
    assert vault.users.unread_counts("u") == {"a": 2}


def test_removing_a_feed_or_a_user_removes_their_state(vault: Vault) -> None:
    _feed(vault, "a", 0)
    vault.users.add("u", PW)
    vault.users.follow("u", "a")
    _feed(vault, "a", 3)
    ids = _ids(vault, "a")
    vault.users.mark_read("u", ids[:1])
    vault.users.star("u", ids)
    vault.users.label("u", ids, "x")
    vault.remove_feed("a")
    db = vault.store.accounts.db
    for table in ("subscriptions", "read_state", "stars", "labels"):
        assert db.all(f"SELECT * FROM {table}") == [], table
    _feed(vault, "b", 0)
    vault.users.follow("u", "b")
    _feed(vault, "b", 1)
    vault.users.star("u", _ids(vault, "b"))
    vault.users.remove("u")
    for table in ("users", "subscriptions", "stars"):
        assert db.all(f"SELECT * FROM {table}") == [], table


def test_follow_new_follows_feeds_added_later(vault: Vault) -> None:
    vault.users.add("u", PW, follow_all=True)
    vault.users.add("v", PW)
    vault.add_feed("http://127.0.0.1:9/x.xml", slug="x", update=False)
    assert [s.slug for s in vault.users.subscriptions("u")] == ["x"]
    assert vault.users.subscriptions("v") == []
    _feed(vault, "x", 2)
    assert vault.users.unread_counts("u") == {"x": 2}


def test_entry_counts_follow_inserts_and_removals(vault: Vault) -> None:
    """The per-feed entry counts that unread counts read agree with the entries."""
    _feed(vault, "a", 0)
    _feed(vault, "b", 0)
    vault.users.add("u", PW)
    vault.users.follow("u", "a")
    vault.users.follow("u", "b")
    _feed(vault, "a", 3)
    _feed(vault, "b", 4)
    _feed(vault, "a", 2, start=10)
    db = vault.store.accounts.db

    def counts() -> dict[int, int]:
        return {int(f): int(n) for f, n in db.all("SELECT feed_id, entries FROM feed_counts")}

    real = {int(f): int(n) for f, n in db.all(
        "SELECT feed_id, count(*) FROM entries GROUP BY feed_id")}
    assert counts() == real
    assert vault.users.unread_counts("u") == {"a": 5, "b": 4}
    vault.users.mark_feed_read("u", "a", upto_id=_ids(vault, "a")[2])
    assert vault.users.unread_counts("u") == {"a": 2, "b": 4}
    vault.remove_feed("b")
    assert counts() == {vault.feed("a").id: 5}
    assert vault.users.unread_counts("u") == {"a": 2}
