"""Storage contract, the media catalog (``store.media``): files, URLs and their download
states, the links of versions and snapshots, quotas and counts, what the exports read, and
what removing a feed leaves. Every test runs on both backends."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from store_kit import T0, batch, later, new_entry, spec, version

from feedvault.media.model import MediaFile, MediaLink, MediaRef, MediaTask
from feedvault.models import Feed
from feedvault.store.base import Storage


def _file(data: bytes, mime: str = "image/png", size: tuple[int, int] | None = (4, 3)) -> MediaFile:
    width, height = size if size else (None, None)
    return MediaFile(hashlib.sha256(data).hexdigest(), len(data), mime, width, height)


def _entry(store: Storage, feed: Feed, key: str = "a") -> tuple[int, int]:
    """(entry id, version id) of a new entry."""
    store.apply_update(feed.id, batch(new=[new_entry(key)]))
    entry = next(e for e in store.list_entries(feed.id, limit=None) if e.key == key)
    return entry.id, store.versions(entry.id)[-1].id


IMG = "http://127.0.0.1:9/a.png"
BIG = "http://127.0.0.1:9/big.jpg"


def test_linking_a_version_adds_pending_urls_once(store: Storage, feed: Feed) -> None:
    entry, vid = _entry(store, feed)
    refs = [MediaRef(IMG, "img"), MediaRef(BIG, "srcset", shown_as=IMG), MediaRef(IMG, "img")]
    assert store.media.link_version(vid, entry, refs) == 2
    assert store.media.link_version(vid, entry, refs) == 0  # idempotent
    links = store.media.links_for_versions([vid, vid + 1000])
    assert list(links) == [vid]
    assert links[vid] == [
        MediaLink(IMG, "img", None, "pending", None, None, None, None),
        MediaLink(BIG, "srcset", IMG, "pending", None, None, None, None),
    ]
    assert store.media.link_version(vid, entry, []) == 0
    assert store.media.counts() == {
        "pending": 2, "ok": 0, "failed": 0, "skipped": 0, "files": 0, "bytes": 0,
    }


def test_a_url_shown_by_two_entries_is_one_row(store: Storage, feed: Feed) -> None:
    a, va = _entry(store, feed, "a")
    b, vb = _entry(store, feed, "b")
    assert store.media.link_version(va, a, [MediaRef(IMG, "img")]) == 1
    assert store.media.link_version(vb, b, [MediaRef(IMG, "img")]) == 0
    [task] = store.media.due(T0)
    assert (task.url, task.entry_id, task.feed_id, task.attempts) == (IMG, a, feed.id, 0)
    assert set(store.media.links_for_versions([va, vb])) == {va, vb}


def test_ok_failed_skipped_and_what_is_due(store: Storage, feed: Feed) -> None:
    entry, vid = _entry(store, feed)
    urls = [f"http://127.0.0.1:9/{n}.png" for n in range(4)]
    store.media.link_version(vid, entry, [MediaRef(u, "img") for u in urls])
    tasks = store.media.due(T0)
    assert [t.url for t in tasks] == urls
    assert store.media.due(T0, limit=2) == tasks[:2]
    assert store.media.due(T0, feed_id=feed.id + 1) == []
    assert store.media.due(T0, feed_ids=[feed.id]) == tasks
    assert store.media.due(T0, feed_ids=[]) == []
    ok, failed, gave_up, skipped = tasks
    data = b"\x89PNG bytes"
    http = json.dumps({"exchanges": [{"url": ok.url, "status": 200}]})
    store.media.record_ok(ok.url_id, _file(data), http, later(1))
    store.media.record_failed(failed.url_id, "HTTP 503", None, later(1), later(61))
    store.media.record_failed(gave_up.url_id, "HTTP 404", None, later(1), None)
    store.media.record_skipped(skipped.url_id, "1x1 tracking pixel", None, later(1))
    assert store.media.due(later(2)) == []
    assert store.media.due(later(61)) == [MediaTask(failed.url_id, failed.url, 1, entry, feed.id)]
    sha = hashlib.sha256(data).hexdigest()
    assert store.media.links_for_versions([vid])[vid] == [
        MediaLink(urls[0], "img", None, "ok", sha, "image/png", len(data), None),
        MediaLink(urls[1], "img", None, "failed", None, None, None, "HTTP 503"),
        MediaLink(urls[2], "img", None, "failed", None, None, None, "HTTP 404"),
        MediaLink(urls[3], "img", None, "skipped", None, None, None, "1x1 tracking pixel"),
    ]
    assert store.media.url_state(urls[0]) == MediaLink(
        urls[0], "img", None, "ok", sha, "image/png", len(data), None
    )
    assert store.media.url_state("http://127.0.0.1:9/never") is None
    assert store.media.get_file(sha) == _file(data)
    assert store.media.counts() == {
        "pending": 0, "ok": 1, "failed": 2, "skipped": 1, "files": 1, "bytes": len(data),
    }
    [(url, file, kept, at)] = list(store.media.iter_archived())
    assert (url, file, kept, at) == (urls[0], _file(data), http, later(1))
    assert list(store.media.iter_archived(feed_id=feed.id + 1)) == []
    assert list(store.media.iter_archived(since=later(2))) == []


def test_a_deferred_url_waits(store: Storage, feed: Feed) -> None:
    entry, vid = _entry(store, feed)
    store.media.link_version(vid, entry, [MediaRef(IMG, "img")])
    [task] = store.media.due(T0)
    store.media.defer([task.url_id], later(60))
    assert store.media.due(later(59)) == []
    assert store.media.due(later(60)) == [task]


def test_files_are_recorded_once_and_counted(store: Storage, feed: Feed) -> None:
    a, va = _entry(store, feed, "a")
    b, vb = _entry(store, feed, "b")
    one, two = b"one" * 100, b"two" * 10
    store.media.add_file(_file(one), T0)
    store.media.add_file(_file(one, "image/gif"), later(1))  # the first row stays
    assert store.media.get_file(_file(one).sha) == _file(one)
    assert store.media.get_file("0" * 64) is None
    store.media.link_version(va, a, [MediaRef(IMG, "img"), MediaRef(BIG, "img")])
    store.media.link_version(vb, b, [MediaRef("http://127.0.0.1:9/b.png", "img")])
    tasks = {t.url: t for t in store.media.due(T0)}
    store.media.record_ok(tasks[IMG].url_id, _file(one), None, T0)
    store.media.record_ok(tasks[BIG].url_id, _file(two), None, T0)
    store.media.record_ok(tasks["http://127.0.0.1:9/b.png"].url_id, _file(one), None, T0)
    assert store.media.entry_bytes(a) == len(one) + len(two)
    assert store.media.entry_bytes(b) == len(one)
    assert store.media.total_bytes() == len(one) + len(two)
    assert [f.sha for f in store.media.iter_files()] == sorted([_file(one).sha, _file(two).sha])


def test_versions_to_scan_and_the_scanned_mark(store: Storage, feed: Feed) -> None:
    other = store.add_feed(spec("other"))
    a, va = _entry(store, feed, "a")
    store.apply_update(other.id, batch(later(10), new=[new_entry("x")]))
    x = store.list_entries(other.id)[0]
    vx = store.versions(x.id)[0].id
    store.apply_update(feed.id, batch(later(20), changed=[(a, version("A2", "new"), None)]))
    va2 = store.versions(a)[-1].id
    rows = list(store.media.versions_to_scan())
    assert [r[:3] for r in rows] == [(va, a, feed.id), (vx, x.id, other.id), (va2, a, feed.id)]
    assert rows[2][4] == "<p>new</p>" and rows[2][3] is not None
    assert [r[0] for r in store.media.versions_to_scan(feed_id=feed.id)] == [va, va2]
    assert [r[0] for r in store.media.versions_to_scan(since=later(10))] == [vx, va2]
    assert [r[0] for r in store.media.versions_to_scan(unscanned=True)] == [va, vx, va2]
    store.media.mark_scanned(feed.id, va)
    assert [r[0] for r in store.media.versions_to_scan(unscanned=True)] == [vx, va2]
    store.media.mark_scanned(feed.id, va2)
    store.media.mark_scanned(feed.id, va)  # never moves back
    assert [r[0] for r in store.media.versions_to_scan(unscanned=True)] == [vx]


def test_snapshots_and_their_links(store: Storage, feed: Feed) -> None:
    entry, _vid = _entry(store, feed)
    page = b"<html><img src=a.png></html>"
    store.media.add_file(_file(page, "text/html", None), T0)
    final = {"url": "http://127.0.0.1:9/story", "status": 200, "reason": "OK"}
    http = json.dumps({"exchanges": [{"url": "http://127.0.0.1:9/s", "status": 301}, final]})
    sid = store.media.add_snapshot(
        entry, "http://127.0.0.1:9/s", "http://127.0.0.1:9/story", _file(page).sha, "first",
        T0, http,
    )
    second = store.media.add_snapshot(
        entry, "http://127.0.0.1:9/s", "http://127.0.0.1:9/s", _file(page).sha, "recheck",
        later(5), None,
    )
    assert store.media.link_snapshot(sid, entry, [MediaRef(IMG, "img")]) == 1
    assert store.media.link_snapshot(sid, entry, [MediaRef(IMG, "img")]) == 0
    assert store.media.links_for_snapshot(sid) == [
        MediaLink(IMG, "img", None, "pending", None, None, None, None)
    ]
    assert store.media.links_for_snapshot(second) == []
    snaps = store.media.snapshots(entry)
    assert [(s.id, s.reason, s.fetched_at, s.http) for s in snaps] == [
        (sid, "first", T0, final), (second, "recheck", later(5), None),
    ]
    assert snaps[0].final_url == "http://127.0.0.1:9/story" and snaps[0].sha == _file(page).sha
    assert list(store.media.iter_snapshots()) == snaps
    assert list(store.media.iter_snapshots(since=later(1))) == snaps[1:]
    assert list(store.media.iter_snapshots(feed_id=feed.id + 1)) == []
    assert store.media.url_state(IMG) is not None


def test_documents_keep_their_http_exchange(store: Storage, feed: Feed) -> None:
    from dataclasses import replace

    http = json.dumps({"exchanges": [{"url": "http://127.0.0.1:9/feed.xml", "status": 200}]})
    store.apply_update(feed.id, replace(batch(document=b"<rss/>"), document_http=http))
    store.apply_update(feed.id, batch(later(1), document=b"<rss>2</rss>"))
    docs = list(store.media.iter_documents())
    assert [(d[1], d[2], d[3], d[4], d[5]) for d in docs] == [
        (feed.id, T0, "http://127.0.0.1:9/feed.xml", "application/rss+xml", http),
        (feed.id, later(1), "http://127.0.0.1:9/feed.xml", "application/rss+xml", None),
    ]
    assert store.get_document(docs[0][0]) == b"<rss/>"
    assert list(store.media.iter_documents(since=later(1))) == docs[1:]
    assert list(store.media.iter_documents(feed_id=feed.id + 1)) == []


def test_removing_a_feed_keeps_what_another_feed_shows(store: Storage, feed: Feed) -> None:
    other = store.add_feed(spec("other"))
    a, va = _entry(store, feed, "a")
    store.apply_update(other.id, batch(later(1), new=[new_entry("x")]))
    x = store.list_entries(other.id)[0].id
    vx = store.versions(x)[0].id
    shared, own = b"shared", b"own"
    page = b"<html>page</html>"
    store.media.link_version(va, a, [MediaRef(IMG, "img"), MediaRef(BIG, "img")])
    store.media.link_version(vx, x, [MediaRef(IMG, "img")])
    tasks = {t.url: t for t in store.media.due(T0)}
    store.media.record_ok(tasks[IMG].url_id, _file(shared), None, T0)
    store.media.record_ok(tasks[BIG].url_id, _file(own), None, T0)
    store.media.add_file(_file(page, "text/html", None), T0)
    sid = store.media.add_snapshot(a, "http://127.0.0.1:9/a", "http://127.0.0.1:9/a",
                                   _file(page).sha, "first", T0, None)
    store.media.link_snapshot(sid, a, [MediaRef(IMG, "img")])
    assert store.media.feed_shas(feed.id) == {_file(shared).sha, _file(own).sha, _file(page).sha}
    store.remove_feed(feed.slug)
    assert store.media.get_file(_file(shared).sha) is not None
    assert store.media.get_file(_file(own).sha) is None
    assert store.media.get_file(_file(page).sha) is None
    assert store.media.url_state(BIG) is None
    state = store.media.url_state(IMG)
    assert state is not None and state.state == "ok"
    assert store.media.links_for_versions([vx])[vx][0].sha == _file(shared).sha
    assert store.media.entry_bytes(x) == len(shared)  # first seen, now, in the other feed
    assert store.media.snapshots(a) == []
    assert store.media.counts()["files"] == 1
    # the other feed's URL is still due-able through its own entry
    store.media.record_failed(tasks[IMG].url_id, "HTTP 500", None, T0, T0 + timedelta(hours=1))
    [task] = store.media.due(T0 + timedelta(hours=1))
    assert (task.entry_id, task.feed_id) == (x, other.id)


def test_version_source_names_the_document(store: Storage, feed: Feed) -> None:
    store.apply_update(feed.id, batch(new=[new_entry("a")], document=b"<rss>a</rss>"))
    store.apply_update(feed.id, batch(later(1), new=[new_entry("b")]))  # no document kept
    a, b = sorted(store.list_entries(feed.id, limit=None), key=lambda e: e.key)
    va, vb = store.versions(a.id)[0].id, store.versions(b.id)[0].id
    assert store.media.version_source(va) == (
        "a", hashlib.sha256(b"<rss>a</rss>").hexdigest(), "http://127.0.0.1:9/feed.xml",
        "application/rss+xml",
    )
    assert store.media.version_source(vb) is None


def test_unscanned_versions_of_some_feeds_up_to_a_version(store: Storage, feed: Feed) -> None:
    other = store.add_feed(spec("other"))
    quiet = store.add_feed(spec("quiet"))  # never marked, no versions
    a, va = _entry(store, feed, "a")
    store.apply_update(other.id, batch(later(1), new=[new_entry("x")]))
    vx = store.versions(store.list_entries(other.id)[0].id)[0].id
    top = store.media.max_version_id()
    assert top == vx
    both = [feed.id, other.id, quiet.id]
    assert [r[0] for r in store.media.versions_to_scan(unscanned=True, feed_ids=both)] == [va, vx]
    assert [r[0] for r in store.media.versions_to_scan(feed_ids=[other.id])] == [vx]
    assert [r[0] for r in store.media.versions_to_scan(feed_ids=[])] == []
    assert [r[0] for r in store.media.versions_to_scan(upto=va)] == [va]
    store.media.mark_feeds_scanned(both, top)
    assert list(store.media.versions_to_scan(unscanned=True, feed_ids=both)) == []
    store.apply_update(feed.id, batch(later(2), changed=[(a, version("A2", "new"), None)]))
    va2 = store.versions(a)[-1].id
    rows = store.media.versions_to_scan(unscanned=True, feed_ids=both)
    assert [(r[0], r[2]) for r in rows] == [(va2, feed.id)]
    assert [r[0] for r in store.media.versions_to_scan(unscanned=True, upto=top)] == []
    store.media.mark_feeds_scanned([feed.id], va)  # never moves back
    assert [r[0] for r in store.media.versions_to_scan(unscanned=True)] == [va2]
