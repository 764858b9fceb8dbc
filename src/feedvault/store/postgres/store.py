"""PostgresStorage: the Storage protocol over one PostgreSQL database (or schema).

The operations are SqlStorage's (store/sql/storage.py), the same statements as on SQLite;
what is PostgreSQL's own stays here: one connection per storage object, in autocommit mode
so every read sees the newest committed state (many workers write at once) and every write
names its own transaction; the tsvector search index and its upkeep; leases on the server's
clock. Like SqliteStorage it is not shared between threads.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg
import psycopg.conninfo
from psycopg.rows import TupleRow

from feedvault.errors import ConnectionLost, StorageError, UsageError
from feedvault.models import Feed
from feedvault.store.guard import translating
from feedvault.store.postgres import faults, leases, schema, search_index
from feedvault.store.postgres.dialect import POSTGRES
from feedvault.store.postgres.upkeep import Upkeep
from feedvault.store.sql.dialect import Db, first_line
from feedvault.store.sql.storage import IndexRow, SearchIndex, SqlStorage

if TYPE_CHECKING:
    from feedvault.search.tokens import IndexFields

Conn = psycopg.Connection[TupleRow]


@translating(skip=("transaction",))
class PostgresStorage(SqlStorage):
    """One vault in one PostgreSQL database; ``options=-csearch_path=...`` picks a schema.

    The server gone, a lost connection, a full disk or a read-only server surface as
    VaultFault (faults.py), from every public method and every transaction; a lost
    connection as its ConnectionLost, which ``reconnect`` may cure. The connection is named
    ``application_name=feedvault`` unless the URL names it (``pg_stat_activity`` shows it).
    """

    dialect = POSTGRES

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = _safe(url)
        try:
            self.conn: Conn = self._connect()
        except psycopg.Error as exc:  # the server down or unreachable: `serve` says 503
            raise ConnectionLost(f"cannot connect to {_safe(url)}: {first_line(exc)}") from exc
        try:
            schema.migrate(self.conn)
        except psycopg.Error as exc:
            self.conn.close()
            raise StorageError(f"cannot open vault {_safe(url)}: {first_line(exc)}") from exc
        self.db = Db(self.conn, POSTGRES)
        self.upkeep = Upkeep()

    def _connect(self) -> Conn:
        named = "application_name" in psycopg.conninfo.conninfo_to_dict(self.url)
        extra: dict[str, Any] = {} if named else {"application_name": "feedvault"}
        threshold = prepare_threshold()
        conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10, **extra)
        conn.prepare_threshold = threshold
        return conn

    def reconnect(self) -> None:
        """A new connection in place of a lost one (a server restart, a failover), for
        `run` and `serve`, which then redo what failed. The schema is not migrated again."""
        with contextlib.suppress(Exception):
            self.conn.close()
        try:
            conn = self._connect()
        except psycopg.Error as exc:
            message = f"vault {self.where}: cannot reconnect: {first_line(exc)}"
            raise ConnectionLost(message) from exc
        self.conn = conn
        self.db.conn = conn  # the Db that changes and media hold is this one

    def heal(self) -> bool:
        """Reconnect if the connection is known to be lost (no round trip); True if it was."""
        if not (self.conn.closed or self.conn.broken):
            return False
        self.reconnect()
        return True

    def close(self) -> None:
        self.upkeep.finish(self.conn)
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Conn]:
        try:
            with self.conn.transaction():
                yield self.conn
        except psycopg.Error as exc:
            found = faults.to_fault(self, exc)
            if found is None:
                raise
            raise found from exc

    def claim_due_feeds(self, worker_id: str, limit: int, lease_seconds: float) -> list[Feed]:
        """Lease up to ``limit`` due feeds to ``worker_id``; others skip them until released
        or until the lease runs out (a dead worker's feeds come back)."""
        with self.transaction() as conn:
            ids = leases.claim(conn, worker_id, limit, lease_seconds)
        return self._feeds_by_id(ids)

    def schema_versions(self) -> tuple[int, int]:
        """(this vault's schema version, the one this feedvault writes): /readyz."""
        row = self.db.one("SELECT max(version) FROM schema_version")
        return int(row[0] or 0), len(schema.MIGRATIONS)

    def integrity_check(self) -> str:
        """'ok', or what is inconsistent (the server itself guards pages and constraints)."""
        problems = self.conn.execute(
            "SELECT (SELECT count(*) FROM entries e LEFT JOIN versions v "
            "ON v.id = e.current_version WHERE v.id IS NULL), "
            "(SELECT count(*) FROM entries e WHERE version_count <> "
            "(SELECT count(*) FROM versions v WHERE v.entry_id = e.id))"
        ).fetchone()
        assert problems is not None
        if problems[0] or problems[1]:
            return (
                f"{problems[0]} entries without a current version, "
                f"{problems[1]} with a wrong version count"
            )
        return "ok"

    # ---- the tsvector search index (search_index.py) and its upkeep --------------------

    def _search_index(self) -> SearchIndex:
        return search_index

    def _index_rows(
        self, rows: Sequence[IndexRow], fields: Sequence[IndexFields | None] | None = None
    ) -> None:
        search_index.index_rows(self.conn, rows, fields)

    def _unindex_feed(self, feed_id: int, entry_ids: Sequence[int]) -> None:
        self.db.execute("DELETE FROM search_doc WHERE feed_id = ?", (feed_id,))

    def _clear_index(self) -> None:
        if self.db.one("SELECT to_regclass('search_doc')")[0] is None:  # restored without it
            for statement in schema._V2_SEARCH.split(";"):  # noqa: SLF001 - its own schema
                if statement.strip():
                    self.conn.execute(statement.encode())
            return
        search_index.clear(self.conn)

    def _after_index(self, rows: int) -> None:
        self.upkeep.indexed(self.conn, rows)

    def _after_reindex(self) -> None:
        self.upkeep.run(self.conn)  # a whole new index: merge it and give the planner stats

    def _migrate_changes(self, conn: Any) -> None:
        schema.migrate_changes(conn)


def prepare_threshold() -> int | None:
    """FEEDVAULT_PG_PREPARE_THRESHOLD: after how many runs psycopg prepares a statement on
    the server (its default, 5); ``off`` never does, for PgBouncer in transaction mode
    before 1.21 (server-side prepared statements are session state)."""
    value = os.environ.get("FEEDVAULT_PG_PREPARE_THRESHOLD", "").strip().lower()
    if not value:
        return 5
    if value in ("off", "none", "no"):
        return None
    try:
        return max(0, int(value))
    except ValueError:
        raise UsageError(
            f"FEEDVAULT_PG_PREPARE_THRESHOLD must be a number or 'off', not {value!r}"
        ) from None


def _safe(url: str) -> str:
    """The URL without a password, for error messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))
