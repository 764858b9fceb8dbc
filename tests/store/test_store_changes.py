"""Storage contract, changes and marks: edits, disappearances from the feed and at the origin,
written with the update that noticed them and read back the same way on both backends.

The changes API is reached through ``store_kit.changes_of`` (``store.changes``)."""

from __future__ import annotations

from datetime import timedelta

from store_kit import T0, batch, changes_of, later, new_entry, spec, version

from feedvault.changes.origin import OriginVerdict, WatchPolicy
from feedvault.models import Feed
from feedvault.shapes import change_json
from feedvault.store.base import Storage
from feedvault.timeutil import to_ms


def _ids(store: Storage, feed: Feed) -> dict[str, int]:
    return {e.key: e.id for e in store.list_entries(feed.id, limit=None)}


def test_new_entries_are_no_change(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a")], feed_keys=["a"]))
    assert changes_of(store).list_changes() == []


def test_an_edit_is_marked_with_its_evidence(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a", "Old title", "one two three")],
                                      document=b"d1", feed_keys=["a"]))
    a = _ids(store, feed)["a"]
    store.apply_update(feed.id, batch(later(5), changed=[(a, version("New title", "one two"),
                                                          None)], document=b"d2", feed_keys=["a"]))
    [change] = changes_of(store).list_changes()
    assert (change.kind, change.entry_id, change.feed, change.title, change.how) == (
        "edit", a, "news", "New title", "feed",
    )
    assert change.at == later(5) and change.evidence["seq"] == 2
    [mark] = changes_of(store).marks_for_entry(a)
    assert (mark.kind, mark.entry_id, mark.at, mark.how) == ("edit", a, later(5), "feed")
    assert mark.evidence == change.evidence
    assert change_json(change)["evidence"] == {"how": "feed", **mark.evidence}


def test_a_page_version_is_an_edit_seen_at_the_origin(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a", "Story", "summary")]))
    a = _ids(store, feed)["a"]
    page = version("Story", "the whole article text", source="page")
    store.apply_update(feed.id, batch(later(1), changed=[(a, page, None)]))
    [mark] = changes_of(store).marks_for_entry(a)
    assert (mark.kind, mark.how, mark.evidence["seq"]) == ("edit", "origin", 2)


def test_an_edit_not_stored_is_not_marked(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a", "Same")]))
    a = _ids(store, feed)["a"]
    store.apply_update(feed.id, batch(later(1), changed=[(a, version("Same"), None)]))
    assert changes_of(store).marks_for_entry(a) == []


def test_gone_from_the_feed_and_back(store: Storage, feed: Feed) -> None:
    entries = [new_entry(k, published=T0 + timedelta(days=n)) for n, k in enumerate("abc")]
    store.apply_update(feed.id, batch(new=entries, feed_keys=["c", "b", "a"]))
    ids = _ids(store, feed)
    store.apply_update(feed.id, batch(later(10), unchanged=[ids["a"], ids["c"]],
                                      feed_keys=["c", "a"], document=b"without b"))
    store.apply_update(feed.id, batch(later(20), unchanged=[ids["a"], ids["c"]],
                                      feed_keys=["c", "a"]))  # still gone: no second mark
    store.apply_update(feed.id, batch(later(30), unchanged=list(ids.values()),
                                      feed_keys=["c", "b", "a"]))
    marks = changes_of(store).marks_for_entry(ids["b"])
    assert [(m.kind, m.how, m.at) for m in marks] == [
        ("gone", "feed", later(10)), ("back", "feed", later(30)),
    ]
    assert marks[0].evidence["older_still_listed"] == 1
    assert changes_of(store).marks_for_entry(ids["a"]) == []


def test_the_oldest_leaving_the_window_is_not_gone(store: Storage, feed: Feed) -> None:
    entries = [new_entry(k, published=T0 + timedelta(days=n)) for n, k in enumerate("abc")]
    store.apply_update(feed.id, batch(new=entries, feed_keys=["c", "b", "a"]))
    store.apply_update(feed.id, batch(later(10), feed_keys=["c", "b"]))
    assert changes_of(store).list_changes() == []


def test_list_changes_newest_first_and_filtered(store: Storage, feed: Feed) -> None:
    other = store.add_feed(spec("other"))
    store.apply_update(feed.id, batch(new=[new_entry("a"), new_entry("b")]))
    store.apply_update(other.id, batch(new=[new_entry("o")]))
    ids = _ids(store, feed) | _ids(store, other)
    store.apply_update(feed.id, batch(later(1), changed=[(ids["a"], version("a2"), None)]))
    store.apply_update(other.id, batch(later(2), changed=[(ids["o"], version("o2"), None)]))
    store.apply_update(feed.id, batch(later(3), changed=[(ids["b"], version("b2"), None)]))
    changes = changes_of(store)
    assert [c.entry_id for c in changes.list_changes()] == [ids["b"], ids["o"], ids["a"]]
    assert [c.feed for c in changes.list_changes()] == ["news", "other", "news"]
    assert [c.entry_id for c in changes.list_changes(feed_id=feed.id)] == [ids["b"], ids["a"]]
    assert [c.entry_id for c in changes.list_changes(since_ms=to_ms(later(2)))] == [
        ids["b"], ids["o"],
    ]
    assert [c.entry_id for c in changes.list_changes(limit=1)] == [ids["b"]]
    assert len(changes.list_changes(limit=None)) == 3
    assert changes.list_changes(kind="gone") == []
    assert len(changes.list_changes(kind="edit")) == 3


def test_origin_targets_and_verdicts(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[
        new_entry("old", published=T0 - timedelta(days=30)),
        new_entry("a", published=T0 - timedelta(hours=2)),
        new_entry("b", published=T0 - timedelta(hours=1)),
        new_entry("nolink", published=T0, link=None),
    ]))
    ids = _ids(store, feed)
    changes = changes_of(store)
    policy = WatchPolicy(window_days=7, recheck_hours=0)
    now = to_ms(T0)
    targets = changes.origin_targets(now, policy)
    assert [t.entry_id for t in targets] == [ids["b"], ids["a"]]  # never checked, newest first
    assert all(t.feed_slug == "news" and t.link.startswith("http://") for t in targets)
    assert changes.origin_targets(now, policy, feed.id + 1000) == []
    gone, back = changes.record_origin_verdicts([
        OriginVerdict(ids["a"], "gone", "HTTP 404", now, status=404),
        OriginVerdict(ids["b"], "unknown", "timeout", now),
    ])
    assert (gone, back) == ([ids["a"]], [])
    # checked ones come after never-checked ones; a gone entry is still watched, to see it back
    again = changes.origin_targets(now + 1000, policy)
    assert [t.entry_id for t in again] == [ids["b"], ids["a"]]  # same check time: newest first
    assert [t.gone for t in again if t.entry_id == ids["a"]] == [True]
    assert changes.record_origin_verdicts([
        OriginVerdict(ids["a"], "gone", "HTTP 404", now + 2000, status=404),
    ]) == ([], [])  # already gone: no second mark
    assert changes.record_origin_verdicts([
        OriginVerdict(ids["a"], "ok", "found", now + 3000, status=200, similarity=0.9),
    ]) == ([], [ids["a"]])
    marks = changes.marks_for_entry(ids["a"])
    assert [(m.kind, m.how) for m in marks] == [("gone", "origin"), ("back", "origin")]
    assert marks[0].evidence["status"] == 404 and marks[1].evidence["similarity"] == 0.9
    assert changes.marks_for_entry(ids["b"]) == []


def test_origin_targets_respect_the_recheck_time(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a", published=T0)]))
    a = _ids(store, feed)["a"]
    changes = changes_of(store)
    policy = WatchPolicy(window_days=7, recheck_hours=24)
    changes.record_origin_verdicts([OriginVerdict(a, "ok", "found", to_ms(T0))])
    assert changes.origin_targets(to_ms(later(60)), policy) == []
    next_day = changes.origin_targets(to_ms(T0 + timedelta(days=1)), policy)
    assert [t.entry_id for t in next_day] == [a]


def test_marks_of_a_removed_feed_go_with_it(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a")]))
    a = _ids(store, feed)["a"]
    store.apply_update(feed.id, batch(later(1), changed=[(a, version("a2"), None)]))
    store.remove_feed("news")
    assert changes_of(store).list_changes() == []
    assert changes_of(store).marks_for_entry(a) == []


def test_changes_of_an_empty_vault(store: Storage) -> None:
    changes = changes_of(store)
    assert changes.list_changes() == [] and changes.list_changes(kind="gone") == []
    assert changes.marks_for_entry(1) == []
    assert changes.origin_targets(to_ms(T0), WatchPolicy()) == []
    assert changes.record_origin_verdicts([]) == ([], [])
