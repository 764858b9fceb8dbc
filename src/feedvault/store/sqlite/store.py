"""SqliteStorage: the Storage protocol over one SQLite file (WAL, one transaction per update)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from feedvault.changes import sqlite as changes_sqlite
from feedvault.errors import EntryNotFound, FeedNotFound, StorageError, UsageError
from feedvault.models import Entry, EntryVersion, Feed
from feedvault.search.budget import DEFAULT_SECONDS
from feedvault.search.query import Query
from feedvault.store.base import (
    EntryState,
    FeedSpec,
    FeedStateUpdate,
    NewEntry,
    NewVersion,
    StaleBatch,
    UpdateBatch,
    UpdateCounts,
    unpack_document,
)
from feedvault.store.guard import translating
from feedvault.store.rows import (
    ENTRY_COLUMNS,
    FEED_COLUMNS,
    VERSION_COLUMNS,
    entry_from_row,
    feed_from_row,
    version_from_row,
)
from feedvault.store.sqlite import faults
from feedvault.store.sqlite.connect import open_connection
from feedvault.store.sqlite.search_index import Hit
from feedvault.timeutil import from_ms, to_ms

if TYPE_CHECKING:
    from feedvault.search.tokens import IndexFields


@translating(faults.to_fault, skip=("transaction", "close"))
class SqliteStorage:
    """One vault in one SQLite file. Not shared between threads; open one per thread.

    Disk full, read-only, corrupted or unreadable files surface as VaultFault (faults.py);
    a file that cannot be written is opened read-only (``read_only``) for reading commands.
    """

    search_budget: float | None = DEFAULT_SECONDS  # seconds per search (search/budget.py)

    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            parent = Path(path).expanduser().parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create {parent}: {exc.strerror}") from exc
        self.conn, self.read_only = open_connection(path)

    def close(self) -> None:
        self.conn.close()

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

    # ---- feeds -------------------------------------------------------------------------

    def add_feed(self, spec: FeedSpec) -> Feed:
        now = to_ms(datetime.now().astimezone())
        try:
            with self.transaction() as conn:
                conn.execute(
                    "INSERT INTO feeds (slug, name, url, site_url, added_at, settings) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (spec.slug, spec.name, spec.url, spec.site_url, now, json.dumps(spec.settings)),
                )
        except sqlite3.IntegrityError as exc:
            raise UsageError(f"a feed with slug {spec.slug!r} already exists") from exc
        return self.get_feed(spec.slug)

    def get_feed(self, slug: str) -> Feed:
        row = self.conn.execute(
            f"SELECT {FEED_COLUMNS}, (SELECT count(*) FROM entries WHERE feed_id = f.id) "
            "FROM feeds f WHERE f.slug = ?",
            (slug,),
        ).fetchone()
        if row is None:
            raise FeedNotFound(slug)
        return feed_from_row(row)

    def list_feeds(self) -> list[Feed]:
        rows = self.conn.execute(
            f"SELECT {FEED_COLUMNS}, coalesce(c.n, 0) FROM feeds f "
            "LEFT JOIN (SELECT feed_id, count(*) AS n FROM entries GROUP BY feed_id) c "
            "ON c.feed_id = f.id ORDER BY f.slug"
        ).fetchall()
        return [feed_from_row(row) for row in rows]

    def slug_taken(self, slug: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM feeds WHERE slug = ?", (slug,)).fetchone() is not None
        )

    def remove_feed(self, slug: str) -> int:
        feed = self.get_feed(slug)
        with self.transaction() as conn:
            ids = [
                r[0] for r in conn.execute("SELECT id FROM entries WHERE feed_id = ?", (feed.id,))
            ]
            _remove_from_index(conn, ids)
            conn.execute(
                "DELETE FROM versions WHERE entry_id IN (SELECT id FROM entries WHERE feed_id = ?)",
                (feed.id,),
            )
            conn.execute("DELETE FROM entries WHERE feed_id = ?", (feed.id,))
            conn.execute("DELETE FROM documents WHERE feed_id = ?", (feed.id,))
            conn.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))
        return len(ids)

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
        chosen = set(ids)
        by_id = {f.id: f for f in self.list_feeds() if f.id in chosen}
        return [by_id[i] for i in ids if i in by_id]

    def release_feed(self, feed_id: int, worker_id: str) -> bool:
        """End ``worker_id``'s lease on a feed; False when it no longer held it."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE feeds SET lease_owner = NULL, lease_until = NULL "
                "WHERE id = ? AND lease_owner = ?",
                (feed_id, worker_id),
            )
        return cur.rowcount > 0

    def record_feed_error(
        self,
        feed_id: int,
        message: str,
        at: datetime,
        next_check: datetime | None = None,
        status: str | None = None,
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE feeds SET last_error = ?, error_count = error_count + 1, "
                "next_check = coalesce(?, next_check), status = coalesce(?, 'error') WHERE id = ?",
                (message, to_ms(next_check) if next_check else None, status, feed_id),
            )

    def set_feed_settings(self, feed_id: int, settings: dict[str, object]) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE feeds SET settings = ? WHERE id = ?", (json.dumps(settings), feed_id)
            )

    # ---- updates -----------------------------------------------------------------------

    def entry_states(self, feed_id: int, keys: Sequence[str]) -> dict[str, EntryState]:
        """The newest version of each entry as the feed gave it (full-text page versions are
        compared with the page, not with the feed)."""
        states: dict[str, EntryState] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT e.key, e.id, v.content_hash, e.version_count, e.published_source, v.source "
                "FROM entries e JOIN versions v ON v.id = (SELECT id FROM versions "
                "WHERE entry_id = e.id AND source != 'page' ORDER BY seq DESC LIMIT 1) "
                f"WHERE e.feed_id = ? AND e.key IN ({marks})",
                (feed_id, *chunk),
            )
            for key, *rest in rows:
                states[key] = EntryState(*rest)
        return states

    def apply_feed_states(self, states: Sequence[tuple[int, datetime, FeedStateUpdate]]) -> None:
        if not states:
            return
        with self.transaction() as conn:
            conn.executemany(
                _FEED_STATE_SQL,
                [_feed_state_params(fid, state, to_ms(seen)) for fid, seen, state in states],
            )

    def apply_update(self, feed_id: int, batch: UpdateBatch) -> UpdateCounts:
        seen = to_ms(batch.seen_at)
        with self.transaction() as conn:
            expected = batch.expected  # re-checked under the write lock
            if expected is not None and self.entry_states(feed_id, batch.expected_keys) != expected:
                raise StaleBatch(f"feed {feed_id} changed since the update was decided")
            doc_sha = _store_document(conn, feed_id, batch, seen)
            indexed: list[tuple[int, int, str, str]] = []
            fields: list[IndexFields | None] = []
            ids = _insert_new_entries(conn, feed_id, batch.new_entries, seen, doc_sha)
            for entry_id, new in zip(ids, batch.new_entries, strict=True):
                version = new.version
                indexed.append((entry_id, to_ms(new.published), version.title, version.text))
                fields.append(version.index)
            changed_ids: list[int] = []
            for entry_id, version, published in batch.changed:
                seq, current_hash, current_source = conn.execute(
                    "SELECT e.version_count + 1, v.content_hash, v.source FROM entries e "
                    "JOIN versions v ON v.id = e.current_version WHERE e.id = ?",
                    (entry_id,),
                ).fetchone()
                if (current_hash, current_source) == (version.content_hash, version.source):
                    # another writer stored this very version: never twice in a row
                    conn.execute("UPDATE entries SET last_seen = ? WHERE id = ?", (seen, entry_id))
                    continue
                changed_ids.append(entry_id)
                _insert_version(conn, entry_id, seq, seen, version, doc_sha)
                if published is not None:
                    conn.execute(
                        "UPDATE entries SET published = ?, published_source = 'feed' WHERE id = ?",
                        (to_ms(published), entry_id),
                    )
                conn.execute("UPDATE entries SET last_seen = ? WHERE id = ?", (seen, entry_id))
                row = conn.execute(
                    "SELECT published FROM entries WHERE id = ?", (entry_id,)
                ).fetchone()
                indexed.append((entry_id, row[0], version.title, version.text))
                fields.append(version.index)
            conn.executemany(
                "UPDATE entries SET last_seen = ? WHERE id = ?",
                [(seen, entry_id) for entry_id in batch.unchanged_ids],
            )
            _index(conn, feed_id, indexed, fields)
            _write_feed_state(conn, feed_id, batch, seen)
            changes_sqlite.record_update(conn, feed_id, changed_ids, batch.feed_keys, seen, doc_sha)
        skipped = len(batch.changed) - len(changed_ids)
        return UpdateCounts(
            len(batch.new_entries), len(changed_ids), len(batch.unchanged_ids) + skipped
        )

    # ---- reading -----------------------------------------------------------------------

    def list_entries(
        self,
        feed_id: int | None = None,
        limit: int | None = 50,
        offset: int = 0,
        oldest_first: bool = False,
    ) -> list[Entry]:
        order = "ASC" if oldest_first else "DESC"
        where, params = ("WHERE e.feed_id = ?", [feed_id]) if feed_id is not None else ("", [])
        sql = (
            f"SELECT {ENTRY_COLUMNS} FROM entries e JOIN feeds f ON f.id = e.feed_id "
            f"JOIN versions v ON v.id = e.current_version {where} "
            f"ORDER BY e.published {order}, e.id {order} LIMIT ? OFFSET ?"
        )
        rows = self.conn.execute(sql, (*params, -1 if limit is None else limit, offset))
        return [entry_from_row(row) for row in rows]

    def get_entries(self, entry_ids: Sequence[int]) -> list[Entry]:
        found: dict[int, Entry] = {}
        for start in range(0, len(entry_ids), 500):
            chunk = list(entry_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT {ENTRY_COLUMNS} FROM entries e JOIN feeds f ON f.id = e.feed_id "
                f"JOIN versions v ON v.id = e.current_version WHERE e.id IN ({marks})",
                chunk,
            ):
                found[row[0]] = entry_from_row(row)
        return [found[i] for i in entry_ids if i in found]

    def get_entry(self, entry_id: int, with_versions: bool = True) -> Entry:
        entries = self.get_entries([entry_id])
        if not entries:
            raise EntryNotFound(entry_id)
        entry = entries[0]
        if with_versions:
            from dataclasses import replace

            entry = replace(entry, versions=tuple(self.versions(entry_id)))
        return entry

    def versions(self, entry_id: int) -> list[EntryVersion]:
        rows = self.conn.execute(
            f"SELECT {VERSION_COLUMNS} FROM versions WHERE entry_id = ? ORDER BY seq", (entry_id,)
        )
        return [version_from_row(row) for row in rows]

    def get_document(self, sha: str) -> bytes:
        row = self.conn.execute("SELECT data FROM documents WHERE sha = ?", (sha,)).fetchone()
        if row is None:
            raise UsageError(f"no stored document {sha}")
        return unpack_document(bytes(row[0]))

    def iter_versions_for_reclean(self, feed_id: int) -> Iterator[EntryVersion]:
        """Every version of one feed's entries, read in pages so memory stays flat."""
        last = 0
        while True:
            rows = self.conn.execute(
                f"SELECT {VERSION_COLUMNS} FROM versions WHERE id > ? AND entry_id IN "
                "(SELECT id FROM entries WHERE feed_id = ?) ORDER BY id LIMIT 500",
                (last, feed_id),
            ).fetchall()
            if not rows:
                return
            yield from (version_from_row(row) for row in rows)
            last = rows[-1][0]

    def rewrite_clean(self, rows: Sequence[tuple[int, str, str]]) -> None:
        """Store recomputed (version id, content_html, text) and re-index current versions."""
        if not rows:
            return
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE versions SET content_html = ?, text = ? WHERE id = ?",
                [(html, text, vid) for vid, html, text in rows],
            )
            marks = ",".join("?" * len(rows))
            current = conn.execute(
                "SELECT e.id, e.feed_id, e.published, v.title, v.text FROM entries e "
                f"JOIN versions v ON v.id = e.current_version WHERE v.id IN ({marks})",
                [vid for vid, _, _ in rows],
            ).fetchall()
            for entry_id, feed_id, published, title, text in current:
                _index(conn, feed_id, [(entry_id, published, title, text)])

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def daily_counts(self, feed_id: int, days: int) -> list[tuple[str, int]]:
        """(YYYY-MM-DD, entries published that UTC day) for the last ``days`` days with any."""
        rows = self.conn.execute(
            "SELECT date(published / 1000, 'unixepoch') AS day, count(*) FROM entries "
            "WHERE feed_id = ? AND published >= (strftime('%s', 'now') - ? * 86400) * 1000 "
            "GROUP BY day ORDER BY day",
            (feed_id, days),
        )
        return [(str(day), int(n)) for day, n in rows]

    def recent_published(self, feed_id: int, limit: int) -> list[datetime]:
        rows = self.conn.execute(
            "SELECT published FROM entries WHERE feed_id = ? AND published_source != 'first_seen' "
            "ORDER BY published DESC LIMIT ?",
            (feed_id, limit),
        )
        return [from_ms(ms) for (ms,) in rows]

    def count_entries(self, feed_id: int | None = None) -> int:
        if feed_id is None:
            return int(self.conn.execute("SELECT count(*) FROM entries").fetchone()[0])
        return int(
            self.conn.execute(
                "SELECT count(*) FROM entries WHERE feed_id = ?", (feed_id,)
            ).fetchone()[0]
        )

    def search(
        self,
        query: Query,
        *,
        feed_ids: Sequence[int] | None = None,
        since: int | None = None,
        until: int | None = None,
        sort: str = "newest",
        limit: int = 20,
        offset: int = 0,
    ) -> list[Hit]:
        from feedvault.store.sqlite import search_index

        return search_index.search(
            self.conn,
            query,
            feed_ids=feed_ids,
            since=since,
            until=until,
            sort=sort,
            limit=limit,
            offset=offset,
            budget=self.search_budget,
        )

    def count_matches(
        self,
        query: Query,
        *,
        feed_ids: Sequence[int] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> int:
        from feedvault.store.sqlite import search_index

        return search_index.count(self.conn, query, feed_ids=feed_ids, since=since, until=until,
                                  budget=self.search_budget)

    def reindex(self) -> int:
        """Rebuild the search index from every entry's current version, in one transaction."""
        from feedvault.store.sqlite import search_index

        with self.transaction() as conn:
            search_index.clear(conn)
            cursor = conn.execute(
                "SELECT e.id, e.feed_id, e.published, v.title, v.text FROM entries e "
                "JOIN versions v ON v.id = e.current_version ORDER BY e.id"
            )
            n = 0
            while rows := cursor.fetchmany(500):
                for entry_id, feed_id, published, title, text in rows:
                    search_index.index_entry(
                        conn, entry_id, feed_id, published // 1000, title, text
                    )
                n += len(rows)
        return n

    def check_written(self) -> None:
        """After a command wrote: writes into damaged pages can succeed unnoticed, so a
        `PRAGMA quick_check` (about 1 s per GB) turns a corrupted vault into a VaultFault."""
        found = faults.quick_check(self.conn)
        if found != "ok":
            raise faults.corrupted(self.path, found)

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])


# ---- helpers -------------------------------------------------------------------------


def _store_document(
    conn: sqlite3.Connection, feed_id: int, batch: UpdateBatch, seen: int
) -> str | None:
    if batch.document is None:
        return None
    doc = batch.document
    conn.execute(
        "INSERT OR IGNORE INTO documents (sha, feed_id, fetched_at, url, content_type, size, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            doc.sha,
            feed_id,
            seen,
            batch.document_url,
            batch.document_type,
            doc.size,
            doc.data,
        ),
    )
    return doc.sha


def _insert_new_entries(
    conn: sqlite3.Connection,
    feed_id: int,
    entries: Sequence[NewEntry],
    seen: int,
    doc_sha: str | None,
) -> range:
    """Insert new entries with their first versions, two ``executemany`` for the whole feed;
    returns the entry ids. The ids are the ones SQLite would give (max + 1 onwards): this
    connection holds the write lock, so nobody else can take them in between."""
    if not entries:
        return range(0)
    first_entry = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM entries").fetchone()[0]
    first_version = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM versions").fetchone()[0]
    conn.executemany(
        "INSERT INTO entries (id, feed_id, key, guid, published, published_source, updated, "
        "first_seen, last_seen, author, current_version, version_count) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        [
            (
                first_entry + k,
                feed_id,
                new.key,
                new.guid,
                to_ms(new.published),
                new.published_source,
                to_ms(new.updated) if new.updated else None,
                seen,
                seen,
                new.author,
                first_version + k,
            )
            for k, new in enumerate(entries)
        ],
    )
    conn.executemany(
        _VERSION_SQL,
        [
            _version_row(first_version + k, first_entry + k, 1, seen, new.version, doc_sha)
            for k, new in enumerate(entries)
        ],
    )
    return range(first_entry, first_entry + len(entries))


_VERSION_SQL = (
    "INSERT INTO versions (id, entry_id, seq, seen_at, source, title, link, raw_html, "
    "content_hash, content_html, text, document_sha) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _version_row(
    version_id: int | None,
    entry_id: int,
    seq: int,
    seen: int,
    version: NewVersion,
    doc_sha: str | None,
) -> tuple[object, ...]:
    """The `_VERSION_SQL` parameters; a None id lets SQLite choose it."""
    return (
        version_id,
        entry_id,
        seq,
        seen,
        version.source,
        version.title,
        version.link,
        version.raw_html,
        version.content_hash,
        version.content_html,
        version.text,
        doc_sha,
    )


def _insert_version(
    conn: sqlite3.Connection,
    entry_id: int,
    seq: int,
    seen: int,
    version: NewVersion,
    doc_sha: str | None,
) -> None:
    cur = conn.execute(_VERSION_SQL, _version_row(None, entry_id, seq, seen, version, doc_sha))
    conn.execute(
        "UPDATE entries SET current_version = ?, version_count = ? WHERE id = ?",
        (cur.lastrowid, seq, entry_id),
    )


def _index(
    conn: sqlite3.Connection,
    feed_id: int,
    rows: list[tuple[int, int, str, str]],
    fields: list[IndexFields | None] | None = None,
) -> None:
    if not rows:
        return
    from feedvault.store.sqlite import search_index

    search_index.index_entries(
        conn, feed_id, [(eid, ms // 1000, title, text) for eid, ms, title, text in rows], fields
    )


def _remove_from_index(conn: sqlite3.Connection, entry_ids: list[int]) -> None:
    from feedvault.store.sqlite import search_index

    for entry_id in entry_ids:
        search_index.remove_entry(conn, entry_id)


_FEED_STATE_SQL = (
    "UPDATE feeds SET name = CASE WHEN name = slug AND ? IS NOT NULL THEN ? ELSE name END, "
    "last_updated = ?, etag = coalesce(?, etag), "
    "last_modified = coalesce(?, last_modified), site_url = coalesce(site_url, ?), "
    "url = coalesce(?, url), next_check = coalesce(?, next_check), "
    "last_doc_sha = coalesce(?, last_doc_sha), "
    "status = coalesce(?, CASE WHEN ? THEN 'ok' ELSE status END), "
    "last_error = CASE WHEN ? THEN ? ELSE last_error END, "
    "error_count = CASE WHEN ? THEN 0 ELSE error_count END WHERE id = ?"
)


def _feed_state_params(feed_id: int, state: FeedStateUpdate, seen: int) -> tuple[object, ...]:
    return (
        state.title,
        state.title,
        seen,
        state.etag,
        state.last_modified,
        state.site_url,
        state.url,
        to_ms(state.next_check) if state.next_check else None,
        state.document_sha,
        state.status,
        state.clear_error,
        state.clear_error,
        state.warning,
        state.clear_error,
        feed_id,
    )


def _write_feed_state(
    conn: sqlite3.Connection, feed_id: int, batch: UpdateBatch, seen: int
) -> None:
    conn.execute(_FEED_STATE_SQL, _feed_state_params(feed_id, batch.feed_state, seen))
