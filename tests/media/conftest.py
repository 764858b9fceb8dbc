"""Fixtures of the media tests: the loopback image site, and a vault that archives media
from it (media on, loopback allowed, a small per-file cap), on each backend."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from image_site import SMALL_CAP, ImageSite, image_site  # noqa: E402

from feedvault.config import MediaSettings, Settings  # noqa: E402
from feedvault.vault import Vault, open_vault  # noqa: E402

MakeVault = Callable[..., Vault]


@pytest.fixture
def site() -> Iterator[ImageSite]:
    with image_site() as running:
        yield running


@pytest.fixture
def make_vault(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MakeVault]:
    """``make_vault(**media_settings)``: a vault on this test's database whose media files
    live in tmp_path/media; several may be open at once (all closed afterwards)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)
    opened: list[Vault] = []

    def make(**media: object) -> Vault:
        options: dict[str, object] = {
            "enabled": True, "dir": tmp_path / "media", "max_file_bytes": SMALL_CAP,
        }
        options.update(media)
        settings = Settings(
            db=db_url, allow_networks=("127.0.0.0/8",), workers=0,
            media=MediaSettings(**options),  # type: ignore[arg-type]
        )
        opened.append(open_vault(settings=settings))
        return opened[-1]

    yield make
    for vault in opened:
        vault.close()


@pytest.fixture
def vault(make_vault: MakeVault) -> Vault:
    return make_vault()
