"""Fixtures of the WARC/WACZ export tests: a loopback news site and a vault that archived
it (feed document, images, the article page as a snapshot), on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from warc_kit import Archived, running_site

from feedvault.vault import open_vault


@pytest.fixture
def loopback_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDVAULT_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("FEEDVAULT_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("FEEDVAULT_MEDIA", "1")  # the suite turns archiving off by default
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)
    return tmp_path / "media"


def _archive(db: str, media: Path, tmp: Path) -> Iterator[Archived]:
    """One update does it all: the feed stored with its HTTP exchanges, its images archived,
    the article page kept as a snapshot (the feed's ``snapshot`` setting) with its images."""
    with running_site() as site, open_vault(db) as vault:
        vault.add_feed(site.url("/feed"), slug="news", update=False)
        vault.configure_feed("news", snapshot=True)
        [result] = vault.update()
        assert result.status == "ok" and result.new == 1, result
        files = vault.media_files
        assert files.root == media  # type: ignore[attr-defined]
        yield Archived(vault, files, site, db, tmp)


@pytest.fixture
def archived(db_url: str, loopback_env: Path, tmp_path: Path) -> Iterator[Archived]:
    """On each backend: the site updated, its images archived, the article snapshot kept."""
    yield from _archive(db_url, loopback_env, tmp_path)


@pytest.fixture
def archived_sqlite(loopback_env: Path, tmp_path: Path) -> Iterator[Archived]:
    yield from _archive(str(tmp_path / "vault.db"), loopback_env, tmp_path)
