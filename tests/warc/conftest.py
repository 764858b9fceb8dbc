"""Fixtures of the WARC/WACZ export tests: a loopback news site and a vault that archived
it (feed document, images, the article page as a snapshot), on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from warc_kit import Archived, archive_media, keep_snapshot, running_site

from feedvault.media.files import DirectoryMediaFiles, MediaFiles
from feedvault.vault import open_vault


@pytest.fixture
def loopback_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDVAULT_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("FEEDVAULT_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)
    return tmp_path / "media"


def _archive(db: str, media: Path, tmp: Path, *, snapshot: bool = True) -> Iterator[Archived]:
    with running_site() as site, open_vault(db) as vault:
        files: MediaFiles = DirectoryMediaFiles(media)
        vault.add_feed(site.url("/feed"), slug="news")
        archive_media(vault, files)
        if snapshot:
            keep_snapshot(vault, files, site.url("/article/1"))
        yield Archived(vault, files, site, db, tmp)


@pytest.fixture
def archived(db_url: str, loopback_env: Path, tmp_path: Path) -> Iterator[Archived]:
    """On each backend: the site updated, its images archived, the article snapshot kept."""
    yield from _archive(db_url, loopback_env, tmp_path)


@pytest.fixture
def archived_sqlite(loopback_env: Path, tmp_path: Path) -> Iterator[Archived]:
    yield from _archive(str(tmp_path / "vault.db"), loopback_env, tmp_path)
