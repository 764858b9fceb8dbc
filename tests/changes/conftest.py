"""Fixtures for the changes tests: a loopback site that edits its articles, and a vault."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from site_server import Site  # noqa: E402

# The backends this run covers, decided as tests/conftest.py decides them for `vault`.
BACKENDS = [
    b.strip()
    for b in os.environ.get("FEEDVAULT_TEST_BACKENDS", "sqlite,postgres").split(",")
    if b.strip()
]


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


@pytest.fixture(params=BACKENDS)
def wired(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A real vault on each backend, allowed to fetch from loopback (changes are wired in)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)
    from feedvault.config import Settings
    from feedvault.vault import open_vault

    db = (
        str(tmp_path / "vault.db")
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    settings = Settings(db=db, allow_networks=("127.0.0.0/8",))
    vault = open_vault(settings.db, settings=settings)
    try:
        yield vault
    finally:
        vault.close()
