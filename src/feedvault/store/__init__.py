"""Storage: the Storage protocol and its backends. All SQL lives below this package."""

from __future__ import annotations

from feedvault.store.base import (
    EntryState,
    FeedSpec,
    FeedStateUpdate,
    NewEntry,
    NewVersion,
    Storage,
    UpdateBatch,
)

__all__ = [
    "EntryState",
    "FeedSpec",
    "FeedStateUpdate",
    "NewEntry",
    "NewVersion",
    "Storage",
    "UpdateBatch",
    "open_storage",
]


def open_storage(db: str) -> Storage:
    """Open the store named by ``db``: a SQLite path (the default backend) or a URL."""
    if db.startswith(("postgresql://", "postgres://")):
        try:
            from feedvault.store.postgres import PostgresStorage
        except ImportError as exc:  # the extra is missing, or its C library (libpq) is
            from feedvault.errors import UsageError

            raise UsageError(
                f"a PostgreSQL vault needs the postgres extra ({exc.name or exc} is missing): "
                "pip install 'feedvault[postgres]'"
            ) from None
        return PostgresStorage(db)
    from feedvault.store.sqlite.store import SqliteStorage

    return SqliteStorage(db.removeprefix("sqlite:///").removeprefix("sqlite://"))
