"""What differs between the SQL of SQLite and PostgreSQL, and a connection that speaks it.

Statements are written once, with ``?`` placeholders, in the SQL both servers understand
(SQLite >= 3.35: ``RETURNING``, ``ON CONFLICT ... DO UPDATE``). A backend's dialect says only
what cannot be written once: its placeholder, ``IN`` lists against ``= ANY(array)``, how NUL
is kept in text, a few date and ordering fragments, how a writer locks a feed, and which of
its driver's errors are what. docs/decisions.md says why this and not SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from feedvault.errors import VaultFault


class Dialect:
    """The base is SQLite's SQL; PostgreSQL's dialect overrides what differs."""

    name: ClassVar[str]
    in_chunk: ClassVar[int | None] = 500  # host parameters per IN list; None: one array
    no_limit: ClassVar[int | None] = -1  # the LIMIT value that means none
    byte_order: ClassVar[str] = ""  # appended to ORDER BY a text column: byte order
    like_nocase: ClassVar[str] = "LIKE"  # ASCII case-insensitive LIKE
    lock_feed: ClassVar[str | None] = None  # run first in a feed's write transaction
    now_s: ClassVar[str] = "CAST(strftime('%s', 'now') AS INTEGER)"

    def sql(self, text: str) -> str:
        """The statement in the driver's placeholder style."""
        return text

    def text(self, value: str) -> str:
        """A text value as the server can keep it."""
        return value

    def utc_day(self, ms: str) -> str:
        """YYYY-MM-DD (UTC) of an epoch-milliseconds expression."""
        return f"date({ms} / 1000, 'unixepoch')"

    def any_of(self, column: str, values: Sequence[Any]) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """``(condition, params)`` pairs that together select ``column`` in ``values``:
        IN lists of at most ``in_chunk`` values, or one ``= ANY(?)`` with an array."""
        if not values:
            return
        if self.in_chunk is None:
            yield f"{column} = ANY(?)", (list(values),)
            return
        for start in range(0, len(values), self.in_chunk):
            chunk = tuple(values[start : start + self.in_chunk])
            yield f"{column} IN ({','.join('?' * len(chunk))})", chunk

    def executemany(self, conn: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        conn.executemany(sql, rows)

    def reserve_ids(self, db: Db, table: str, n: int) -> Sequence[int]:
        """``n`` new ids of ``table`` for the caller to insert with, inside its write
        transaction. SQLite: max + 1 onwards (the write lock keeps anyone from taking them)."""
        row = db.one(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        first = int(row[0]) if row else 1
        return range(first, first + n)

    # ---- the driver's errors -----------------------------------------------------------

    def to_fault(self, store: Any, exc: Exception) -> VaultFault | None:
        """The VaultFault of a driver error that stops the vault itself, else None."""
        raise NotImplementedError

    def is_unique_violation(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def is_driver_error(self, exc: BaseException) -> bool:
        """A driver error about the data or the server, not a bug in our SQL or its use."""
        raise NotImplementedError


class Db:
    """A connection with its dialect: statements go in as written, the dialect converts."""

    __slots__ = ("conn", "dialect")

    def __init__(self, conn: Any, dialect: Dialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.dialect.sql(sql), params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.dialect.sql(sql), params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.conn.execute(self.dialect.sql(sql), params).fetchall())

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.dialect.executemany(self.conn, self.dialect.sql(sql), rows)

    def any_of(self, column: str, values: Sequence[Any]) -> Iterator[tuple[str, tuple[Any, ...]]]:
        return self.dialect.any_of(column, values)


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
