"""Shared fixtures: the corpus beside the checkout, and a fresh vault per test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
if str(SRC) not in sys.path:  # also works from a checkout that was not pip-installed
    sys.path.insert(0, str(SRC))

from fv_testpaths import CORPUS  # noqa: E402


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing at {CORPUS}")
    return CORPUS


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)
    from feedvault.vault import open_vault

    with open_vault(str(tmp_path / "vault.db")) as v:
        yield v
