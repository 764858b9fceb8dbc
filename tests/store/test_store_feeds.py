"""Storage contract, feeds: add/get/list/remove, errors and settings, leases, meta.

Every test runs on both backends with the same assertions (the ``db_url`` parameter).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from store_kit import T0, batch, later, new_entry, spec

from feedvault.errors import FeedNotFound, UsageError
from feedvault.models import Feed
from feedvault.store.base import FeedSpec, FeedStateUpdate, Storage

# ---- add / get / list ----------------------------------------------------------------------


def test_add_feed_returns_the_stored_feed(store: Storage) -> None:
    settings: dict[str, object] = {"full_text": True, "selector": "div.post", "interval": 600}
    added = store.add_feed(
        FeedSpec("news", "News", "http://127.0.0.1:9/rss", "http://127.0.0.1:9/", settings)
    )
    assert (added.slug, added.name, added.url, added.site_url) == (
        "news", "News", "http://127.0.0.1:9/rss", "http://127.0.0.1:9/",
    )
    assert added.settings == settings
    assert (added.status, added.error_count, added.entry_count) == ("ok", 0, 0)
    assert added.last_error is None and added.etag is None and added.last_updated is None
    assert added.added_at.utcoffset() is not None  # an aware time, never a naive one
    assert store.get_feed("news") == added


def test_add_feed_without_url_is_an_archive_only_feed(store: Storage) -> None:
    added = store.add_feed(FeedSpec("old", "Old", None))
    assert store.get_feed("old").url is None and added.url is None


def test_duplicate_slug_is_a_usage_error_and_keeps_the_first(store: Storage) -> None:
    store.add_feed(FeedSpec("news", "First", "http://127.0.0.1:9/a"))
    with pytest.raises(UsageError, match="already exists") as caught:
        store.add_feed(FeedSpec("news", "Second", "http://127.0.0.1:9/b"))
    assert not isinstance(caught.value, FeedNotFound)
    assert store.get_feed("news").name == "First"
    assert len(store.list_feeds()) == 1


def test_get_unknown_feed_raises_feed_not_found(store: Storage) -> None:
    with pytest.raises(FeedNotFound) as caught:
        store.get_feed("nope")
    assert caught.value.slug == "nope"


def test_list_feeds_sorted_by_slug_bytes_with_entry_counts(store: Storage) -> None:
    for slug in ("zeta", "alpha", "b-2", "b1", "Alpha"):
        store.add_feed(spec(slug))
    alpha = store.get_feed("alpha")
    store.apply_update(alpha.id, batch(new=[new_entry("a"), new_entry("b")]))
    feeds = store.list_feeds()
    assert [f.slug for f in feeds] == ["Alpha", "alpha", "b-2", "b1", "zeta"]
    assert {f.slug: f.entry_count for f in feeds} == {
        "Alpha": 0, "alpha": 2, "b-2": 0, "b1": 0, "zeta": 0,
    }
    assert store.get_feed("alpha").entry_count == 2


def test_list_feeds_of_an_empty_vault(store: Storage) -> None:
    assert store.list_feeds() == []


def test_slug_taken(store: Storage) -> None:
    assert store.slug_taken("news") is False
    store.add_feed(spec("news"))
    assert store.slug_taken("news") is True
    assert store.slug_taken("NEWS") is False  # slugs are compared exactly
    store.remove_feed("news")
    assert store.slug_taken("news") is False


# ---- remove ------------------------------------------------------------------------------


def test_remove_feed_returns_its_entry_count_and_leaves_others(store: Storage) -> None:
    news, other = store.add_feed(spec("news")), store.add_feed(spec("other"))
    store.apply_update(news.id, batch(new=[new_entry(f"n{i}") for i in range(3)], document=b"x"))
    store.apply_update(other.id, batch(new=[new_entry("o1")]))
    assert store.remove_feed("news") == 3
    with pytest.raises(FeedNotFound):
        store.get_feed("news")
    assert [f.slug for f in store.list_feeds()] == ["other"]
    assert store.count_entries() == 1
    assert [e.key for e in store.list_entries()] == ["o1"]


def test_remove_feed_of_an_empty_feed_and_unknown_slug(store: Storage) -> None:
    store.add_feed(spec("empty"))
    assert store.remove_feed("empty") == 0
    with pytest.raises(FeedNotFound):
        store.remove_feed("empty")


def test_removed_slug_can_be_added_again_empty(store: Storage) -> None:
    feed = store.add_feed(spec("news"))
    store.apply_update(feed.id, batch(new=[new_entry("a")]))
    store.remove_feed("news")
    again = store.add_feed(spec("news"))
    assert again.entry_count == 0 and store.list_entries(again.id) == []


# ---- errors, settings, feed state --------------------------------------------------------


def test_record_feed_error_counts_and_backs_off(store: Storage, feed: Feed) -> None:
    store.record_feed_error(feed.id, "news: HTTP 500", T0, next_check=later(30))
    store.record_feed_error(feed.id, "news: HTTP 502", T0)  # None keeps the next check
    got = store.get_feed("news")
    assert (got.status, got.error_count, got.last_error) == ("error", 2, "news: HTTP 502")
    assert got.next_check == later(30)


def test_record_feed_error_with_a_status(store: Storage, feed: Feed) -> None:
    store.record_feed_error(feed.id, "news: HTTP 410 gone", T0, status="gone")
    got = store.get_feed("news")
    assert (got.status, got.error_count) == ("gone", 1)


def test_a_successful_update_clears_the_error(store: Storage, feed: Feed) -> None:
    store.record_feed_error(feed.id, "news: timeout", T0)
    store.apply_update(feed.id, batch(later(1), feed_state=FeedStateUpdate(warning="odd date")))
    got = store.get_feed("news")
    assert (got.status, got.error_count, got.last_error) == ("ok", 0, "odd date")
    assert got.last_updated == later(1)


def test_set_feed_settings_replaces_them(store: Storage, feed: Feed) -> None:
    store.set_feed_settings(feed.id, {"full_text": True, "note": "中文 ✓", "n": [1, {"a": None}]})
    assert store.get_feed("news").settings == {
        "full_text": True, "note": "中文 ✓", "n": [1, {"a": None}],
    }
    store.set_feed_settings(feed.id, {"interval": 60})
    assert store.get_feed("news").settings == {"interval": 60}


def test_feed_state_of_an_update(store: Storage) -> None:
    feed = store.add_feed(FeedSpec("news", "news", "http://127.0.0.1:9/old"))
    state = FeedStateUpdate(
        etag='"v1"', last_modified="Fri, 01 Mar 2024 12:00:00 GMT", title="The News",
        site_url="http://127.0.0.1:9/", url="http://127.0.0.1:9/new", next_check=later(60),
        document_sha="ab" * 32,
    )
    store.apply_update(feed.id, batch(T0, feed_state=state))
    got = store.get_feed("news")
    assert (got.etag, got.last_modified) == ('"v1"', "Fri, 01 Mar 2024 12:00:00 GMT")
    assert got.name == "The News"  # a feed still named after its slug takes the title
    assert (got.site_url, got.url) == ("http://127.0.0.1:9/", "http://127.0.0.1:9/new")
    assert (got.next_check, got.last_updated, got.last_doc_sha) == (later(60), T0, "ab" * 32)
    # None leaves a field as it is; a site URL once known and a user's name are kept
    later_state = FeedStateUpdate(title="Renamed", site_url="http://127.0.0.1:9/other")
    store.apply_update(feed.id, batch(later(5), feed_state=later_state))
    again = store.get_feed("news")
    assert (again.name, again.site_url, again.etag) == ("The News", "http://127.0.0.1:9/", '"v1"')
    assert again.last_updated == later(5)


def test_apply_feed_states_moves_several_feeds_at_once(store: Storage) -> None:
    a, b, c = (store.add_feed(spec(s)) for s in ("a", "b", "c"))
    store.apply_feed_states([
        (a.id, later(1), FeedStateUpdate(etag='"a2"', next_check=later(61))),
        (b.id, later(2), FeedStateUpdate(last_modified="yesterday", next_check=later(62))),
    ])
    got = {f.slug: f for f in store.list_feeds()}
    assert (got["a"].etag, got["a"].next_check, got["a"].last_updated) == (
        '"a2"', later(61), later(1),
    )
    assert (got["b"].last_modified, got["b"].next_check) == ("yesterday", later(62))
    assert got["c"] == c
    store.apply_feed_states([])  # nothing to do is fine
    assert store.list_feeds() == list(got.values())


# ---- leases ------------------------------------------------------------------------------


def test_claim_due_feeds_most_overdue_first(store: Storage) -> None:
    for slug in ("never", "old", "recent", "future", "paused", "gone", "archive"):
        store.add_feed(spec(slug) if slug != "archive" else FeedSpec(slug, slug, None))
    ids = {f.slug: f.id for f in store.list_feeds()}
    past, soon = T0 - timedelta(days=400), T0 + timedelta(days=3650)
    store.apply_feed_states([
        (ids["old"], T0, FeedStateUpdate(next_check=past)),
        (ids["recent"], T0, FeedStateUpdate(next_check=past + timedelta(days=1))),
        (ids["future"], T0, FeedStateUpdate(next_check=soon)),
    ])
    store.record_feed_error(ids["paused"], "paused by the user", T0, status="paused")
    store.record_feed_error(ids["gone"], "HTTP 410", T0, status="gone")
    claimed = store.claim_due_feeds("w1", 10, 300)
    assert [f.slug for f in claimed] == ["never", "old", "recent"]
    assert store.claim_due_feeds("w2", 10, 300) == []  # all leased to w1


def test_claim_respects_the_limit_and_leaves_the_rest(
    store: Storage, open_more: Callable[[], Storage]
) -> None:
    for n in range(5):
        store.add_feed(spec(f"f{n}"))
    other = open_more()
    first = store.claim_due_feeds("w1", 2, 300)
    second = other.claim_due_feeds("w2", 10, 300)
    assert len(first) == 2 and len(second) == 3
    assert {f.slug for f in first} | {f.slug for f in second} == {f"f{n}" for n in range(5)}
    assert store.claim_due_feeds("w1", 0, 300) == []


def test_release_feed_only_by_its_holder(store: Storage, feed: Feed) -> None:
    [claimed] = store.claim_due_feeds("w1", 5, 300)
    assert claimed.id == feed.id
    assert store.release_feed(feed.id, "w2") is False
    assert store.release_feed(feed.id, "w1") is True
    assert store.release_feed(feed.id, "w1") is False  # already given back
    assert [f.id for f in store.claim_due_feeds("w2", 5, 300)] == [feed.id]


def test_a_run_out_lease_is_claimable_again(store: Storage, feed: Feed) -> None:
    assert [f.id for f in store.claim_due_feeds("dead", 5, -60)] == [feed.id]
    assert [f.id for f in store.claim_due_feeds("alive", 5, 300)] == [feed.id]
    assert store.release_feed(feed.id, "dead") is False


# ---- meta --------------------------------------------------------------------------------


def test_meta_set_get_replace_delete(store: Storage, open_more: Callable[[], Storage]) -> None:
    assert store.get_meta("admin") is None
    store.set_meta("admin", "hash-1")
    store.set_meta("admin", "hash-2 ✓ 中文")
    store.set_meta("token", "t")
    other = open_more()
    assert other.get_meta("admin") == "hash-2 ✓ 中文" and other.get_meta("token") == "t"
    store.set_meta("admin", None)
    store.set_meta("missing", None)  # deleting what is not there is fine
    assert other.get_meta("admin") is None and other.get_meta("token") == "t"
