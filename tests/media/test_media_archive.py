"""The media archiver against a loopback image site, on both backends: what an update
archives (bytes equal to the origin's), skips and fails, with which reasons; retries with
backoff; quotas; per-feed off; the backfill; verify; what removing a feed deletes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from image_site import EXPECTED, IMAGES, SMALL_CAP, ImageSite, feed_xml, sha

from feedvault.errors import VaultFault
from feedvault.timeutil import now_utc
from feedvault.update.media import MAX_ATTEMPTS, archive_media, backoff
from feedvault.vault import Vault

MakeVault = Callable[..., Vault]


def _states(vault: Vault, site: ImageSite) -> dict[str, tuple[str, str | None]]:
    found = {}
    for path in EXPECTED:
        link = vault.store.media.url_state(site.url(path))
        assert link is not None, path
        found[path] = (link.state, link.error)
    return found


def test_an_update_archives_what_the_items_show(vault: Vault, site: ImageSite) -> None:
    feed = vault.add_feed(site.feed_url, slug="images")
    media = vault.updater.last_media
    assert media is not None
    assert (media.fetched, media.skipped, media.failed) == (6, 3, 1)
    assert media.stored_bytes == sum(
        len(site.origin_bytes(p)) for p, e in EXPECTED.items() if e.state == "ok"
    )
    assert media.feed_dict(feed.id)["fetched"] == 6
    files = vault.media_files
    for path, expected in EXPECTED.items():
        link = vault.store.media.url_state(site.url(path))
        assert link is not None and link.state == expected.state, (path, link)
        if expected.reason is not None:
            assert link.error is not None and expected.reason in link.error, (path, link.error)
        if expected.state == "ok":
            origin = site.origin_bytes(path)
            assert link.sha == sha(origin) and link.size == len(origin)
            assert files.read(link.sha) == origin  # archived bytes == origin bytes
            assert hashlib.sha256(files.read(link.sha)).hexdigest() == link.sha
    mimes = {p: vault.store.media.url_state(site.url(p)).mime for p in EXPECTED}  # type: ignore[union-attr]
    assert mimes["/img/drawing.svg"] == "image/svg+xml" and mimes["/img/moved.jpg"] == "image/jpeg"
    assert mimes["/img/large.webp"] == "image/webp" and mimes["/img/anim.gif"] == "image/gif"
    big = vault.store.media.url_state(site.url("/img/big.png"))
    assert big is not None and big.error == (
        f"too large: over the [media] max_file_bytes cap of {SMALL_CAP} bytes"
    )
    # the srcset's best candidate was fetched, its small src never; every image once
    requested = site.image_paths()
    assert "/img/small.webp" not in requested
    assert sorted(requested) == sorted({*EXPECTED, "/img/real.jpg"})
    # each version links what it shows, the srcset candidate with the src it replaces
    entry = next(e for e in vault.entries(limit=None) if e.title == "Responsive")
    [version] = vault.store.versions(entry.id)
    [link] = vault.store.media.links_for_versions([version.id])[version.id]
    assert (link.url, link.kind, link.shown_as) == (
        site.url("/img/large.webp"), "srcset", site.url("/img/small.webp"),
    )
    file = vault.store.media.get_file(sha(IMAGES["/img/photo.jpg"][1]))
    assert file is not None and (file.mime, file.width, file.height) == ("image/jpeg", 48, 32)


def test_a_second_update_fetches_nothing_again(vault: Vault, site: ImageSite) -> None:
    vault.add_feed(site.feed_url, slug="images")
    before = site.image_paths()
    vault.update(["images"])
    assert site.image_paths() == before
    media = vault.updater.last_media
    assert media is not None and not media.anything


def test_media_never_fail_an_update_and_skip_a_failed_feed(vault: Vault, site: ImageSite) -> None:
    vault.add_feed(site.url("/nothing.xml"), slug="broken", update=False)
    [result] = vault.update(["broken"])
    assert result.status == "error"
    assert vault.updater.last_media is None  # nothing of a failed feed is touched
    assert site.image_paths() == []


def test_failures_back_off_and_heal(vault: Vault, site: ImageSite) -> None:
    site.routes["/flaky.xml"] = (
        200, {"Content-Type": "application/rss+xml"},
        feed_xml(site, [("Flaky", '<img src="/img/flaky.png">')]),
    )
    site.routes["/img/flaky.png"] = (503, {"Content-Type": "text/plain"}, b"busy")
    feed = vault.add_feed(site.url("/flaky.xml"), slug="flaky")
    url = site.url("/img/flaky.png")
    link = vault.store.media.url_state(url)
    assert link is not None and link.state == "failed" and "HTTP 503" in (link.error or "")
    [task_row] = vault.store.media.due(now_utc() + backoff(1) + timedelta(seconds=5))
    assert task_row.attempts == 1 and vault.store.media.due(now_utc()) == []
    assert backoff(1) == timedelta(hours=1) and backoff(2) == timedelta(hours=4)
    assert backoff(3) == timedelta(hours=16)
    vault.update(["flaky"])  # not due yet: not asked again
    assert site.hits["/img/flaky.png"] == 1
    healed = IMAGES["/img/photo.png"][1]
    site.routes["/img/flaky.png"] = (200, {"Content-Type": "image/png"}, healed)
    result = archive_media(
        vault.store, vault.media_files, vault.fetcher, vault.settings, feed_id=feed.id,
        now=now_utc() + timedelta(hours=2),
    )
    assert result.fetched == 1
    link = vault.store.media.url_state(url)
    assert link is not None and link.state == "ok" and link.sha == sha(IMAGES["/img/photo.png"][1])


def test_a_url_that_keeps_failing_is_given_up(vault: Vault, site: ImageSite) -> None:
    site.routes["/flaky.xml"] = (
        200, {"Content-Type": "application/rss+xml"},
        feed_xml(site, [("Down", '<img src="/img/down.png">')]),
    )
    site.routes["/img/down.png"] = (500, {}, b"")
    feed = vault.add_feed(site.url("/flaky.xml"), slug="down")
    far = now_utc()
    for _ in range(MAX_ATTEMPTS + 2):
        far += timedelta(days=3650)
        archive_media(vault.store, vault.media_files, vault.fetcher, vault.settings,
                      feed_id=feed.id, now=far)
    assert site.hits["/img/down.png"] == MAX_ATTEMPTS
    assert vault.store.media.due(far + timedelta(days=36500)) == []
    assert "HTTP 500" in (vault.store.media.url_state(site.url("/img/down.png")).error or "")  # type: ignore[union-attr]


def test_a_404_is_given_up_at_once(vault: Vault, site: ImageSite) -> None:
    vault.add_feed(site.feed_url, slug="images")
    assert vault.store.media.due(now_utc() + timedelta(days=36500)) == []
    assert site.hits["/img/missing.png"] == 1


def test_the_entry_quota_leaves_the_rest_pending(make_vault: MakeVault, site: ImageSite) -> None:
    png, jpg = (len(IMAGES[p][1]) for p in ("/img/photo.png", "/img/photo.jpg"))
    vault = make_vault(max_entry_bytes=max(png, jpg) + 1)
    site.routes["/feed.xml"] = (
        200, {"Content-Type": "application/rss+xml"}, feed_xml(site, [
            ("Photos", '<img src="/img/photo.png"><img src="/img/photo.jpg">'),
        ]),
    )
    vault.add_feed(site.feed_url, slug="images")
    media = vault.updater.last_media
    assert media is not None and media.fetched == 1 and media.pending == 1
    [warning] = media.warnings
    assert "max_entry_bytes" in warning and "1 files left pending" in warning
    states = sorted(
        vault.store.media.url_state(site.url(p)).state  # type: ignore[union-attr]
        for p in ("/img/photo.png", "/img/photo.jpg")
    )
    assert states == ["ok", "pending"]
    assert vault.store.media.due(now_utc()) == []  # deferred, not retried at once
    assert len(vault.store.media.due(now_utc() + timedelta(days=2))) == 1


def test_the_total_quota_stops_downloads(make_vault: MakeVault, site: ImageSite) -> None:
    vault = make_vault(max_total_bytes=1)
    vault.add_feed(site.feed_url, slug="images")
    media = vault.updater.last_media
    assert media is not None and media.fetched == 0 and media.pending >= 1
    assert [w for w in media.warnings if "max_total_bytes" in w]
    assert vault.store.media.total_bytes() == 0
    asked = len(site.image_paths())
    vault.update(["images"])
    media = vault.updater.last_media
    assert media is not None and media.fetched == 0
    assert len(site.image_paths()) == asked  # deferred a day: not fetched again at once
    assert vault.store.media.counts()["pending"] == media_pending(vault)
    assert media_pending(vault) >= 6


def media_pending(vault: Vault) -> int:
    return vault.store.media.counts()["pending"]


def test_media_off_for_a_feed(vault: Vault, site: ImageSite) -> None:
    vault.add_feed(site.feed_url, slug="images", update=False)
    feed = vault.configure_feed("images", media=False)
    assert feed.settings["media"] is False
    vault.update(["images"])
    assert site.image_paths() == []
    assert vault.store.media.counts()["pending"] == 0


def test_media_off_for_the_vault_and_the_backfill(make_vault: MakeVault, site: ImageSite) -> None:
    vault = make_vault(enabled=False)
    vault.add_feed(site.feed_url, slug="images")
    assert vault.updater.last_media is None and site.image_paths() == []
    result = vault.archive_media(feed="images")
    assert (result.scanned, result.fetched, result.skipped, result.failed) == (5, 6, 3, 1)
    assert _states(vault, site) == {
        p: (e.state, vault.store.media.url_state(site.url(p)).error)  # type: ignore[union-attr]
        for p, e in EXPECTED.items()
    }
    again = vault.archive_media()
    assert (again.linked, again.fetched) == (0, 0)


def test_the_media_directory_full_stops_the_command(
    vault: Vault, site: ImageSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedvault.media.files import DirectoryMediaFiles

    def full(self: object, data: bytes) -> str:
        raise VaultFault("media directory /x: disk full")

    monkeypatch.setattr(DirectoryMediaFiles, "put", full)
    vault.add_feed(site.feed_url, slug="images", update=False)
    with pytest.raises(VaultFault, match="disk full"):
        vault.update(["images"])
    assert vault.entries(limit=None)  # the entries were committed before media ran


def test_verify_finds_a_damaged_and_a_missing_file(vault: Vault, site: ImageSite) -> None:
    vault.add_feed(site.feed_url, slug="images")
    report = vault.verify_media()
    assert report.checked == 6 and report.missing == [] and report.damaged == []
    files = vault.media_files
    damaged = sha(IMAGES["/img/photo.png"][1])
    missing = sha(IMAGES["/img/anim.gif"][1])
    path = files.path(damaged)
    assert path is not None
    path.write_bytes(b"not the same bytes")
    files.delete(missing)
    report = vault.verify_media()
    assert (report.checked, report.missing, report.damaged) == (6, [missing], [damaged])


def test_removing_a_feed_keeps_files_another_feed_uses(vault: Vault, site: ImageSite) -> None:
    site.routes["/other.xml"] = (
        200, {"Content-Type": "application/rss+xml"},
        feed_xml(site, [("Same photo", '<img src="/img/photo.png">')]),
    )
    vault.add_feed(site.feed_url, slug="images")
    vault.add_feed(site.url("/other.xml"), slug="other")
    files = vault.media_files
    shared, own = sha(IMAGES["/img/photo.png"][1]), sha(IMAGES["/img/photo.jpg"][1])
    assert files.has(shared) and files.has(own)
    vault.remove_feed("images")
    assert files.has(shared) and not files.has(own)
    assert sorted(files.iter_shas()) == [shared]
    assert vault.store.media.counts()["files"] == 1
    assert vault.verify_media().checked == 1
    other = vault.entries(limit=None)[0]
    [version] = vault.store.versions(other.id)
    [link] = vault.store.media.links_for_versions([version.id])[version.id]
    assert link.state == "ok" and link.sha == shared


MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x10" + b"\xff\xfb\x90\x00" * 64


def _podcast(site: ImageSite) -> None:
    item = (
        f"<item><title>Episode 1</title><link>{site.url('/ep/1')}</link>"
        f'<enclosure url="{site.url("/audio/ep1.mp3")}" type="audio/mpeg" length="{len(MP3)}"/>'
        f"<description><![CDATA[<img src=\"{site.url('/img/photo.png')}\">]]></description></item>"
    )
    site.routes["/podcast.xml"] = (
        200, {"Content-Type": "application/rss+xml"},
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Pod</title>{item}'
        "</channel></rss>".encode(),
    )
    site.routes["/audio/ep1.mp3"] = (200, {"Content-Type": "audio/mpeg"}, MP3)


def test_enclosures_only_by_setting(vault: Vault, site: ImageSite) -> None:
    _podcast(site)
    vault.add_feed(site.url("/podcast.xml"), slug="pod")
    assert "/audio/ep1.mp3" not in site.requests and "/img/photo.png" in site.requests
    assert vault.store.media.url_state(site.url("/audio/ep1.mp3")) is None
    vault.configure_feed("pod", media_enclosures=True)
    vault.archive_media(feed="pod")  # the backfill reads the item's enclosures back
    link = vault.store.media.url_state(site.url("/audio/ep1.mp3"))
    assert link is not None and (link.state, link.kind, link.mime) == (
        "ok", "enclosure", "audio/mpeg",
    )
    assert vault.media_files.read(link.sha or "") == MP3


def test_enclosures_on_for_the_vault(make_vault: MakeVault, site: ImageSite) -> None:
    _podcast(site)
    vault = make_vault(enclosures=True)
    vault.add_feed(site.url("/podcast.xml"), slug="pod")
    link = vault.store.media.url_state(site.url("/audio/ep1.mp3"))
    assert link is not None and link.state == "ok"


def test_a_run_round_archives_media(vault: Vault, site: ImageSite) -> None:
    from feedvault.update.runner import run_forever

    vault.add_feed(site.feed_url, slug="images", update=False)
    assert run_forever(vault, once=True) == 0
    assert vault.store.media.counts()["ok"] == 6


def test_an_archiver_bug_never_fails_the_update(
    vault: Vault, site: ImageSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedvault.update.media as archiver

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(archiver, "archive_media", broken)
    feed = vault.add_feed(site.feed_url, slug="images")
    assert feed.entry_count == 5
    media = vault.updater.last_media
    assert media is not None and media.warnings == ["media archiving failed: RuntimeError: a bug"]
