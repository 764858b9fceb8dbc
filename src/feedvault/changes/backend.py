"""Which SQL module records a store's changes, bound to that store's connection.

changes.sqlite and changes.postgres offer the same functions with the same answers; callers
(the CLI, the web pages, the origin watch) ask ``changes_api(store)`` and need not know the
backend. A store whose backend keeps no marks gets a clear UsageError.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from feedvault.changes.model import Change, Mark
from feedvault.changes.origin import OriginTarget, OriginVerdict, WatchPolicy
from feedvault.errors import UsageError


class ChangesSql(Protocol):
    """What changes.sqlite and changes.postgres both provide (the reading and watch part)."""

    def list_changes(
        self,
        conn: Any,
        since_ms: int | None = ...,
        feed_id: int | None = ...,
        kind: str | None = ...,
        limit: int | None = ...,
    ) -> list[Change]: ...

    def marks_for_entry(self, conn: Any, entry_id: int) -> list[Mark]: ...

    def origin_targets(
        self, conn: Any, now_ms: int, policy: WatchPolicy, feed_id: int | None = ...
    ) -> list[OriginTarget]: ...

    def record_origin_verdicts(
        self, conn: Any, verdicts: Sequence[OriginVerdict]
    ) -> tuple[list[int], list[int]]: ...

    def migrate_changes(self, conn: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class ChangesDb:
    """The backend's SQL, the connection to read with, and the store's write transaction."""

    sql: ChangesSql
    conn: Any
    transaction: Callable[[], AbstractContextManager[Any]]

    def list_changes(
        self,
        since_ms: int | None = None,
        feed_id: int | None = None,
        kind: str | None = None,
        limit: int | None = 100,
    ) -> list[Change]:
        return self.sql.list_changes(self.conn, since_ms, feed_id, kind, limit)

    def marks_for_entry(self, entry_id: int) -> list[Mark]:
        return self.sql.marks_for_entry(self.conn, entry_id)


def changes_api(store: object) -> ChangesDb:
    """The changes SQL of ``store``'s backend, or a UsageError if it records none."""
    conn = getattr(store, "conn", None)
    transaction = getattr(store, "transaction", None)
    if conn is not None and callable(transaction):
        if isinstance(conn, sqlite3.Connection):
            from feedvault.changes import sqlite as sqlite_sql

            return ChangesDb(sqlite_sql, conn, transaction)
        if _is_psycopg(conn):
            from feedvault.changes import postgres as postgres_sql

            return ChangesDb(postgres_sql, conn, transaction)
    raise UsageError(f"changes are not recorded by the {type(store).__name__} backend")


def _is_psycopg(conn: object) -> bool:
    try:
        import psycopg
    except ImportError:  # the PostgreSQL extra is not installed: no such store either
        return False
    return isinstance(conn, psycopg.Connection)
