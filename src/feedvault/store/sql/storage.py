"""SqlStorage: every operation of the Storage protocol, written once for both backends.

A backend subclasses it and keeps only what is its own: the connection and its write
transaction (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's transaction plus the feed's row
lock from the dialect), migrations, the search index (``_index_rows`` and friends), feed
leases, the integrity check. Everything that differs in the SQL itself is the dialect's
(store/sql/dialect.py); driver errors leave through store/guard.py and ``_to_error``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from feedvault.changes import marks
from feedvault.changes.marks import Changes
from feedvault.errors import EntryNotFound, FeedNotFound, SearchError, StorageError, UsageError
from feedvault.models import Entry, EntryVersion, Feed
from feedvault.search.budget import DEFAULT_SECONDS
from feedvault.search.query import Query
from feedvault.store.base import (
    EntryState,
    FeedSpec,
    FeedStateUpdate,
    NewEntry,
    NewVersion,
    ReparseFix,
    SearchHitRef,
    StaleBatch,
    UpdateBatch,
    UpdateCounts,
    unpack_document,
)
from feedvault.store.rows import (
    ENTRY_COLUMNS,
    FEED_COLUMNS,
    VERSION_COLUMNS,
    entry_from_row,
    feed_from_row,
    version_from_row,
)
from feedvault.store.sql.accounts import Accounts
from feedvault.store.sql.dialect import Db, Dialect, first_line
from feedvault.store.sql.media import MediaCatalog, forget_feed
from feedvault.timeutil import from_ms, to_ms

if TYPE_CHECKING:
    from feedvault.search.tokens import IndexFields

REINDEX_HINT = ("the search index is empty or missing while the vault holds entries "
                "(restored without it?): run `feedvault reindex`")

# (entry id, feed id, published ms, title, text): what the search index is given
IndexRow = tuple[int, int, int, str, str]


class SearchIndex(Protocol):
    """The search functions of a backend's search_index module."""

    def search(
        self,
        conn: Any,
        query: Query,
        *,
        feed_ids: Sequence[int] | None = ...,
        since: int | None = ...,
        until: int | None = ...,
        sort: str = ...,
        limit: int = ...,
        offset: int = ...,
        budget: float | None = ...,
    ) -> Sequence[SearchHitRef]: ...

    def count(
        self,
        conn: Any,
        query: Query,
        *,
        feed_ids: Sequence[int] | None = ...,
        since: int | None = ...,
        until: int | None = ...,
        budget: float | None = ...,
    ) -> int: ...


class SqlStorage:
    """The shared operations; see the module docstring for what a backend adds."""

    search_budget: float | None = DEFAULT_SECONDS  # seconds per search (search/budget.py)
    dialect: Dialect
    db: Db
    conn: Any
    where: str  # the vault, as error messages name it

    # ---- what each backend provides ----------------------------------------------------

    def transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _search_index(self) -> SearchIndex:
        raise NotImplementedError

    def _index_rows(
        self, rows: Sequence[IndexRow], fields: Sequence[IndexFields | None] | None = None
    ) -> None:
        """Index (or re-index) entries, inside the caller's transaction."""
        raise NotImplementedError

    def _unindex_feed(self, feed_id: int, entry_ids: Sequence[int]) -> None:
        raise NotImplementedError

    def _clear_index(self) -> None:
        raise NotImplementedError

    def _migrate_changes(self, conn: Any) -> None:
        raise NotImplementedError

    def _after_index(self, rows: int) -> None:
        """After a commit that indexed ``rows`` entries (PostgreSQL's upkeep)."""

    def _after_reindex(self) -> None:
        """After the whole index was rebuilt."""

    def _to_error(self, exc: Exception) -> Exception | None:
        """For store.guard: the project's error for a driver error, None for the rest."""
        found = self.dialect.to_fault(self, exc)
        if found is not None:
            return found
        if self.dialect.is_driver_error(exc):
            return StorageError(f"vault {self.where}: {first_line(exc)}")
        return None

    @property
    def changes(self) -> Changes:
        """The edit and disappearance marks of this vault (feedvault.changes)."""
        return Changes(self.db, self.transaction, self._migrate_changes, self._to_error)

    @property
    def media(self) -> MediaCatalog:
        """The archived media of this vault: files, URLs, links, snapshots (store/sql/media.py)."""
        return MediaCatalog(self.db, self.transaction, self._to_error)

    @property
    def accounts(self) -> Accounts:
        """Users and their reading state: subscriptions, read marks, stars, labels
        (store/sql/accounts.py)."""
        return Accounts(self.db, self.transaction, self._to_error,
                        bool(getattr(self, "read_only", False)))

    def read_snapshot(self) -> AbstractContextManager[None]:
        """Several reads that must agree (one web page); a no-op where each read already
        sees one committed state (SQLite's override makes it one read transaction)."""
        from contextlib import nullcontext

        return nullcontext()

    # ---- feeds -------------------------------------------------------------------------

    def add_feed(self, spec: FeedSpec) -> Feed:
        now = to_ms(datetime.now().astimezone())
        try:
            with self.transaction():
                self.db.execute(
                    "INSERT INTO feeds (slug, name, url, site_url, added_at, settings) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (spec.slug, spec.name, spec.url, spec.site_url, now, json.dumps(spec.settings)),
                )
        except Exception as exc:
            if self.dialect.is_unique_violation(exc):
                raise UsageError(f"a feed with slug {spec.slug!r} already exists") from exc
            raise
        return self.get_feed(spec.slug)

    def get_feed(self, slug: str) -> Feed:
        row = self.db.one(
            f"SELECT {FEED_COLUMNS}, (SELECT count(*) FROM entries WHERE feed_id = f.id) "
            "FROM feeds f WHERE f.slug = ?",
            (slug,),
        )
        if row is None:
            raise FeedNotFound(slug)
        return feed_from_row(row)

    def list_feeds(self) -> list[Feed]:
        rows = self.db.all(
            f"SELECT {FEED_COLUMNS}, coalesce(c.n, 0) FROM feeds f "
            "LEFT JOIN (SELECT feed_id, count(*) AS n FROM entries GROUP BY feed_id) c "
            f"ON c.feed_id = f.id ORDER BY f.slug{self.dialect.byte_order}"
        )
        return [feed_from_row(row) for row in rows]

    def slug_taken(self, slug: str) -> bool:
        return self.db.one("SELECT 1 FROM feeds WHERE slug = ?", (slug,)) is not None

    def remove_feed(self, slug: str) -> int:
        feed = self.get_feed(slug)
        db = self.db
        with self.transaction():
            rows = db.all("SELECT id FROM entries WHERE feed_id = ?", (feed.id,))
            ids = [int(r[0]) for r in rows]
            self._unindex_feed(feed.id, ids)
            forget_feed(db, feed.id)  # media links, URLs and file rows nothing else uses
            db.execute(
                "DELETE FROM versions WHERE entry_id IN (SELECT id FROM entries WHERE feed_id = ?)",
                (feed.id,),
            )
            db.execute("DELETE FROM entries WHERE feed_id = ?", (feed.id,))
            db.execute("DELETE FROM documents WHERE feed_id = ?", (feed.id,))
            db.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))
        return len(ids)

    def release_feed(self, feed_id: int, worker_id: str) -> bool:
        """End ``worker_id``'s lease on a feed; False when it no longer held it."""
        with self.transaction():
            cur = self.db.execute(
                "UPDATE feeds SET lease_owner = NULL, lease_until = NULL "
                "WHERE id = ? AND lease_owner = ?",
                (feed_id, worker_id),
            )
            return bool(cur.rowcount > 0)

    def release_worker(self, worker_id: str) -> int:
        """End every lease ``worker_id`` holds (after its connection was lost mid-batch, so
        its feeds are due again at once, for it or another worker); how many there were."""
        with self.transaction():
            cur = self.db.execute(
                "UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                (worker_id,),
            )
            return int(cur.rowcount or 0)

    def _feeds_by_id(self, ids: Sequence[int]) -> list[Feed]:
        """The feeds of ``ids``, in that order (those that exist)."""
        by_id: dict[int, Feed] = {}
        for cond, params in self.db.any_of("f.id", ids):
            rows = self.db.execute(
                f"SELECT {FEED_COLUMNS}, (SELECT count(*) FROM entries WHERE feed_id = f.id) "
                f"FROM feeds f WHERE {cond}",
                params,
            )
            by_id.update({int(r[0]): feed_from_row(r) for r in rows})
        return [by_id[i] for i in ids if i in by_id]

    def record_feed_error(
        self,
        feed_id: int,
        message: str,
        at: datetime,
        next_check: datetime | None = None,
        status: str | None = None,
    ) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE feeds SET last_error = ?, error_count = error_count + 1, "
                "next_check = coalesce(?, next_check), status = coalesce(?, 'error') WHERE id = ?",
                (self.dialect.text(message), _ms(next_check), status, feed_id),
            )

    def set_feed_settings(self, feed_id: int, settings: dict[str, object]) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE feeds SET settings = ? WHERE id = ?", (json.dumps(settings), feed_id)
            )

    def rename_feed(self, feed_id: int, name: str) -> None:
        """The name readers see (the slug, in URLs, stays)."""
        with self.transaction():
            self.db.execute("UPDATE feeds SET name = ? WHERE id = ?", (name, feed_id))

    # ---- updates -----------------------------------------------------------------------

    def entry_states(self, feed_id: int, keys: Sequence[str]) -> dict[str, EntryState]:
        """The newest version of each entry as the feed gave it: a full-text page version
        is compared with the page, not with the feed (else an unchanged feed item would look
        changed after each page version, and the two kinds would alternate)."""
        states: dict[str, EntryState] = {}
        for cond, params in self.db.any_of("e.key", keys):
            rows = self.db.execute(
                "SELECT e.key, e.id, v.content_hash, e.version_count, e.published_source, "
                "v.source, v.link FROM entries e JOIN versions v ON v.id = "
                "(SELECT w.id FROM versions w WHERE w.entry_id = e.id AND w.source != 'page' "
                "ORDER BY w.seq DESC LIMIT 1) "
                f"WHERE e.feed_id = ? AND {cond}",
                (feed_id, *params),
            )
            for key, *rest in rows:
                states[key] = EntryState(*rest)
        return states

    def apply_feed_states(self, states: Sequence[tuple[int, datetime, FeedStateUpdate]]) -> None:
        if not states:
            return
        with self.transaction():
            self.db.executemany(
                _FEED_STATE_SQL,
                [self._feed_state_params(fid, state, to_ms(seen)) for fid, seen, state in states],
            )

    def apply_update(self, feed_id: int, batch: UpdateBatch) -> UpdateCounts:
        try:
            counts = self._apply_update(feed_id, batch)
        except Exception as exc:
            if self.dialect.is_unique_violation(exc):
                raise StorageError(
                    f"feed {feed_id} was updated by another worker at the same time; "
                    "nothing was written (is the worker lease shorter than one update?)"
                ) from exc
            raise
        self._after_index(counts.new + counts.changed)
        return counts

    def _apply_update(self, feed_id: int, batch: UpdateBatch) -> UpdateCounts:
        seen = to_ms(batch.seen_at)
        db = self.db
        with self.transaction():
            if self.dialect.lock_feed is not None:
                db.execute(self.dialect.lock_feed, (feed_id,))
            # Re-checked under the write lock. This also keeps the batch's precomputed edit
            # summaries true: they were computed against the versions these states pin (the
            # version count is in them), so if another writer added one, nothing is written
            # and the caller decides and computes again.
            expected = batch.expected
            if expected is not None and self.entry_states(feed_id, batch.expected_keys) != expected:
                raise StaleBatch(f"feed {feed_id} changed since the update was decided")
            doc_sha = self._store_document(feed_id, batch, seen)
            indexed: list[IndexRow] = []
            fields: list[IndexFields | None] = []
            ids = self._insert_new_entries(feed_id, batch.new_entries, seen, doc_sha)
            for entry_id, new in zip(ids, batch.new_entries, strict=True):
                version = new.version
                indexed.append(
                    (entry_id, feed_id, to_ms(new.published), version.title, version.text)
                )
                fields.append(version.index)
            edits: list[tuple[int, int, NewVersion]] = []  # (entry id, seq, version)
            for entry_id, version, published in batch.changed:
                seq, current_hash, current_source = db.one(
                    "SELECT e.version_count + 1, v.content_hash, v.source FROM entries e "
                    "JOIN versions v ON v.id = e.current_version WHERE e.id = ?",
                    (entry_id,),
                )
                if (current_hash, current_source) == (version.content_hash, version.source):
                    # another writer stored this very version: never twice in a row
                    db.execute("UPDATE entries SET last_seen = ? WHERE id = ?", (seen, entry_id))
                    continue
                edits.append((entry_id, int(seq), version))
                version_id = db.one(
                    _NEXT_VERSION_SQL,
                    self._version_row(entry_id, int(seq), seen, version, doc_sha),
                )[0]
                row = db.one(
                    "UPDATE entries SET current_version = ?, version_count = ?, last_seen = ?, "
                    "published = coalesce(?, published), "
                    "published_source = CASE WHEN ? THEN 'feed' ELSE published_source END "
                    "WHERE id = ? RETURNING published",
                    (version_id, seq, seen, _ms(published), published is not None, entry_id),
                )
                indexed.append((entry_id, feed_id, int(row[0]), version.title, version.text))
                fields.append(version.index)
            for cond, params in db.any_of("id", batch.unchanged_ids):
                db.execute(f"UPDATE entries SET last_seen = ? WHERE {cond}", (seen, *params))
            self._index_rows(indexed, fields)
            db.execute(_FEED_STATE_SQL, self._feed_state_params(feed_id, batch.feed_state, seen))
            # the marks: edit summaries came computed in the batch, so this only inserts
            marks.record_update(db, feed_id, edits, batch.feed_keys, seen, doc_sha)
        skipped = len(batch.changed) - len(edits)
        return UpdateCounts(
            len(batch.new_entries), len(edits), len(batch.unchanged_ids) + skipped
        )

    def apply_reparse(
        self, feed_id: int, fixes: Sequence[ReparseFix], at: datetime, record: str
    ) -> int:
        """Write reparse corrections of one feed in one transaction, with ``record`` (what
        changed, JSON) kept in meta as ``reparse:<feed id>:<ms>``. Versions are only added;
        last_seen, the feed's state and the marks are left alone (nothing was fetched).
        Returns how many fixes were written."""
        at_ms = to_ms(at)
        db = self.db
        indexed: list[IndexRow] = []
        fields: list[IndexFields | None] = []
        with self.transaction():
            if self.dialect.lock_feed is not None:
                db.execute(self.dialect.lock_feed, (feed_id,))
            for fix in fixes:
                row = db.one(
                    "SELECT e.version_count, v.title, v.text FROM entries e JOIN versions v "
                    "ON v.id = e.current_version WHERE e.id = ? AND e.feed_id = ?",
                    (fix.entry_id, feed_id),
                )
                if row is None or int(row[0]) != fix.version_count:
                    continue
                title, text, index = str(row[1]), str(row[2]), None
                if fix.version is not None:
                    seq = fix.version_count + 1
                    version_id = db.one(
                        _NEXT_VERSION_SQL,
                        self._version_row(fix.entry_id, seq, at_ms, fix.version, fix.document_sha),
                    )[0]
                    db.execute(
                        "UPDATE entries SET current_version = ?, version_count = ? WHERE id = ?",
                        (version_id, seq, fix.entry_id),
                    )
                    title, text, index = fix.version.title, fix.version.text, fix.version.index
                db.execute(
                    "UPDATE entries SET published = ?, published_source = ?, updated = ?, "
                    "author = ? WHERE id = ?",
                    (
                        to_ms(fix.published), fix.published_source, _ms(fix.updated),
                        None if fix.author is None else self.dialect.text(fix.author),
                        fix.entry_id,
                    ),
                )
                indexed.append((fix.entry_id, feed_id, to_ms(fix.published), title, text))
                fields.append(index)
            self._index_rows(indexed, fields)
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (f"reparse:{feed_id}:{at_ms}", self.dialect.text(record)),
            )
        self._after_index(len(indexed))
        return len(indexed)

    def _store_document(self, feed_id: int, batch: UpdateBatch, seen: int) -> str | None:
        doc = batch.document
        if doc is None:
            return None
        self.db.execute(
            "INSERT INTO documents (sha, feed_id, fetched_at, url, content_type, size, data, http) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha) DO NOTHING",
            (
                doc.sha, feed_id, seen, batch.document_url, batch.document_type, doc.size,
                doc.data, batch.document_http,
            ),
        )
        return doc.sha

    def _insert_new_entries(
        self, feed_id: int, entries: Sequence[NewEntry], seen: int, doc_sha: str | None
    ) -> Sequence[int]:
        """New entries with their first versions: ids reserved first, then one
        ``executemany`` per table for the whole feed. Returns the entry ids."""
        if not entries:
            return ()
        text = self.dialect.text
        entry_ids = self.dialect.reserve_ids(self.db, "entries", len(entries))
        version_ids = self.dialect.reserve_ids(self.db, "versions", len(entries))
        self.db.executemany(
            "INSERT INTO entries (id, feed_id, key, guid, published, published_source, updated, "
            "first_seen, last_seen, author, current_version, version_count) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [
                (
                    entry_id,
                    feed_id,
                    new.key,
                    None if new.guid is None else text(new.guid),
                    to_ms(new.published),
                    new.published_source,
                    _ms(new.updated),
                    seen,
                    seen,
                    None if new.author is None else text(new.author),
                    version_id,
                )
                for entry_id, version_id, new in zip(entry_ids, version_ids, entries, strict=True)
            ],
        )
        self.db.executemany(
            _VERSION_SQL,
            [
                (version_id, *self._version_row(entry_id, 1, seen, new.version, doc_sha))
                for entry_id, version_id, new in zip(entry_ids, version_ids, entries, strict=True)
            ],
        )
        return entry_ids

    def _version_row(
        self, entry_id: int, seq: int, seen: int, version: NewVersion, doc_sha: str | None
    ) -> tuple[object, ...]:
        """The `_VERSION_SQL` parameters after the id."""
        text = self.dialect.text
        return (
            entry_id,
            seq,
            seen,
            version.source,
            text(version.title),
            None if version.link is None else text(version.link),
            text(version.raw_html),
            version.content_hash,
            text(version.content_html),
            text(version.text),
            doc_sha,
        )

    def _feed_state_params(
        self, feed_id: int, state: FeedStateUpdate, seen: int
    ) -> tuple[object, ...]:
        title = None if state.title is None else self.dialect.text(state.title)
        warning = None if state.warning is None else self.dialect.text(state.warning)
        return (
            title,
            title,
            seen,
            state.etag,
            state.last_modified,
            state.site_url,
            state.url,
            _ms(state.next_check),
            state.document_sha,
            state.status,
            state.clear_error,
            state.clear_error,
            warning,
            state.clear_error,
            feed_id,
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
        rows = self.db.execute(
            f"SELECT {ENTRY_COLUMNS} FROM entries e JOIN feeds f ON f.id = e.feed_id "
            f"JOIN versions v ON v.id = e.current_version {where} "
            f"ORDER BY e.published {order}, e.id {order} LIMIT ? OFFSET ?",
            (*params, self.dialect.no_limit if limit is None else limit, offset),
        )
        return [entry_from_row(row) for row in rows]

    def get_entries(self, entry_ids: Sequence[int]) -> list[Entry]:
        found: dict[int, Entry] = {}
        for cond, params in self.db.any_of("e.id", entry_ids):
            rows = self.db.execute(
                f"SELECT {ENTRY_COLUMNS} FROM entries e JOIN feeds f ON f.id = e.feed_id "
                f"JOIN versions v ON v.id = e.current_version WHERE {cond}",
                params,
            )
            found.update({int(row[0]): entry_from_row(row) for row in rows})
        return [found[i] for i in entry_ids if i in found]

    def get_entry(self, entry_id: int, with_versions: bool = True) -> Entry:
        entries = self.get_entries([entry_id])
        if not entries:
            raise EntryNotFound(entry_id)
        if with_versions:
            return replace(entries[0], versions=tuple(self.versions(entry_id)))
        return entries[0]

    def versions(self, entry_id: int) -> list[EntryVersion]:
        rows = self.db.execute(
            f"SELECT {VERSION_COLUMNS} FROM versions WHERE entry_id = ? ORDER BY seq", (entry_id,)
        )
        return [version_from_row(row) for row in rows]

    def get_document(self, sha: str) -> bytes:
        row = self.db.one("SELECT data FROM documents WHERE sha = ?", (sha,))
        if row is None:
            raise UsageError(f"no stored document {sha}")
        return unpack_document(bytes(row[0]))

    def iter_versions_for_reclean(self, feed_id: int) -> Iterator[EntryVersion]:
        """Every version of one feed's entries, read in pages so memory stays flat."""
        last = 0
        while True:
            rows = self.db.all(
                f"SELECT {VERSION_COLUMNS} FROM versions WHERE id > ? AND entry_id IN "
                "(SELECT id FROM entries WHERE feed_id = ?) ORDER BY id LIMIT 500",
                (last, feed_id),
            )
            if not rows:
                return
            yield from (version_from_row(row) for row in rows)
            last = int(rows[-1][0])

    def rewrite_clean(self, rows: Sequence[tuple[int, str, str]]) -> None:
        """Store recomputed (version id, content_html, text) and re-index current versions."""
        if not rows:
            return
        text = self.dialect.text
        current: list[IndexRow] = []
        with self.transaction():
            self.db.executemany(
                "UPDATE versions SET content_html = ?, text = ? WHERE id = ?",
                [(text(html), text(plain), vid) for vid, html, plain in rows],
            )
            for cond, params in self.db.any_of("v.id", [vid for vid, _, _ in rows]):
                current += self.db.all(
                    "SELECT e.id, e.feed_id, e.published, v.title, v.text FROM entries e "
                    f"JOIN versions v ON v.id = e.current_version WHERE {cond}",
                    params,
                )
            self._index_rows(current)
        self._after_index(len(current))

    def get_meta(self, key: str) -> str | None:
        row = self.db.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self.db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                self.db.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, self.dialect.text(value)),
                )

    def daily_counts(self, feed_id: int, days: int) -> list[tuple[str, int]]:
        """(YYYY-MM-DD, entries published that UTC day) for the last ``days`` days with any."""
        rows = self.db.execute(
            f"SELECT {self.dialect.utc_day('published')} AS day, count(*) FROM entries "
            f"WHERE feed_id = ? AND published >= ({self.dialect.now_s} - "
            "CAST(? AS BIGINT) * 86400) * 1000 GROUP BY day ORDER BY day",
            (feed_id, days),
        )
        return [(str(day), int(n)) for day, n in rows]

    def recent_published(self, feed_id: int, limit: int) -> list[datetime]:
        rows = self.db.execute(
            "SELECT published FROM entries WHERE feed_id = ? AND published_source != 'first_seen' "
            "ORDER BY published DESC LIMIT ?",
            (feed_id, limit),
        )
        return [from_ms(int(ms)) for (ms,) in rows]

    def count_entries(self, feed_id: int | None = None) -> int:
        if feed_id is None:
            row = self.db.one("SELECT count(*) FROM entries")
        else:
            row = self.db.one("SELECT count(*) FROM entries WHERE feed_id = ?", (feed_id,))
        return int(row[0])

    # ---- search (the index is the backend's) -------------------------------------------

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
    ) -> Sequence[SearchHitRef]:
        try:
            hits = self._search_index().search(
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
        except Exception:
            self._check_index()  # a missing index table says so, not "no such table"
            raise
        if not hits:
            self._check_index()
        return hits

    def _check_index(self) -> None:
        """No hits: say so when the index is empty or missing while entries exist (a
        restore without it, docs/deploy.md), rather than silently find nothing."""
        try:
            row = self.db.one(
                "SELECT EXISTS (SELECT 1 FROM entries), EXISTS (SELECT 1 FROM search_doc)"
            )
            lost = bool(row[0]) and not bool(row[1])
        except Exception as exc:  # not a fault: this fixed query fails for a missing table
            if self.dialect.to_fault(self, exc) is not None:
                raise
            lost = True
        if lost:
            raise SearchError(REINDEX_HINT)

    def count_matches(
        self,
        query: Query,
        *,
        feed_ids: Sequence[int] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> int:
        try:
            n = self._search_index().count(
                self.conn, query, feed_ids=feed_ids, since=since, until=until,
                budget=self.search_budget,
            )
        except Exception:
            self._check_index()
            raise
        if not n:
            self._check_index()
        return n

    def reindex(self) -> int:
        """Rebuild the search index from every entry's current version, in one transaction."""
        n = 0
        with self.transaction():
            self._clear_index()
            last = 0
            while True:
                rows = self.db.all(
                    "SELECT e.id, e.feed_id, e.published, v.title, v.text FROM entries e "
                    "JOIN versions v ON v.id = e.current_version WHERE e.id > ? "
                    "ORDER BY e.id LIMIT 500",
                    (last,),
                )
                if not rows:
                    break
                self._index_rows(rows)
                n += len(rows)
                last = int(rows[-1][0])
        self._after_reindex()
        return n


def _ms(value: datetime | None) -> int | None:
    return None if value is None else to_ms(value)


_VERSION_SQL = (
    "INSERT INTO versions (id, entry_id, seq, seen_at, source, title, link, raw_html, "
    "content_hash, content_html, text, document_sha) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

_NEXT_VERSION_SQL = (  # a changed entry's next version: the id is the database's
    "INSERT INTO versions (entry_id, seq, seen_at, source, title, link, raw_html, "
    "content_hash, content_html, text, document_sha) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "RETURNING id"
)

_FEED_STATE_SQL = (
    "UPDATE feeds SET name = CASE WHEN name = slug AND CAST(? AS TEXT) IS NOT NULL THEN ? "
    "ELSE name END, last_updated = ?, etag = coalesce(?, etag), "
    "last_modified = coalesce(?, last_modified), site_url = coalesce(site_url, ?), "
    "url = coalesce(?, url), next_check = coalesce(?, next_check), "
    "last_doc_sha = coalesce(?, last_doc_sha), "
    "status = coalesce(?, CASE WHEN ? THEN 'ok' ELSE status END), "
    "last_error = CASE WHEN ? THEN ? ELSE last_error END, "
    "error_count = CASE WHEN ? THEN 0 ELSE error_count END WHERE id = ?"
)
