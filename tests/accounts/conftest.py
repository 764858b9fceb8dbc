"""Fixtures of the accounts tests: a vault per backend (the root conftest's ``db_url``) with
one feed, and helpers that store entries and edits the way an update does (store_kit)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))

from feedvault.config import Settings  # noqa: E402
from feedvault.vault import Vault, open_vault  # noqa: E402


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    with open_vault(settings=Settings(db=db_url)) as opened:
        yield opened


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small parameters in these tests (the default costs ~0.1-0.5 s a hash
    on a busy machine); the hash format and the code paths stay the same. Processes the
    tests start use the default."""
    from argon2 import PasswordHasher

    import feedvault.accounts

    monkeypatch.setattr(feedvault.accounts, "_HASHER",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
