"""DirectoryMediaFiles: content-addressed, atomic, idempotent; disk full is a VaultFault."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from feedvault.config import MediaSettings, Settings, load_settings
from feedvault.errors import UsageError, VaultFault
from feedvault.media.files import DirectoryMediaFiles, MediaMissing, is_sha


def test_put_stores_once_under_its_sha(tmp_path: Path) -> None:
    files = DirectoryMediaFiles(tmp_path / "media")
    assert list(files.iter_shas()) == []  # no directory yet
    sha = files.put(b"image bytes")
    assert sha == hashlib.sha256(b"image bytes").hexdigest()
    path = files.path(sha)
    assert path == tmp_path / "media" / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == b"image bytes"
    assert files.put(b"image bytes") == sha  # idempotent
    assert files.has(sha) and files.read(sha) == b"image bytes"
    other = files.put(b"other")
    assert sorted(files.iter_shas()) == sorted([sha, other])
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_missing_files_and_bad_names(tmp_path: Path) -> None:
    files = DirectoryMediaFiles(tmp_path)
    absent = "a" * 64
    assert not files.has(absent) and files.path(absent) is None
    with pytest.raises(MediaMissing, match=f"media file {absent} is missing"):
        files.read(absent)
    files.delete(absent)  # nothing to delete is fine
    assert not files.has("../etc/passwd") and not is_sha("A" * 64)
    with pytest.raises(ValueError):
        files.read("../../etc/passwd")


def test_delete(tmp_path: Path) -> None:
    files = DirectoryMediaFiles(tmp_path)
    sha = files.put(b"x")
    files.delete(sha)
    assert not files.has(sha) and list(files.iter_shas()) == []


@pytest.mark.parametrize(
    ("code", "says"), [(errno.ENOSPC, "disk full"), (errno.EROFS, "cannot be written")]
)
def test_a_full_or_read_only_directory_is_a_vault_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, says: str
) -> None:
    def fail(*args: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "replace", fail)
    files = DirectoryMediaFiles(tmp_path / "media")
    with pytest.raises(VaultFault, match=says):
        files.put(b"bytes")
    assert not [p for p in (tmp_path / "media").rglob("*") if p.is_file()]  # temp removed


def test_where_the_files_live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert MediaSettings().directory(str(tmp_path / "news.db")) == tmp_path / "news.media"
    pg = "postgresql://127.0.0.1/test"
    assert MediaSettings().directory(pg) == tmp_path / "data" / "feedvault" / "media"
    assert MediaSettings(dir=tmp_path / "x").directory(pg) == tmp_path / "x"


def test_media_settings_from_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[media]\nenabled = true\ndir = "/srv/media"\nmax_file_bytes = 1000\n'
        "max_entry_bytes = 5000\nmax_total_bytes = 9000\nenclosures = true\nhotlink = true\n"
    )
    monkeypatch.delenv("FEEDVAULT_MEDIA", raising=False)
    media = load_settings(str(tmp_path / "v.db"), config).media
    assert media == MediaSettings(True, Path("/srv/media"), 1000, 5000, 9000, True, True)
    monkeypatch.setenv("FEEDVAULT_MEDIA_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("FEEDVAULT_MEDIA", "0")
    media = load_settings(str(tmp_path / "v.db"), config).media
    assert media.dir == tmp_path / "m" and not media.enabled
    assert not Settings(db="x").media.enabled  # the variable counts for code-built settings
    config.write_text("[media]\nmax_file_bytes = 0\n")
    with pytest.raises(UsageError, match="max_file_bytes must be a number of bytes >= 1"):
        load_settings(str(tmp_path / "v.db"), config)
    config.write_text('[media]\nenclosures = "maybe"\n')
    with pytest.raises(UsageError, match=r"\[media\] enclosures must be true or false"):
        load_settings(str(tmp_path / "v.db"), config)
