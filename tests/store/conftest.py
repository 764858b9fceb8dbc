"""Fixtures of the storage contract suite: a fresh store per test on each backend (SQLite file,
fresh PostgreSQL schema, via the root conftest's ``db_url``), and a second store on the same
database, which is what another writer (another process) sees."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest
from store_kit import open_store, spec

from feedvault.models import Feed
from feedvault.store.base import Storage


def _close(store: Storage) -> None:
    with contextlib.suppress(Exception):  # a test may have broken the connection on purpose
        store.close()


@pytest.fixture
def backend(db_url: str) -> str:
    return "postgres" if db_url.startswith(("postgresql://", "postgres://")) else "sqlite"


@pytest.fixture
def store(db_url: str) -> Iterator[Storage]:
    opened = open_store(db_url)
    yield opened
    _close(opened)


@pytest.fixture
def open_more(db_url: str) -> Iterator[Callable[[], Storage]]:
    """Open another store on the test's database (another writer); all closed afterwards."""
    opened: list[Storage] = []

    def more() -> Storage:
        opened.append(open_store(db_url))
        return opened[-1]

    yield more
    for extra in opened:
        _close(extra)


@pytest.fixture
def feed(store: Storage) -> Feed:
    return store.add_feed(spec("news"))
