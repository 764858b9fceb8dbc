"""Storage contract, entries: apply_update and what the reading methods give back afterwards
(order, fields, versions, documents, re-cleaning, statistics), on both backends alike."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from store_kit import T0, batch, later, new_entry, spec, version

from feedvault.errors import EntryNotFound, FeedvaultError
from feedvault.models import Feed
from feedvault.store.base import EntryState, Storage, UpdateCounts

# ---- apply_update and the entry it stores --------------------------------------------------


def test_new_entries_are_counted_and_stored_with_every_field(store: Storage, feed: Feed) -> None:
    doc = b"<rss>the feed document</rss>"
    entry = new_entry(
        "guid-1", "Title ✓ 中文", "Body text", published=T0 - timedelta(hours=3),
        author="Ann", guid="guid-1", link="http://127.0.0.1:9/a",
    )
    counts = store.apply_update(feed.id, batch(later(1), new=[entry], document=doc))
    assert counts == UpdateCounts(new=1, changed=0, unchanged=0)
    [listed] = store.list_entries(feed.id)
    got = store.get_entry(listed.id)
    assert (got.feed_id, got.feed_slug, got.key, got.guid, got.author) == (
        feed.id, "news", "guid-1", "guid-1", "Ann",
    )
    assert (got.title, got.link, got.text) == ("Title ✓ 中文", "http://127.0.0.1:9/a", "Body text")
    assert (got.raw_html, got.content_html) == ("<p>Body text</p>", "<p>Body text</p>")
    assert (got.published, got.published_source) == (T0 - timedelta(hours=3), "feed")
    assert got.published.utcoffset() == timedelta(0)
    assert (got.first_seen, got.last_seen, got.version_count) == (later(1), later(1), 1)
    [v1] = got.versions
    assert (v1.entry_id, v1.seq, v1.source, v1.seen_at) == (got.id, 1, "feed", later(1))
    assert v1.content_hash == entry.version.content_hash
    assert v1.document_sha == hashlib.sha256(doc).hexdigest()
    assert store.get_feed("news").entry_count == 1


def test_times_keep_milliseconds(store: Storage, feed: Feed) -> None:
    at = datetime(2024, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)
    store.apply_update(feed.id, batch(at, new=[new_entry("a", published=at)]))
    [got] = store.list_entries(feed.id)
    assert got.published == at and got.first_seen == at


def test_list_entries_newest_first_ties_by_insertion(store: Storage, feed: Feed) -> None:
    entries = [new_entry("mid", published=T0), new_entry("old", published=T0 - timedelta(days=1)),
               new_entry("tie", published=T0), new_entry("new", published=T0 + timedelta(days=1))]
    store.apply_update(feed.id, batch(new=entries))
    assert [e.key for e in store.list_entries(feed.id)] == ["new", "tie", "mid", "old"]
    oldest = store.list_entries(feed.id, oldest_first=True)
    assert [e.key for e in oldest] == ["old", "mid", "tie", "new"]
    assert [e.key for e in store.list_entries(feed.id, limit=2, offset=1)] == ["tie", "mid"]
    assert [e.key for e in store.list_entries(feed.id, limit=None, offset=3)] == ["old"]
    assert store.list_entries(feed.id, limit=5, offset=10) == []
    assert all(e.versions == () for e in store.list_entries(feed.id))


def test_list_entries_of_all_feeds_and_of_one(store: Storage, feed: Feed) -> None:
    other = store.add_feed(spec("other"))
    store.apply_update(feed.id, batch(new=[new_entry("n", published=T0)]))
    store.apply_update(other.id, batch(new=[new_entry("o", published=later(1))]))
    assert [(e.feed_slug, e.key) for e in store.list_entries()] == [("other", "o"), ("news", "n")]
    assert [e.key for e in store.list_entries(other.id)] == ["o"]
    assert store.list_entries(other.id + 1000) == []


def test_get_entry_without_versions_and_unknown_ids(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a")]))
    [a] = store.list_entries(feed.id)
    assert store.get_entry(a.id, with_versions=False).versions == ()
    assert store.get_entry(a.id, with_versions=False) == a
    with pytest.raises(EntryNotFound) as caught:
        store.get_entry(a.id + 1000)
    assert caught.value.entry_id == a.id + 1000


def test_get_entries_keeps_the_order_asked_and_skips_unknown(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry(k) for k in "abc"]))
    ids = {e.key: e.id for e in store.list_entries(feed.id)}
    got = store.get_entries([ids["c"], 999_999, ids["a"], ids["b"]])
    assert [e.key for e in got] == ["c", "a", "b"]
    assert store.get_entries([]) == []


def test_get_entries_of_more_than_one_chunk(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry(f"k{i:04}") for i in range(1100)]))
    ids = [e.id for e in store.list_entries(feed.id, limit=None, oldest_first=True)]
    assert [e.id for e in store.get_entries(ids[::-1])] == ids[::-1]


# ---- versions ------------------------------------------------------------------------------


def test_a_changed_entry_gets_a_new_current_version(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a", "First", "one")], document=b"d1"))
    [a] = store.list_entries(feed.id)
    counts = store.apply_update(
        feed.id, batch(later(10), changed=[(a.id, version("Second", "two"), None)], document=b"d2")
    )
    assert counts == UpdateCounts(new=0, changed=1, unchanged=0)
    got = store.get_entry(a.id)
    assert (got.title, got.text, got.version_count) == ("Second", "two", 2)
    assert got.last_seen == later(10)
    assert got.first_seen == T0 and got.published == T0  # no new date given: kept
    assert [(v.seq, v.title, v.seen_at) for v in got.versions] == [
        (1, "First", T0), (2, "Second", later(10)),
    ]
    assert [v.document_sha for v in got.versions] == [
        hashlib.sha256(b"d1").hexdigest(), hashlib.sha256(b"d2").hexdigest(),
    ]
    assert store.versions(a.id) == list(got.versions)
    assert store.get_feed("news").entry_count == 1


def test_a_changed_entry_with_a_new_date(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a", published_source="first_seen")]))
    [a] = store.list_entries(feed.id)
    store.apply_update(feed.id, batch(later(1), changed=[(a.id, version("v2"), later(-60))]))
    got = store.get_entry(a.id)
    assert (got.published, got.published_source) == (later(-60), "feed")


def test_the_current_version_again_is_not_stored_twice(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a", "First")]))
    [a] = store.list_entries(feed.id)
    again = batch(later(1), changed=[(a.id, version("Second"), None)])
    assert store.apply_update(feed.id, again).changed == 1
    counts = store.apply_update(feed.id, batch(later(2), changed=[(a.id, version("Second"), None)]))
    assert counts == UpdateCounts(new=0, changed=0, unchanged=1)
    got = store.get_entry(a.id)
    assert got.version_count == 2 and got.last_seen == later(2)


def test_versions_of_an_unknown_entry_are_empty(store: Storage) -> None:
    assert store.versions(123456) == []


def test_unchanged_entries_are_seen_again(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a"), new_entry("b")]))
    ids = {e.key: e.id for e in store.list_entries(feed.id)}
    counts = store.apply_update(feed.id, batch(later(5), unchanged=[ids["a"]]))
    assert counts == UpdateCounts(new=0, changed=0, unchanged=1)
    assert store.get_entry(ids["a"]).last_seen == later(5)
    assert store.get_entry(ids["b"]).last_seen == T0
    assert store.get_entry(ids["a"]).version_count == 1


def test_text_with_nul_and_astral_characters_reads_back(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a", "emoji 🦀 𠀀", "text 🦀")]))
    [a] = store.list_entries(feed.id)
    assert (a.title, a.text) == ("emoji 🦀 𠀀", "text 🦀")


# ---- entry_states --------------------------------------------------------------------------


def test_entry_states_of_known_keys_only(store: Storage, feed: Feed) -> None:
    first = new_entry("a", "A")
    store.apply_update(feed.id, batch(new=[first, new_entry("b", published_source="first_seen")]))
    ids = {e.key: e.id for e in store.list_entries(feed.id)}
    states = store.entry_states(feed.id, ["a", "b", "nope"])
    assert states == {
        "a": EntryState(ids["a"], first.version.content_hash, 1, "feed", "feed"),
        "b": EntryState(ids["b"], new_entry("b").version.content_hash, 1, "first_seen", "feed"),
    }
    assert store.entry_states(feed.id, []) == {}
    other = store.add_feed(spec("other"))
    assert store.entry_states(other.id, ["a", "b"]) == {}  # keys belong to one feed


def test_entry_states_follow_the_newest_feed_version(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a", "v1")]))
    [a] = store.list_entries(feed.id)
    v2 = version("v2")
    store.apply_update(feed.id, batch(later(1), changed=[(a.id, v2, None)]))
    assert store.entry_states(feed.id, ["a"])["a"] == EntryState(a.id, v2.content_hash, 2,
                                                                   "feed", "feed")


def test_entry_states_of_many_keys(store: Storage, feed: Feed) -> None:
    keys = [f"k{i:04}" for i in range(1200)]
    store.apply_update(feed.id, batch(new=[new_entry(k) for k in keys[::3]]))
    states = store.entry_states(feed.id, keys)
    assert sorted(states) == keys[::3]


# ---- documents -----------------------------------------------------------------------------


def test_documents_read_back_as_the_original_bytes(store: Storage, feed: Feed) -> None:
    doc = "<?xml version='1.0'?><rss>中文 \x00 bytes</rss>".encode() * 50
    store.apply_update(feed.id, batch(new=[new_entry("a")], document=doc))
    store.apply_update(feed.id, batch(later(1), document=doc))  # the same document again: fine
    [a] = store.get_entry(store.list_entries(feed.id)[0].id).versions
    assert a.document_sha is not None
    assert store.get_document(a.document_sha) == doc


def test_an_unknown_document_is_a_user_error(store: Storage) -> None:
    with pytest.raises(FeedvaultError, match="no stored document"):
        store.get_document("0" * 64)


# ---- re-cleaning ---------------------------------------------------------------------------


def test_iter_versions_for_reclean_gives_one_feeds_versions_in_pages(
    store: Storage, feed: Feed
) -> None:
    other = store.add_feed(spec("other"))
    store.apply_update(feed.id, batch(new=[new_entry(f"k{i:04}") for i in range(520)]))
    store.apply_update(other.id, batch(new=[new_entry("x")]))
    [k0] = [e for e in store.list_entries(feed.id, limit=None) if e.key == "k0000"]
    store.apply_update(feed.id, batch(later(1), changed=[(k0.id, version("k0 again"), None)]))
    got = list(store.iter_versions_for_reclean(feed.id))
    assert len(got) == 521
    assert [v.id for v in got] == sorted(v.id for v in got)
    assert len({v.id for v in got}) == 521
    assert {v.entry_id for v in got} == {e.id for e in store.list_entries(feed.id, limit=None)}
    assert list(store.iter_versions_for_reclean(other.id + 1000)) == []


def test_rewrite_clean_changes_stored_text_and_what_search_finds(
    store: Storage, feed: Feed
) -> None:
    from feedvault.search.query import parse_query

    store.apply_update(feed.id, batch(new=[new_entry("a", "Title", "alpha words")]))
    [a] = store.list_entries(feed.id)
    [v1] = store.versions(a.id)
    store.rewrite_clean([(v1.id, "<p>omega words</p>", "omega words")])
    [v1_after] = store.versions(a.id)
    assert (v1_after.content_html, v1_after.text) == ("<p>omega words</p>", "omega words")
    assert v1_after.raw_html == v1.raw_html and v1_after.content_hash == v1.content_hash
    assert [h.entry_id for h in store.search(parse_query("omega"))] == [a.id]
    assert store.search(parse_query("alpha")) == []
    store.rewrite_clean([])  # nothing to do is fine


def test_rewrite_clean_of_an_old_version_leaves_the_index(store: Storage, feed: Feed) -> None:
    from feedvault.search.query import parse_query

    store.apply_update(feed.id, batch(new=[new_entry("a", "Title", "alpha")]))
    [a] = store.list_entries(feed.id)
    store.apply_update(feed.id, batch(later(1), changed=[(a.id, version("Title", "beta"), None)]))
    old = store.versions(a.id)[0]
    store.rewrite_clean([(old.id, "<p>gamma</p>", "gamma")])
    assert store.versions(a.id)[0].text == "gamma"
    assert store.search(parse_query("gamma")) == []
    assert [h.entry_id for h in store.search(parse_query("beta"))] == [a.id]


def test_integrity_check_of_a_sound_vault(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a")]))
    assert store.integrity_check() == "ok"


# ---- statistics ----------------------------------------------------------------------------


def test_count_entries(store: Storage, feed: Feed) -> None:
    other = store.add_feed(spec("other"))
    store.apply_update(feed.id, batch(new=[new_entry("a"), new_entry("b")]))
    store.apply_update(other.id, batch(new=[new_entry("c")]))
    assert (store.count_entries(), store.count_entries(feed.id)) == (3, 2)
    assert (store.count_entries(other.id), store.count_entries(other.id + 1000)) == (1, 0)


def test_recent_published_newest_first_without_first_seen_dates(
    store: Storage, feed: Feed
) -> None:
    entries = [
        new_entry("a", published=T0 - timedelta(days=2)),
        new_entry("b", published=T0 + timedelta(days=5), published_source="first_seen"),
        new_entry("c", published=T0),
        new_entry("d", published=T0 - timedelta(days=1), published_source="page"),
    ]
    store.apply_update(feed.id, batch(new=entries))
    assert store.recent_published(feed.id, 10) == [
        T0, T0 - timedelta(days=1), T0 - timedelta(days=2),
    ]
    assert store.recent_published(feed.id, 1) == [T0]


def test_daily_counts_of_the_last_days(store: Storage, feed: Feed) -> None:
    now = datetime.now(tz=UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    days = [now - timedelta(days=1), now - timedelta(days=1, hours=2), now - timedelta(days=3),
            now - timedelta(days=40)]
    store.apply_update(feed.id, batch(new=[new_entry(f"k{i}", published=d)
                                           for i, d in enumerate(days)]))

    def day(d: datetime) -> str:
        return d.strftime("%Y-%m-%d")

    assert store.daily_counts(feed.id, 30) == [(day(days[2]), 1), (day(days[0]), 2)]
    assert store.daily_counts(feed.id + 1000, 30) == []
