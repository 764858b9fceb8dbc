"""SqliteStorage: the Storage protocol over one SQLite file (WAL, one transaction per update).

The operations are SqlStorage's (store/sql/storage.py), written once for both backends;
what is SQLite's own stays here: the file and its connection, ``BEGIN IMMEDIATE``, the
FTS5 search index, leases on this machine's clock, ``PRAGMA`` checks.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedvault.errors import StorageError
from feedvault.models import Feed
from feedvault.store.guard import translating
from feedvault.store.sql.dialect import Db
from feedvault.store.sql.storage import IndexRow, SearchIndex, SqlStorage
from feedvault.store.sqlite import faults, search_index
from feedvault.store.sqlite.connect import open_connection
from feedvault.store.sqlite.dialect import SQLITE
from feedvault.timeutil import to_ms

if TYPE_CHECKING:
    from feedvault.search.tokens import IndexFields

MIN_SQLITE = (3, 35, 0)  # RETURNING; upserts need 3.24


@translating(skip=("transaction", "close"))
class SqliteStorage(SqlStorage):
    """One vault in one SQLite file. Not shared between threads; open one per thread.

    Disk full, read-only, corrupted or unreadable files surface as VaultFault (faults.py);
    a file that cannot be written is opened read-only (``read_only``) for reading commands.
    """

    dialect = SQLITE

    def __init__(self, path: str) -> None:
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StorageError(
                f"feedvault needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer; "
                f"Python's sqlite3 has {sqlite3.sqlite_version}"
            )
        self.path = self.where = path
        if path != ":memory:":
            parent = Path(path).expanduser().parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create {parent}: {exc.strerror}") from exc
        self.conn, self.read_only = open_connection(path)
        self.db = Db(self.conn, SQLITE)

    def close(self) -> None:
        self.conn.close()

    def schema_versions(self) -> tuple[int, int]:
        """(this vault's schema version, the one this feedvault writes): /readyz."""
        from feedvault.store.sqlite.schema import MIGRATIONS

        return int(self.conn.execute("PRAGMA user_version").fetchone()[0]), len(MIGRATIONS)

    def backup(self, target: str) -> int:
        """A consistent copy of the vault at ``target`` through SQLite's online backup API,
        while other processes go on writing (WAL: one read transaction, writers are not
        held up). Written beside ``target`` and renamed into place; its size in bytes."""
        import os

        tmp = f"{target}.part"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        try:
            copy = sqlite3.connect(tmp)
            try:
                self.conn.backup(copy)  # every page in one step: one snapshot
                found = copy.execute("PRAGMA quick_check").fetchone()[0]
                if found != "ok":
                    raise StorageError(f"backup {target}: the copy does not check: {found}")
            finally:
                copy.close()
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return os.path.getsize(target)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: writers queue rather than fail with 'database is locked'."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:  # SQLite may have rolled back already (disk full)
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if faults.is_fault(exc):
                raise faults.fault(exc, self.path, self.conn) from exc
            raise

    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """One read transaction: every read of a page sees the same committed state."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def claim_due_feeds(self, worker_id: str, limit: int, lease_seconds: float) -> list[Feed]:
        """Lease up to ``limit`` due feeds to ``worker_id``, most overdue first.

        BEGIN IMMEDIATE serialises claims, so several `feedvault run` processes on one file
        never fetch the same feed at once; a dead worker's lease simply runs out.
        """
        if limit <= 0:
            return []
        now = to_ms(datetime.now().astimezone())
        with self.transaction() as conn:
            ids = [
                int(r[0])
                for r in conn.execute(
                    "SELECT id FROM feeds WHERE url IS NOT NULL "
                    "AND status NOT IN ('gone', 'paused') "
                    "AND (next_check IS NULL OR next_check <= ?) "
                    "AND (lease_until IS NULL OR lease_until < ?) "
                    "ORDER BY next_check IS NOT NULL, next_check, id LIMIT ?",
                    (now, now, limit),
                )
            ]
            conn.executemany(
                "UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE id = ?",
                [(worker_id, now + int(lease_seconds * 1000), i) for i in ids],
            )
        return self._feeds_by_id(ids)

    def check_written(self) -> None:
        """After a command wrote: writes into damaged pages can succeed unnoticed, so a
        `PRAGMA quick_check` (about 1 s per GB) turns a corrupted vault into a VaultFault."""
        found = faults.quick_check(self.conn)
        if found != "ok":
            raise faults.corrupted(self.path, found)

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    # ---- the FTS5 search index (search_index.py) ---------------------------------------

    def _search_index(self) -> SearchIndex:
        return search_index

    def _index_rows(
        self, rows: Sequence[IndexRow], fields: Sequence[IndexFields | None] | None = None
    ) -> None:
        """One ``index_entries`` per feed (an update is one feed; a rebuild pages through)."""
        by_feed: dict[int, tuple[list[tuple[int, int, str, str]], list[IndexFields | None]]] = {}
        for i, (entry_id, feed_id, published, title, text) in enumerate(rows):
            group = by_feed.setdefault(feed_id, ([], []))
            group[0].append((entry_id, published // 1000, title, text))
            group[1].append(fields[i] if fields is not None else None)
        for feed_id, (group_rows, group_fields) in by_feed.items():
            search_index.index_entries(self.conn, feed_id, group_rows, group_fields)

    def _unindex_feed(self, feed_id: int, entry_ids: Sequence[int]) -> None:
        for entry_id in entry_ids:
            search_index.remove_entry(self.conn, entry_id)

    def _clear_index(self) -> None:
        search_index.clear(self.conn)

    def _migrate_changes(self, conn: Any) -> None:
        from feedvault.store.sqlite.schema import migrate_changes

        migrate_changes(conn)
