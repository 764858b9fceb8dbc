"""Fixtures for the core tests: the command line bound to this test's vault (each backend)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def _cli_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user with their own config and data dirs and no FEEDVAULT_DB."""
    env = dict(
        os.environ, XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config")
    )
    env.pop("FEEDVAULT_DB", None)
    return env


@pytest.fixture
def run(tmp_path: Path, db_url: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`feedvault --db <this test's vault> ARGS...` as a user runs it."""

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "feedvault.cli", "--db", db_url, *args],
            capture_output=True,
            text=True,
            env=_cli_env(tmp_path),
            input=stdin,
            timeout=120,
        )

    return cli
