"""Article snapshots on a loopback site, through a real vault (both backends): the page kept
at first sight with its HTTP exchange and images, again on a recheck only when it changed,
and one request per page when full text is also on."""

from __future__ import annotations

import hashlib
import struct
import zlib
from typing import Any

import pytest
from site_server import Item, Site

from feedvault.changes.origin import WatchPolicy
from feedvault.changes.watch import run_origin_watch

STORY = (
    "<p>Rescue teams reached the village late on Sunday after the landslide cut the road.</p>"
    "<p>Three people are still missing, the regional governor told reporters.</p>"
)
RECHECK_NOW = WatchPolicy(window_days=3650, recheck_hours=0)


def png(width: int, height: int, shade: int) -> bytes:
    """A real PNG (any viewer opens it), distinct per shade; no imaging library needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes([shade, 255 - shade, 128]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PHOTO = png(32, 24, 40)


@pytest.fixture(autouse=True)
def _media_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite turns media off (tests/conftest.py); these vaults archive images."""
    monkeypatch.setenv("FEEDVAULT_MEDIA", "1")


def publish(site: Site, *, article: str = STORY, path: str = "/a/1") -> None:
    site.feed([Item("story-1", "Landslide cuts road", path, 2, "<p>A summary only.</p>")])
    site.page(path, f"<h1>Landslide</h1>{article}<img src='/img/photo.png' alt='The road'>")
    site.pages["/img/photo.png"] = (200, {"Content-Type": "image/png"}, PHOTO)


def watch(vault: Any) -> Any:
    return run_origin_watch(
        vault.store, vault.fetcher, RECHECK_NOW, rules=vault.rules,
        media_files=vault.media_files,
    )


def only_entry(vault: Any) -> int:
    [entry] = vault.entries("news")
    return int(entry.id)


def test_first_sight_keeps_the_page_its_exchange_and_its_images(wired: Any, site: Site) -> None:
    publish(site)
    vault = wired
    vault.add_feed(site.url("/feed.xml"), slug="news", update=False)
    vault.configure_feed("news", snapshot=True)
    [result] = vault.update()
    assert result.new == 1 and not result.warnings
    entry_id = only_entry(vault)
    [snap] = vault.store.media.snapshots(entry_id)
    assert snap.reason == "first"
    assert snap.url == snap.final_url == site.url("/a/1")
    page = site.pages["/a/1"][2]
    assert snap.sha == hashlib.sha256(page).hexdigest()
    assert vault.media_files.read(snap.sha) == page
    assert vault.store.media.get_file(snap.sha).mime == "text/html"
    assert snap.http is not None and snap.http["status"] == 200
    assert ["Content-Type", "text/html; charset=utf-8"] in snap.http["response_headers"]
    # the page's image is linked to the snapshot and archived in the same update
    [link] = vault.store.media.links_for_snapshot(snap.id)
    assert link.url == site.url("/img/photo.png")
    assert link.state == "ok" and link.sha == hashlib.sha256(PHOTO).hexdigest()
    assert vault.media_files.read(link.sha) == PHOTO
    # nothing new in the feed: the page is not fetched again, no second snapshot
    hits = site.hits.count("/a/1")
    vault.update()
    assert site.hits.count("/a/1") == hits == 1
    assert len(vault.store.media.snapshots(entry_id)) == 1


def test_recheck_keeps_a_second_snapshot_only_when_the_page_changed(
    wired: Any, site: Site
) -> None:
    publish(site)
    vault = wired
    vault.add_feed(site.url("/feed.xml"), slug="news", update=False)
    vault.configure_feed("news", snapshot=True)
    vault.update()
    entry_id = only_entry(vault)
    report = watch(vault)
    assert (report.checked, report.snapshots) == (1, 0)  # same bytes: nothing new
    assert len(vault.store.media.snapshots(entry_id)) == 1
    publish(site, article=STORY + "<p>Update: two of the missing were found alive.</p>")
    report = watch(vault)
    assert (report.checked, report.snapshots, report.gone) == (1, 1, ())
    first, second = vault.store.media.snapshots(entry_id)
    assert (first.reason, second.reason) == ("first", "recheck")
    assert vault.media_files.read(second.sha) == site.pages["/a/1"][2]
    assert [link.url for link in vault.store.media.links_for_snapshot(second.id)] == [
        site.url("/img/photo.png")
    ]
    assert watch(vault).snapshots == 0  # unchanged since the recheck
    assert len(vault.store.media.snapshots(entry_id)) == 2


def test_a_feed_without_snapshots_keeps_none_on_a_recheck(wired: Any, site: Site) -> None:
    publish(site)
    vault = wired
    vault.add_feed(site.url("/feed.xml"), slug="news", update=False)
    vault.update()
    entry_id = only_entry(vault)
    assert site.hits.count("/a/1") == 0  # no snapshot, no full text: the page is not fetched
    publish(site, article=STORY + "<p>Changed.</p>")
    assert watch(vault).snapshots == 0
    assert vault.store.media.snapshots(entry_id) == []


def test_full_text_and_snapshot_share_one_request(wired: Any, site: Site) -> None:
    publish(site)
    vault = wired
    vault.add_feed(site.url("/feed.xml"), slug="news", update=False)
    vault.configure_feed("news", full_text=True, snapshot=True)
    [result] = vault.update()
    assert result.new == 1 and not result.warnings
    assert site.hits.count("/a/1") == 1
    entry_id = only_entry(vault)
    full = vault.entry(entry_id)
    assert [v.source for v in full.versions] == ["feed", "page"]
    assert "regional governor" in full.text
    [snap] = vault.store.media.snapshots(entry_id)
    assert vault.media_files.read(snap.sha) == site.pages["/a/1"][2]


def test_a_page_that_cannot_be_fetched_is_a_warning_not_a_failure(
    wired: Any, site: Site
) -> None:
    publish(site)
    site.status("/a/1", 404)
    vault = wired
    vault.add_feed(site.url("/feed.xml"), slug="news", update=False)
    vault.configure_feed("news", snapshot=True)
    [result] = vault.update()
    assert result.status == "ok" and result.new == 1
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("news: no snapshot of ")
    assert "404" in result.warnings[0]
    assert vault.store.media.snapshots(only_entry(vault)) == []
    assert vault.feed("news").status == "ok"


def test_a_feed_that_turns_snapshots_on_later_gets_its_first_on_a_recheck(
    wired: Any, site: Site
) -> None:
    publish(site)
    vault = wired
    vault.add_feed(site.url("/feed.xml"), slug="news", update=False)
    vault.update()
    entry_id = only_entry(vault)
    vault.configure_feed("news", snapshot=True)
    assert watch(vault).snapshots == 1
    [snap] = vault.store.media.snapshots(entry_id)
    assert snap.reason == "first" and vault.media_files.read(snap.sha) == site.pages["/a/1"][2]
    [link] = vault.store.media.links_for_snapshot(snap.id)
    assert link.state == "pending"  # the watch links the images; the next update fetches them
    vault.update()
    [link] = vault.store.media.links_for_snapshot(snap.id)
    assert link.state == "ok" and vault.media_files.read(str(link.sha)) == PHOTO


def test_a_page_gone_at_first_sight_or_a_redirect_home_on_a_recheck_is_not_kept(
    wired: Any, site: Site
) -> None:
    publish(site)
    site.status("/a/1", 410)
    vault = wired
    vault.add_feed(site.url("/feed.xml"), slug="news", update=False)
    vault.configure_feed("news", snapshot=True)
    [result] = vault.update()
    assert result.status == "ok" and len(result.warnings) == 1 and "410" in result.warnings[0]
    entry_id = only_entry(vault)
    assert vault.store.media.snapshots(entry_id) == []
    site.redirect("/a/1", site.url("/"), 302)
    report = watch(vault)
    assert (report.gone, report.snapshots) == ((entry_id,), 0)
    assert vault.store.media.snapshots(entry_id) == []
