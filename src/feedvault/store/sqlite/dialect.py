"""SQLite's side of the shared SQL (store/sql/dialect.py): its driver's errors; the rest is
the base dialect's, which is written in SQLite's terms."""

from __future__ import annotations

import sqlite3
from typing import Any

from feedvault.errors import VaultFault
from feedvault.store.sql.dialect import Dialect
from feedvault.store.sqlite import faults


class SqliteDialect(Dialect):
    name = "sqlite"

    def to_fault(self, store: Any, exc: Exception) -> VaultFault | None:
        return faults.to_fault(store, exc)

    def is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)

    def is_driver_error(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.DatabaseError) and not isinstance(
            exc, sqlite3.ProgrammingError
        )


SQLITE = SqliteDialect()
