"""Storage contract, two writers and the two drift cases of issue #19.

- A batch decided against entry states that another writer changed before the commit must
  fail the same way on both backends (StaleBatch, or StorageError when the batch carried no
  expectations), never with a driver error, and write nothing.
- With full text on, an unchanged feed item polled again after its page version keeps the
  versions ``feed, page`` (compared with the newest *feed* version), on both backends.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from store_kit import (
    PageSite,
    backends,
    batch,
    changes_of,
    later,
    new_entry,
    open_store,
    spec,
    version,
)

from feedvault.errors import StorageError
from feedvault.models import Feed
from feedvault.store.base import FeedStateUpdate, StaleBatch, Storage, UpdateCounts

ALLOWED = (StaleBatch, StorageError)


def _outcome(call: Callable[[], object]) -> BaseException | None:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the type is what the test is about
        return exc
    return None


def _assert_contract_error(exc: BaseException | None) -> None:
    assert exc is not None, "the stale batch was written"
    assert isinstance(exc, ALLOWED), (
        f"a stale batch raised {type(exc).__module__}.{type(exc).__name__}: {exc} "
        "(expected StaleBatch or StorageError, never a driver error)"
    )


# ---- a second writer -----------------------------------------------------------------------


def test_a_second_writer_sees_every_commit(
    store: Storage, open_more: Callable[[], Storage]
) -> None:
    other = open_more()
    feed = store.add_feed(spec("news"))
    assert other.get_feed("news") == feed and other.slug_taken("news")
    store.apply_update(feed.id, batch(new=[new_entry("a", "Apple", "fresh words")]))
    [a] = other.list_entries(feed.id)
    assert other.entry_states(feed.id, ["a"])["a"].entry_id == a.id
    other.apply_update(feed.id, batch(later(1), changed=[(a.id, version("Apple 2"), None)]))
    assert [v.title for v in store.versions(a.id)] == ["Apple", "Apple 2"]
    assert [c.entry_id for c in changes_of(store).list_changes()] == [a.id]
    assert store.get_feed("news").last_updated == later(1)


def test_stale_new_entry_raises_stale_batch_and_writes_nothing(
    store: Storage, feed: Feed, open_more: Callable[[], Storage]
) -> None:
    states = store.entry_states(feed.id, ["k"])  # decided: "k" is new
    assert states == {}
    other = open_more()
    other.apply_update(feed.id, batch(new=[new_entry("k", "Theirs")]))
    mine = batch(later(1), new=[new_entry("k", "Mine")], document=b"mine",
                 feed_state=FeedStateUpdate(etag='"mine"'), expected=states, expected_keys=["k"])
    with pytest.raises(StaleBatch):
        store.apply_update(feed.id, mine)
    assert [e.title for e in store.list_entries(feed.id)] == ["Theirs"]
    got = store.get_feed("news")
    assert got.etag is None and got.last_updated == batch().seen_at
    assert store.integrity_check() == "ok"


def test_stale_changed_entry_raises_stale_batch(
    store: Storage, feed: Feed, open_more: Callable[[], Storage]
) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("k", "v1")]))
    states = store.entry_states(feed.id, ["k"])
    k = states["k"].entry_id
    other = open_more()
    other.apply_update(feed.id, batch(later(1), changed=[(k, version("v2"), None)]))
    mine = batch(later(2), changed=[(k, version("v3"), None)], expected=states,
                 expected_keys=["k"])
    with pytest.raises(StaleBatch):
        store.apply_update(feed.id, mine)
    assert [v.title for v in store.versions(k)] == ["v1", "v2"]
    assert len(changes_of(store).marks_for_entry(k)) == 1


def test_after_a_stale_batch_a_new_decision_is_written(
    store: Storage, feed: Feed, open_more: Callable[[], Storage]
) -> None:
    states = store.entry_states(feed.id, ["k", "j"])
    open_more().apply_update(feed.id, batch(new=[new_entry("k")]))
    stale = batch(later(1), new=[new_entry("k"), new_entry("j")], expected=states,
                  expected_keys=["k", "j"])
    with pytest.raises(StaleBatch):
        store.apply_update(feed.id, stale)
    fresh = store.entry_states(feed.id, ["k", "j"])
    again = batch(later(2), new=[new_entry("j")], unchanged=[fresh["k"].entry_id],
                  expected=fresh, expected_keys=["k", "j"])
    assert store.apply_update(feed.id, again) == UpdateCounts(new=1, changed=0, unchanged=1)
    assert sorted(e.key for e in store.list_entries(feed.id)) == ["j", "k"]


def test_an_unchecked_batch_racing_a_writer_is_a_storage_error(
    store: Storage,
    feed: Feed,
    open_more: Callable[[], Storage],
) -> None:
    """Drift case 2: no expectations in the batch, the other writer stored the entry first
    (SQLite raised a bare sqlite3.IntegrityError here, PostgreSQL a StorageError)."""
    open_more().apply_update(feed.id, batch(new=[new_entry("k", "Theirs")]))
    mine = batch(later(1), new=[new_entry("k", "Mine")], document=b"mine",
                 feed_state=FeedStateUpdate(etag='"mine"'))
    _assert_contract_error(_outcome(lambda: store.apply_update(feed.id, mine)))
    assert [e.title for e in store.list_entries(feed.id)] == ["Theirs"]
    assert store.get_feed("news").etag is None
    # the store goes on working after the failed transaction
    store.apply_update(feed.id, batch(later(2), new=[new_entry("j")]))
    assert store.count_entries(feed.id) == 2


def test_the_stale_race_fails_alike_on_both_backends(
    make_db: Callable[[str, Path], AbstractContextManager[str]],
    tmp_path: Path,
) -> None:
    """The same race, run on each backend in turn: the same error type from both."""
    if not {"sqlite", "postgres"} <= backends():
        pytest.skip("needs both backends")
    seen: dict[str, str] = {}
    for backend in ("sqlite", "postgres"):
        with make_db(backend, tmp_path / backend) as db:
            first, second = open_store(db), open_store(db)
            try:
                feed = first.add_feed(spec("news"))
                second.apply_update(feed.id, batch(new=[new_entry("k")]))
                late = batch(new=[new_entry("k")])
                exc = _outcome(lambda: first.apply_update(feed.id, late))  # noqa: B023
                _assert_contract_error(exc)
                seen[backend] = type(exc).__name__
            finally:
                first.close()
                second.close()
    assert seen["sqlite"] == seen["postgres"], seen


def test_two_writers_storing_the_same_change_store_it_once(
    store: Storage, feed: Feed, open_more: Callable[[], Storage]
) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("k", "v1")]))
    k = store.entry_states(feed.id, ["k"])["k"].entry_id
    other = open_more()
    assert other.apply_update(feed.id, batch(later(1), changed=[(k, version("v2"), None)])) == (
        UpdateCounts(new=0, changed=1, unchanged=0)
    )
    assert store.apply_update(feed.id, batch(later(2), changed=[(k, version("v2"), None)])) == (
        UpdateCounts(new=0, changed=0, unchanged=1)
    )
    assert [v.title for v in store.versions(k)] == ["v1", "v2"]
    assert store.get_entry(k).last_seen == later(2)


# ---- drift case 1: full text -----------------------------------------------------------------


def test_entry_states_compare_with_the_newest_feed_version(store: Storage, feed: Feed) -> None:
    """What the decision reads after a page version: the feed version, not the page."""
    store.apply_update(feed.id, batch(new=[new_entry("k", "Story", "summary")]))
    feed_state = store.entry_states(feed.id, ["k"])["k"]
    k = feed_state.entry_id
    page = version("Story", "the whole article", source="page")
    store.apply_update(feed.id, batch(later(1), changed=[(k, page, None)]))
    after = store.entry_states(feed.id, ["k"])["k"]
    assert (after.content_hash, after.source) == (feed_state.content_hash, "feed")
    assert after.version_count == 2
    # the entry shows (and search finds) the page version
    assert store.get_entry(k).text == "the whole article"
    # an unchanged item is only seen again: the versions stay feed, page
    store.apply_update(feed.id, batch(later(2), unchanged=[k]))
    assert [v.source for v in store.versions(k)] == ["feed", "page"]


PAGE = """<html><head><title>Story</title></head><body><nav>Home | Share this</nav>
<div class="post-content"><p>The whole article, first paragraph.</p>
<p>Second paragraph with more detail.</p></div><footer>Copyright</footer></body></html>"""


def _rss(items: list[tuple[str, str]]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><description>A summary only."
        "</description><pubDate>Sat, 03 Feb 2024 09:34:00 GMT</pubDate></item>"
        for title, link in items
    )
    return (f'<rss version="2.0"><channel><title>Short</title>{body}</channel></rss>').encode()


def test_full_text_item_polled_again_keeps_feed_then_page(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drift case 1 through the real pipeline (PostgreSQL stored `feed, page, feed`)."""
    from feedvault.vault import open_vault

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDVAULT_ALLOW_NETWORKS", "127.0.0.0/8")  # read when the vault opens
    pages = {"/story": PAGE, "/other-0": PAGE, "/other-1": PAGE}
    with PageSite(pages) as site, open_vault(db_url) as vault:
        vault.add_feed(site.url("/feed.xml"), slug="short", update=False)
        vault.configure_feed("short", full_text=True, selector="div.post-content")
        items = [("Story", site.url("/story"))]
        first = vault.update_from_bytes("short", _rss(items))
        assert first.new == 1, first
        assert not first.warnings, first.warnings
        [story] = vault.entries("short")
        assert [v.source for v in vault.entry(story.id).versions] == ["feed", "page"]
        for n in range(2):  # the document changes around the unchanged item
            items.append((f"Other {n}", site.url(f"/other-{n}")))
            result = vault.update_from_bytes("short", _rss(items))
            assert (result.new, result.changed) == (1, 0)
        assert [v.source for v in vault.entry(story.id).versions] == ["feed", "page"]
        assert "Second paragraph" in vault.entry(story.id).text
        assert site.hits["/story"] == 1
