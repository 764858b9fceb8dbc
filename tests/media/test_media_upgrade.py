"""A SQLite vault from before media archiving (schema 7) upgrades in place: the tables come,
and the versions it already held count as looked at (only `media fetch` backfills them)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from image_site import SMALL_CAP, ImageSite

from feedvault.config import MediaSettings, Settings
from feedvault.store.sqlite.schema import MIGRATIONS, _v8_media
from feedvault.vault import open_vault


def test_an_old_vault_upgrades_and_leaves_old_versions_to_the_backfill(
    tmp_path: Path, site: ImageSite
) -> None:
    db = str(tmp_path / "old.db")
    settings = Settings(
        db=db, allow_networks=("127.0.0.0/8",), workers=0,
        media=MediaSettings(enabled=False, dir=tmp_path / "media"),
    )
    with open_vault(settings=settings) as vault:
        vault.add_feed(site.feed_url, slug="images")
    conn = sqlite3.connect(db)
    for table in ("snapshot_links", "snapshots", "media_links", "media_urls", "media_files"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("ALTER TABLE documents DROP COLUMN http")
    conn.execute("ALTER TABLE feeds DROP COLUMN media_scanned")
    conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(_v8_media)}")  # later ones rerun
    conn.commit()
    conn.close()
    on = Settings(
        db=db, allow_networks=("127.0.0.0/8",), workers=0,
        media=MediaSettings(enabled=True, dir=tmp_path / "media", max_file_bytes=SMALL_CAP),
    )
    with open_vault(settings=on) as vault:
        vault.update(["images"])
        assert site.image_paths() == []  # stored before: not looked at by an update
        assert vault.store.media.counts()["files"] == 0
        assert vault.archive_media().fetched == 6
