"""Fixtures for the changes tests: a loopback site that edits its articles, and a vault."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from site_server import Site  # noqa: E402


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


@pytest.fixture
def wired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A real SQLite vault allowed to fetch from loopback (the changes package is wired in)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)
    from feedvault.config import Settings
    from feedvault.vault import open_vault

    settings = Settings(db=str(tmp_path / "vault.db"), allow_networks=("127.0.0.0/8",))
    vault = open_vault(settings.db, settings=settings)
    try:
        yield vault
    finally:
        vault.close()
