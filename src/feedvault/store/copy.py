"""Copy a whole vault between backends (SQLite <-> PostgreSQL), ids and raw bytes included.

Rows go across table by table in primary-key order, as stored: feed state, every entry,
every version with its raw HTML, every feed document (still compressed, byte for byte),
the meta settings, the edit and disappearance marks with the state they are noticed
from (feed_keys, origin_checks), and the media catalog (file rows, URLs, links, snapshots;
the media files themselves stay in their directory, which both backends can use), and the
accounts with their reading state (users, subscriptions, read marks, stars, labels; the
entry counts per feed are made by the destination's triggers). Ids are
kept, so links to ``/entry/<id>`` keep working. The search index is not copied but rebuilt
at the destination with its own backend's index. With ``verify`` both sides are read back
and compared by row counts and a SHA-256 over a canonical dump of each table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from feedvault.errors import StorageError
from feedvault.store.base import Storage

PAGE = 1000
# (table, columns, primary key): the columns both backends share, in SQLite's order; a
# primary key of several columns is written "a, b".
TABLES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "feeds",
        (
            "id", "slug", "name", "url", "site_url", "added_at", "last_updated", "last_error",
            "etag", "last_modified", "status", "error_count", "next_check", "settings",
            "last_doc_sha", "media_scanned",
        ),
        "id",
    ),
    (
        "documents",
        ("sha", "feed_id", "fetched_at", "url", "content_type", "size", "data", "http"),
        "sha",
    ),
    (
        "entries",
        (
            "id", "feed_id", "key", "guid", "published", "published_source", "updated",
            "first_seen", "last_seen", "author", "current_version", "version_count",
        ),
        "id",
    ),
    (
        "versions",
        (
            "id", "entry_id", "seq", "seen_at", "source", "title", "link", "raw_html",
            "content_hash", "content_html", "text", "document_sha",
        ),
        "id",
    ),
    ("meta", ("key", "value"), "key"),
    ("marks", ("id", "entry_id", "kind", "at", "how", "evidence"), "id"),
    ("feed_keys", ("feed_id", "position", "key"), "feed_id, position"),
    (
        "origin_checks",
        ("entry_id", "checked_at", "verdict", "status", "final_url", "similarity"),
        "entry_id",
    ),
    ("media_files", ("sha", "size", "mime", "width", "height", "stored_at"), "sha"),
    (
        "media_urls",
        (
            "id", "url", "state", "sha", "entry_id", "attempts", "next_try", "fetched_at",
            "error", "http",
        ),
        "id",
    ),
    ("media_links", ("version_id", "url_id", "kind", "shown_as"), "version_id, url_id"),
    (
        "snapshots",
        ("id", "entry_id", "fetched_at", "url", "final_url", "sha", "reason", "http"),
        "id",
    ),
    ("snapshot_links", ("snapshot_id", "url_id", "kind"), "snapshot_id, url_id"),
    (
        "users",
        ("id", "name", "name_key", "password", "is_admin", "created_at", "options", "edits_seen"),
        "id",
    ),
    (
        "subscriptions",
        ("user_id", "feed_id", "folder", "title", "read_upto", "read_count", "added_at"),
        "user_id, feed_id",
    ),
    ("read_state", ("user_id", "entry_id", "feed_id", "is_read"), "user_id, entry_id"),
    ("stars", ("user_id", "entry_id", "starred_at"), "user_id, entry_id"),
    ("labels", ("user_id", "label", "entry_id"), "user_id, entry_id, label"),
)  # fmt: skip
# compared in byte order (COLLATE "C") on PostgreSQL
_TEXT_KEYS = frozenset({"sha", "key", "label"})


@dataclass(frozen=True)
class TableReport:
    name: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class CopyReport:
    tables: tuple[TableReport, ...]
    indexed: int  # entries in the destination's rebuilt search index
    verified: bool  # counts and checksums of every table were compared and equal

    def as_dict(self) -> dict[str, object]:
        return {
            "tables": {t.name: {"rows": t.rows, "sha256": t.sha256} for t in self.tables},
            "indexed": self.indexed,
            "verified": self.verified,
        }


class _Side:
    """Plain-SQL access to one backend's tables (the Storage protocol has no bulk rows)."""

    def __init__(self, storage: Storage) -> None:
        from feedvault.store.sqlite.store import SqliteStorage

        self.storage: Any = storage
        self.sqlite = isinstance(storage, SqliteStorage)
        if not self.sqlite:
            from feedvault.store.postgres import PostgresStorage

            if not isinstance(storage, PostgresStorage):
                raise StorageError(f"cannot copy a {type(storage).__name__} vault")
        self.mark = "?" if self.sqlite else "%s"
        self.conn: Any = storage.conn  # type: ignore[attr-defined]

    def rows(self, table: str, columns: Sequence[str], key: str) -> Iterator[tuple[Any, ...]]:
        """Every row in primary-key order (byte order for text keys on both backends)."""
        keys = [k.strip() for k in key.split(",")]
        ordered = ", ".join(  # text keys in byte order, also inside a composite key
            f'{k} COLLATE "C"' if not self.sqlite and k in _TEXT_KEYS else k for k in keys
        )
        head = f"SELECT {', '.join(columns)} FROM {table}"
        tail = f" ORDER BY {ordered} LIMIT {PAGE}"
        at = [columns.index(k) for k in keys]
        last: tuple[Any, ...] | None = None
        while True:
            if last is None:
                page = self.conn.execute(head + tail)
            else:
                marks = ", ".join([self.mark] * len(keys))
                where = f" WHERE ({ordered}) > ({marks})"
                page = self.conn.execute(head + where + tail, last)
            rows = [tuple(r) for r in page.fetchall()]
            if not rows:
                return
            yield from rows
            last = tuple(rows[-1][i] for i in at)

    def transaction(self) -> AbstractContextManager[Any]:
        return self.storage.transaction()  # type: ignore[no-any-return]

    def insert(self, table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> None:
        names = ", ".join(columns)
        if self.sqlite:
            marks = ", ".join("?" * len(columns))
            self.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            return
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def after_insert(self) -> None:
        """Move PostgreSQL's id sequences past the copied ids."""
        if self.sqlite:
            return
        for table in ("feeds", "entries", "versions", "marks", "media_urls", "snapshots",
                      "users"):
            self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table}"
            )

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _canonical(row: tuple[Any, ...]) -> bytes:
    """One row as bytes that do not depend on the backend's driver types."""
    out: list[bytes] = []
    for value in row:
        if value is None:
            out.append(b"N")
        elif isinstance(value, bool | int):
            out.append(b"i%d" % int(value))
        elif isinstance(value, bytes | bytearray | memoryview):
            out.append(b"b" + bytes(value).hex().encode())
        else:
            text = str(value).encode("utf-8", "surrogatepass")
            out.append(b"s%d:" % len(text) + text)
    return b"\x1f".join(out) + b"\x1e"


def table_checksums(storage: Storage) -> tuple[TableReport, ...]:
    """Row count and SHA-256 of the canonical dump of each copied table."""
    side = _Side(storage)
    reports = []
    for table, columns, key in TABLES:
        digest = hashlib.sha256()
        n = 0
        for row in side.rows(table, columns, key):
            digest.update(_canonical(row))
            n += 1
        reports.append(TableReport(table, n, digest.hexdigest()))
    return tuple(reports)


def copy_vault(src: Storage, dst: Storage, *, verify: bool = True) -> CopyReport:
    """Copy every feed, entry, version, document and setting of ``src`` into empty ``dst``.

    All rows go in one destination transaction (a failure leaves ``dst`` empty); then the
    destination's search index is rebuilt. Raises StorageError when ``dst`` is not empty
    or, with ``verify``, when a table differs after the copy.
    """
    source, dest = _Side(src), _Side(dst)
    if dest.count("feeds") or dest.count("entries") or dest.count("meta"):
        raise StorageError("the destination vault is not empty; copy into a new one")
    with dest.transaction():
        for table, columns, key in TABLES:
            dest.insert(table, columns, source.rows(table, columns, key))
        dest.after_insert()
    indexed = dst.reindex()
    if not verify:
        counts = tuple(TableReport(t, dest.count(t), "") for t, _c, _k in TABLES)
        return CopyReport(counts, indexed, False)
    before, after = table_checksums(src), table_checksums(dst)
    for a, b in zip(before, after, strict=True):
        if a != b:
            raise StorageError(
                f"copy check failed for table {a.name}: {a.rows} rows ({a.sha256[:12]}) "
                f"in the source, {b.rows} ({b.sha256[:12]}) in the destination"
            )
    return CopyReport(after, indexed, True)
