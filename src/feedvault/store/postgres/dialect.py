"""PostgreSQL's side of the shared SQL (store/sql/dialect.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from feedvault.errors import VaultFault
from feedvault.store.postgres import faults
from feedvault.store.sql.dialect import Db, Dialect


class PostgresDialect(Dialect):
    name = "postgres"
    in_chunk = None  # one array parameter, whatever its length
    no_limit = None  # LIMIT NULL
    byte_order = ' COLLATE "C"'  # SQLite compares text byte by byte; so must we
    like_nocase = "ILIKE"
    # One writer per feed at a time: the row lock waits for the other's commit, then the
    # decision is re-checked against what that writer stored (SQLite: BEGIN IMMEDIATE).
    lock_feed = "SELECT 1 FROM feeds WHERE id = ? FOR UPDATE"
    now_s = "floor(extract(epoch FROM now()))::bigint"

    def __init__(self) -> None:
        self._converted: dict[str, str] = {}

    def sql(self, text: str) -> str:
        """``?`` -> ``%s`` (and a literal ``%`` -> ``%%``), once per distinct statement."""
        try:
            return self._converted[text]
        except KeyError:
            out = self._converted[text] = text.replace("%", "%%").replace("?", "%s")
            return out

    def text(self, value: str) -> str:
        """PostgreSQL text cannot hold NUL; the document's bytes (bytea) keep the original."""
        return value.replace("\x00", "\ufffd") if "\x00" in value else value

    def utc_day(self, ms: str) -> str:
        return f"to_char(to_timestamp({ms} / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

    def executemany(self, conn: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with conn.cursor() as cur:
            cur.executemany(sql, rows)

    def reserve_ids(self, db: Db, table: str, n: int) -> Sequence[int]:
        """From the table's identity sequence: other feeds' writers run at the same time."""
        rows = db.all(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, ?)",
            (n,),
        )
        return [int(r[0]) for r in rows]

    def to_fault(self, store: Any, exc: Exception) -> VaultFault | None:
        return faults.to_fault(store, exc)

    def is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, psycopg.errors.UniqueViolation)

    def is_driver_error(self, exc: BaseException) -> bool:
        return isinstance(exc, psycopg.DatabaseError) and not isinstance(
            exc, psycopg.ProgrammingError
        )


POSTGRES = PostgresDialect()
