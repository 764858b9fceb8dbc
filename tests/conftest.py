"""Shared fixtures: the corpus beside the checkout, and a fresh vault per test."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
if str(SRC) not in sys.path:  # also works from a checkout that was not pip-installed
    sys.path.insert(0, str(SRC))

from fv_testpaths import CORPUS  # noqa: E402

# Media archiving is off in every test (and the CLI processes they start) unless a test
# turns it on: corpus feeds show real images, and tests fetch nothing but loopback.
os.environ.setdefault("FEEDVAULT_MEDIA", "0")


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing at {CORPUS}")
    return CORPUS


# Which storage backends the `vault` fixture runs every test on; PostgreSQL is expected to be
# up (CI starts it), so an unreachable server fails the run unless it is left out here.
BACKENDS = [
    b.strip()
    for b in os.environ.get("FEEDVAULT_TEST_BACKENDS", "sqlite,postgres").split(",")
    if b.strip()
]
PG_SERVER = os.environ.get("FEEDVAULT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """A URL of a fresh, empty PostgreSQL schema, dropped afterwards: parallel-safe."""
    import psycopg

    try:
        conn = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        pytest.fail(
            f"PostgreSQL at {PG_SERVER} is unreachable ({str(exc).strip().splitlines()[0]}); "
            "start it, or set FEEDVAULT_TEST_BACKENDS=sqlite to test SQLite only"
        )
    schema = "fvtest_" + uuid.uuid4().hex[:16]
    conn.execute(f"CREATE SCHEMA {schema}".encode())
    sep = "&" if "?" in PG_SERVER else "?"
    try:
        yield f"{PG_SERVER}{sep}options=-csearch_path%3D{schema}"
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE".encode())
        conn.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL of a fresh, empty PostgreSQL schema (dropped afterwards)."""
    with fresh_pg_schema() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's vault lives, once per backend: a SQLite path or a fresh schema's URL,
    for `--db`, FEEDVAULT_DB and open_vault alike."""
    if request.param == "sqlite":
        return str(tmp_path / "vault.db")
    return str(request.getfixturevalue("pg_url"))


@contextmanager
def _backend_db(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        directory.mkdir(parents=True, exist_ok=True)
        yield str(directory / "vault.db")
    else:
        with fresh_pg_schema() as url:
            yield url


@pytest.fixture(scope="session")
def make_db() -> Callable[[str, Path], AbstractContextManager[str]]:
    """``make_db(backend, directory)``: a vault location like `db_url`, for fixtures of a
    wider scope and for a second vault in one test (a SQLite file in ``directory``)."""
    return _backend_db


@pytest.fixture
def vault(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)
    from feedvault.vault import open_vault

    with open_vault(db_url) as v:
        yield v


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``slow_on_postgres``: the PostgreSQL run of a corpus-wide sweep counts as slow."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if (
            item.get_closest_marker("slow_on_postgres") is not None
            and callspec is not None
            and "postgres" in callspec.params.values()
        ):
            item.add_marker(pytest.mark.slow)
