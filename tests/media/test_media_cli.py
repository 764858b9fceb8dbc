"""The media commands as a user runs them (each backend): `update` reports what it archived,
`media fetch` backfills, `media status` counts, `media verify` finds damage; bad arguments
are one line with exit 2 (argparse) or 1 (an unknown feed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from image_site import IMAGES, SMALL_CAP, ImageSite, sha

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    """`feedvault --db <vault> ARGS...` with loopback allowed, media files in tmp_path/media
    and the small per-file cap; ``media=False`` runs it with archiving off."""
    config = tmp_path / "config" / "feedvault" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f"[media]\nmax_file_bytes = {SMALL_CAP}\n")

    def run(*args: str, media: bool = True) -> subprocess.CompletedProcess[str]:
        env = dict(
            os.environ, XDG_DATA_HOME=str(tmp_path / "data"),
            XDG_CONFIG_HOME=str(tmp_path / "config"), FEEDVAULT_ALLOW_NETWORKS="127.0.0.0/8",
            FEEDVAULT_MEDIA="1" if media else "0", FEEDVAULT_MEDIA_DIR=str(tmp_path / "media"),
            FEEDVAULT_WORKERS="0",
        )
        env.pop("FEEDVAULT_DB", None)
        return subprocess.run(
            [sys.executable, "-m", "feedvault.cli", "--db", db_url, *args],
            capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL,
        )

    return run


def test_update_reports_the_media_it_archived(cli: Cli, site: ImageSite) -> None:
    assert cli("add", site.feed_url, "--slug", "images", "--no-update").returncode == 0
    update = cli("update", "--json")
    assert update.returncode == 0, update.stderr
    [result] = json.loads(update.stdout)
    assert result["media"] == {
        "fetched": 6, "stored_bytes": result["media"]["stored_bytes"], "skipped": 3, "failed": 1,
    }
    again = cli("update", "images")
    assert again.returncode == 0 and "media:" not in again.stdout  # nothing new to say
    assert sorted(site.image_paths()) == sorted(set(site.image_paths()))


def test_a_plain_update_prints_one_media_line(cli: Cli, site: ImageSite) -> None:
    cli("add", site.feed_url, "--slug", "images", "--no-update")
    update = cli("update")
    assert update.returncode == 0, update.stderr
    assert update.stdout.splitlines()[-1].startswith("media: 6 archived (")
    assert update.stdout.splitlines()[-1].endswith("), 3 skipped, 1 failed")


def test_fetch_backfills_and_status_counts(cli: Cli, site: ImageSite, tmp_path: Path) -> None:
    assert cli("add", site.feed_url, "--slug", "images", media=False).returncode == 0
    assert site.image_paths() == []
    fetch = cli("media", "fetch", "--json", media=False)  # explicit: runs with archiving off
    assert fetch.returncode == 0, fetch.stderr
    report = json.loads(fetch.stdout)
    assert (report["scanned"], report["fetched"], report["skipped"], report["failed"]) == (
        5, 6, 3, 1,
    )
    status = json.loads(cli("media", "status", "--json").stdout)
    assert status["files"] == 6 and status["urls"] == {
        "pending": 0, "ok": 6, "failed": 1, "skipped": 3,
    }
    assert status["dir"] == str(tmp_path / "media") and status["max_file_bytes"] == SMALL_CAP
    text = cli("media", "status").stdout
    assert "6 files" in text and "6 archived, 0 pending, 1 failed, 3 skipped" in text


def test_verify_finds_damage_and_exits_1(cli: Cli, site: ImageSite, tmp_path: Path) -> None:
    cli("add", site.feed_url, "--slug", "images")
    ok = cli("media", "verify")
    assert ok.returncode == 0 and "6 files checked" in ok.stdout and "0 damaged" in ok.stdout
    damaged = sha(IMAGES["/img/photo.png"][1])
    path = tmp_path / "media" / damaged[:2] / damaged[2:4] / damaged
    path.write_bytes(b"bit rot")
    bad = cli("media", "verify")
    assert bad.returncode == 1
    assert f"damaged: {damaged}" in bad.stdout and "1 damaged" in bad.stdout


def test_bad_arguments_are_one_line(cli: Cli) -> None:
    since = cli("media", "fetch", "--since", "yesterday")
    assert since.returncode == 2
    assert since.stderr.splitlines()[-1].endswith("not a date (YYYY-MM-DD): 'yesterday'")
    unknown = cli("media", "fetch", "--feed", "nope")
    assert unknown.returncode == 1
    assert unknown.stderr.splitlines()[-1] == "feedvault: error: no feed with slug 'nope'"
    assert cli("media").returncode == 2


def test_configure_turns_a_feeds_media_off(cli: Cli, site: ImageSite) -> None:
    cli("add", site.feed_url, "--slug", "images", "--no-update")
    out = cli("configure", "images", "--no-media", "--media-enclosures", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["settings"] == {"media": False, "media_enclosures": True}
