"""PostgresStorage: the Storage protocol over one PostgreSQL database (or schema).

Same tables, same values and the same answers as SqliteStorage; one transaction per
``apply_update``. One connection per storage object, in autocommit mode so every read sees
the newest committed state (many workers write at once) and every write names its own
transaction. Like SqliteStorage it is not shared between threads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

import psycopg
from psycopg.rows import TupleRow

from feedvault.changes import postgres as changes_postgres
from feedvault.errors import EntryNotFound, FeedNotFound, StorageError, UsageError
from feedvault.models import Entry, EntryVersion, Feed
from feedvault.search.budget import DEFAULT_SECONDS
from feedvault.search.query import Query
from feedvault.search.tokens import IndexFields
from feedvault.store.base import (
    EntryState,
    FeedSpec,
    FeedStateUpdate,
    NewVersion,
    StaleBatch,
    UpdateBatch,
    UpdateCounts,
    unpack_document,
)
from feedvault.store.guard import translating
from feedvault.store.postgres import faults, leases, schema, search_index
from feedvault.store.postgres.upkeep import Upkeep
from feedvault.store.rows import (
    ENTRY_COLUMNS,
    FEED_COLUMNS,
    VERSION_COLUMNS,
    entry_from_row,
    feed_from_row,
    version_from_row,
)
from feedvault.timeutil import from_ms, to_ms

Conn = psycopg.Connection[TupleRow]


def _text(value: str) -> str:
    """PostgreSQL text cannot hold NUL; the document's bytes (bytea) keep the original."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _opt(value: str | None) -> str | None:
    return None if value is None else _text(value)


@translating(faults.to_fault, skip=("transaction",))
class PostgresStorage:
    """One vault in one PostgreSQL database; ``options=-csearch_path=...`` picks a schema.

    The server gone, a lost connection, a full disk or a read-only server surface as
    VaultFault (faults.py), from every public method and every transaction.
    """

    search_budget: float | None = DEFAULT_SECONDS  # seconds per search (search/budget.py)

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.conn: Conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect to {_safe(url)}: {_first_line(exc)}") from exc
        try:
            schema.migrate(self.conn)
        except psycopg.Error as exc:
            self.conn.close()
            raise StorageError(f"cannot open vault {_safe(url)}: {_first_line(exc)}") from exc
        self.upkeep = Upkeep()

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

    # ---- feeds -------------------------------------------------------------------------

    def add_feed(self, spec: FeedSpec) -> Feed:
        now = to_ms(datetime.now().astimezone())
        try:
            with self.transaction() as conn:
                conn.execute(
                    "INSERT INTO feeds (slug, name, url, site_url, added_at, settings) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (spec.slug, spec.name, spec.url, spec.site_url, now, json.dumps(spec.settings)),
                )
        except psycopg.errors.UniqueViolation as exc:
            raise UsageError(f"a feed with slug {spec.slug!r} already exists") from exc
        return self.get_feed(spec.slug)

    def get_feed(self, slug: str) -> Feed:
        row = self.conn.execute(
            f"SELECT {FEED_COLUMNS}, (SELECT count(*) FROM entries WHERE feed_id = f.id) "
            "FROM feeds f WHERE f.slug = %s",
            (slug,),
        ).fetchone()
        if row is None:
            raise FeedNotFound(slug)
        return feed_from_row(row)

    def list_feeds(self) -> list[Feed]:
        rows = self.conn.execute(
            f"SELECT {FEED_COLUMNS}, coalesce(c.n, 0) FROM feeds f "
            "LEFT JOIN (SELECT feed_id, count(*) AS n FROM entries GROUP BY feed_id) c "
            'ON c.feed_id = f.id ORDER BY f.slug COLLATE "C"'
        ).fetchall()
        return [feed_from_row(row) for row in rows]

    def slug_taken(self, slug: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM feeds WHERE slug = %s", (slug,)).fetchone() is not None
        )

    def remove_feed(self, slug: str) -> int:
        feed = self.get_feed(slug)
        with self.transaction() as conn:
            conn.execute("DELETE FROM search_doc WHERE feed_id = %s", (feed.id,))
            conn.execute(
                "DELETE FROM versions WHERE entry_id IN "
                "(SELECT id FROM entries WHERE feed_id = %s)",
                (feed.id,),
            )
            cur = conn.execute("DELETE FROM entries WHERE feed_id = %s", (feed.id,))
            removed = cur.rowcount
            conn.execute("DELETE FROM documents WHERE feed_id = %s", (feed.id,))
            conn.execute("DELETE FROM feeds WHERE id = %s", (feed.id,))
        return removed

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
                "UPDATE feeds SET last_error = %s, error_count = error_count + 1, "
                "next_check = coalesce(%s, next_check), status = coalesce(%s, 'error') "
                "WHERE id = %s",
                (_text(message), to_ms(next_check) if next_check else None, status, feed_id),
            )

    def set_feed_settings(self, feed_id: int, settings: dict[str, object]) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE feeds SET settings = %s WHERE id = %s", (json.dumps(settings), feed_id)
            )

    # ---- many workers ------------------------------------------------------------------

    def claim_due_feeds(self, worker_id: str, limit: int, lease_seconds: float) -> list[Feed]:
        """Lease up to ``limit`` due feeds to ``worker_id``; others skip them until released
        or until the lease runs out (a dead worker's feeds come back)."""
        with self.transaction() as conn:
            ids = leases.claim(conn, worker_id, limit, lease_seconds)
        return self._feeds_by_id(ids)

    def release_feed(self, feed_id: int, worker_id: str) -> bool:
        """End ``worker_id``'s lease on a feed; False when it no longer held it."""
        with self.transaction() as conn:
            return leases.release(conn, feed_id, worker_id)

    def _feeds_by_id(self, ids: Sequence[int]) -> list[Feed]:
        if not ids:
            return []
        rows = self.conn.execute(
            f"SELECT {FEED_COLUMNS}, (SELECT count(*) FROM entries WHERE feed_id = f.id) "
            "FROM feeds f WHERE f.id = ANY(%s)",
            (list(ids),),
        ).fetchall()
        by_id = {int(r[0]): feed_from_row(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    # ---- updates -----------------------------------------------------------------------

    def entry_states(self, feed_id: int, keys: Sequence[str]) -> dict[str, EntryState]:
        """The newest version of each entry as the feed gave it, as on SQLite: compared with
        a full-text page version, an unchanged feed item looked changed and was stored again."""
        if not keys:
            return {}
        rows = self.conn.execute(
            "SELECT e.key, e.id, v.content_hash, e.version_count, e.published_source, v.source "
            "FROM entries e CROSS JOIN LATERAL (SELECT content_hash, source FROM versions "
            "WHERE entry_id = e.id AND source != 'page' ORDER BY seq DESC LIMIT 1) v "
            "WHERE e.feed_id = %s AND e.key = ANY(%s)",
            (feed_id, list(keys)),
        )
        return {key: EntryState(*rest) for key, *rest in rows}

    def apply_feed_states(self, states: Sequence[tuple[int, datetime, FeedStateUpdate]]) -> None:
        if not states:
            return
        with self.transaction() as conn, conn.cursor() as cur:
            cur.executemany(
                _FEED_STATE_SQL,
                [_feed_state_params(fid, state, to_ms(seen)) for fid, seen, state in states],
            )

    def apply_update(self, feed_id: int, batch: UpdateBatch) -> UpdateCounts:
        try:
            counts = self._apply_update(feed_id, batch)
        except psycopg.errors.UniqueViolation as exc:
            raise StorageError(
                f"feed {feed_id} was updated by another worker at the same time; "
                "nothing was written (is the worker lease shorter than one update?)"
            ) from exc
        self.upkeep.indexed(self.conn, counts.new + counts.changed)
        return counts

    def _apply_update(self, feed_id: int, batch: UpdateBatch) -> UpdateCounts:
        seen = to_ms(batch.seen_at)
        with self.transaction() as conn:
            # One writer per feed at a time (the row lock waits for the other's commit), then
            # the decision is re-checked against what that writer stored.
            conn.execute("SELECT 1 FROM feeds WHERE id = %s FOR UPDATE", (feed_id,))
            expected = batch.expected  # re-checked under the write lock
            if expected is not None and self.entry_states(feed_id, batch.expected_keys) != expected:
                raise StaleBatch(f"feed {feed_id} changed since the update was decided")
            doc_sha = _store_document(conn, feed_id, batch, seen)
            indexed: list[tuple[int, int, int, str, str]] = []
            fields: list[IndexFields | None] = []
            for new in batch.new_entries:
                published = to_ms(new.published)
                row = conn.execute(
                    "INSERT INTO entries (feed_id, key, guid, published, published_source, "
                    "updated, first_seen, last_seen, author) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                    (
                        feed_id,
                        new.key,
                        _opt(new.guid),
                        published,
                        new.published_source,
                        to_ms(new.updated) if new.updated else None,
                        seen,
                        seen,
                        _opt(new.author),
                    ),
                ).fetchone()
                assert row is not None
                entry_id = int(row[0])
                _insert_version(conn, entry_id, 1, seen, new.version, doc_sha)
                indexed.append((entry_id, feed_id, published, new.version.title, new.version.text))
                fields.append(new.version.index)
            changed_ids: list[int] = []
            for entry_id, version, published_at in batch.changed:
                seq_row = conn.execute(
                    "SELECT e.version_count + 1, v.content_hash, v.source FROM entries e "
                    "JOIN versions v ON v.id = e.current_version WHERE e.id = %s",
                    (entry_id,),
                ).fetchone()
                assert seq_row is not None
                if (seq_row[1], seq_row[2]) == (version.content_hash, version.source):
                    # another writer stored this very version: never twice in a row
                    conn.execute(
                        "UPDATE entries SET last_seen = %s WHERE id = %s", (seen, entry_id)
                    )
                    continue
                changed_ids.append(entry_id)
                _insert_version(conn, entry_id, int(seq_row[0]), seen, version, doc_sha)
                pub_row = conn.execute(
                    "UPDATE entries SET last_seen = %s, "
                    "published = coalesce(%s, published), "
                    "published_source = CASE WHEN %s THEN 'feed' ELSE published_source END "
                    "WHERE id = %s RETURNING published",
                    (seen, _ms(published_at), published_at is not None, entry_id),
                ).fetchone()
                assert pub_row is not None
                indexed.append((entry_id, feed_id, int(pub_row[0]), version.title, version.text))
                fields.append(version.index)
            if batch.unchanged_ids:
                conn.execute(
                    "UPDATE entries SET last_seen = %s WHERE id = ANY(%s)",
                    (seen, list(batch.unchanged_ids)),
                )
            search_index.index_rows(conn, indexed, fields)
            _write_feed_state(conn, feed_id, batch, seen)
            changes_postgres.record_update(
                conn, feed_id, changed_ids, batch.feed_keys, seen, doc_sha
            )
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
        where, params = ("WHERE e.feed_id = %s", [feed_id]) if feed_id is not None else ("", [])
        sql = (
            f"SELECT {ENTRY_COLUMNS} FROM entries e JOIN feeds f ON f.id = e.feed_id "
            f"JOIN versions v ON v.id = e.current_version {where} "
            f"ORDER BY e.published {order}, e.id {order} LIMIT %s OFFSET %s"
        )
        rows = self.conn.execute(sql.encode(), (*params, limit, offset))
        return [entry_from_row(row) for row in rows]

    def get_entries(self, entry_ids: Sequence[int]) -> list[Entry]:
        if not entry_ids:
            return []
        rows = self.conn.execute(
            f"SELECT {ENTRY_COLUMNS} FROM entries e JOIN feeds f ON f.id = e.feed_id "
            "JOIN versions v ON v.id = e.current_version WHERE e.id = ANY(%s)",
            (list(entry_ids),),
        )
        found = {int(row[0]): entry_from_row(row) for row in rows}
        return [found[i] for i in entry_ids if i in found]

    def get_entry(self, entry_id: int, with_versions: bool = True) -> Entry:
        entries = self.get_entries([entry_id])
        if not entries:
            raise EntryNotFound(entry_id)
        if with_versions:
            return replace(entries[0], versions=tuple(self.versions(entry_id)))
        return entries[0]

    def versions(self, entry_id: int) -> list[EntryVersion]:
        rows = self.conn.execute(
            f"SELECT {VERSION_COLUMNS} FROM versions WHERE entry_id = %s ORDER BY seq",
            (entry_id,),
        )
        return [version_from_row(row) for row in rows]

    def get_document(self, sha: str) -> bytes:
        row = self.conn.execute("SELECT data FROM documents WHERE sha = %s", (sha,)).fetchone()
        if row is None:
            raise UsageError(f"no stored document {sha}")
        return unpack_document(bytes(row[0]))

    def iter_versions_for_reclean(self, feed_id: int) -> Iterator[EntryVersion]:
        """Every version of one feed's entries, read in pages so memory stays flat."""
        last = 0
        while True:
            rows = self.conn.execute(
                f"SELECT {VERSION_COLUMNS} FROM versions WHERE id > %s AND entry_id IN "
                "(SELECT id FROM entries WHERE feed_id = %s) ORDER BY id LIMIT 500",
                (last, feed_id),
            ).fetchall()
            if not rows:
                return
            yield from (version_from_row(row) for row in rows)
            last = int(rows[-1][0])

    def rewrite_clean(self, rows: Sequence[tuple[int, str, str]]) -> None:
        """Store recomputed (version id, content_html, text) and re-index current versions."""
        if not rows:
            return
        with self.transaction() as conn, conn.cursor() as cur:
            cur.executemany(
                "UPDATE versions SET content_html = %s, text = %s WHERE id = %s",
                [(_text(html), _text(text), vid) for vid, html, text in rows],
            )
            current = conn.execute(
                "SELECT e.id, e.feed_id, e.published, v.title, v.text FROM entries e "
                "JOIN versions v ON v.id = e.current_version WHERE v.id = ANY(%s)",
                ([vid for vid, _, _ in rows],),
            ).fetchall()
            search_index.index_rows(conn, current)
        self.upkeep.indexed(self.conn, len(current))

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM meta WHERE key = %s", (key,))
            else:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (%s, %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, _text(value)),
                )

    def daily_counts(self, feed_id: int, days: int) -> list[tuple[str, int]]:
        """(YYYY-MM-DD, entries published that UTC day) for the last ``days`` days with any."""
        rows = self.conn.execute(
            "SELECT to_char(to_timestamp(published / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') "
            "AS day, count(*) FROM entries WHERE feed_id = %s AND published >= "
            "(floor(extract(epoch FROM now()))::bigint - %s::bigint * 86400) * 1000 "
            "GROUP BY day ORDER BY day",
            (feed_id, days),
        )
        return [(str(day), int(n)) for day, n in rows]

    def recent_published(self, feed_id: int, limit: int) -> list[datetime]:
        rows = self.conn.execute(
            "SELECT published FROM entries WHERE feed_id = %s "
            "AND published_source != 'first_seen' ORDER BY published DESC LIMIT %s",
            (feed_id, limit),
        )
        return [from_ms(int(ms)) for (ms,) in rows]

    def count_entries(self, feed_id: int | None = None) -> int:
        if feed_id is None:
            row = self.conn.execute("SELECT count(*) FROM entries").fetchone()
        else:
            row = self.conn.execute(
                "SELECT count(*) FROM entries WHERE feed_id = %s", (feed_id,)
            ).fetchone()
        assert row is not None
        return int(row[0])

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
    ) -> list[search_index.Hit]:
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
        return search_index.count(self.conn, query, feed_ids=feed_ids, since=since, until=until,
                                  budget=self.search_budget)

    def reindex(self) -> int:
        """Rebuild the search index from every entry's current version, in one transaction."""
        n = 0
        with self.transaction() as conn:
            search_index.clear(conn)
            last = 0
            while True:
                rows = conn.execute(
                    "SELECT e.id, e.feed_id, e.published, v.title, v.text FROM entries e "
                    "JOIN versions v ON v.id = e.current_version WHERE e.id > %s "
                    "ORDER BY e.id LIMIT 500",
                    (last,),
                ).fetchall()
                if not rows:
                    break
                search_index.index_rows(conn, rows)
                n += len(rows)
                last = int(rows[-1][0])
        self.upkeep.run(self.conn)  # a whole new index: merge it and give the planner stats
        return n

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


# ---- helpers -------------------------------------------------------------------------


def _ms(value: datetime | None) -> int | None:
    return None if value is None else to_ms(value)


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


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _store_document(conn: Conn, feed_id: int, batch: UpdateBatch, seen: int) -> str | None:
    if batch.document is None:
        return None
    doc = batch.document
    conn.execute(
        "INSERT INTO documents (sha, feed_id, fetched_at, url, content_type, size, data) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (sha) DO NOTHING",
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


def _insert_version(
    conn: Conn, entry_id: int, seq: int, seen: int, version: NewVersion, doc_sha: str | None
) -> None:
    row = conn.execute(
        "INSERT INTO versions (entry_id, seq, seen_at, source, title, link, raw_html, "
        "content_hash, content_html, text, document_sha) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            entry_id,
            seq,
            seen,
            version.source,
            _text(version.title),
            _opt(version.link),
            _text(version.raw_html),
            version.content_hash,
            _text(version.content_html),
            _text(version.text),
            doc_sha,
        ),
    ).fetchone()
    assert row is not None
    conn.execute(
        "UPDATE entries SET current_version = %s, version_count = %s WHERE id = %s",
        (row[0], seq, entry_id),
    )


_FEED_STATE_SQL = (
    "UPDATE feeds SET last_updated = %(seen)s, etag = coalesce(%(etag)s, etag), "
    "name = CASE WHEN name = slug AND %(title)s::text IS NOT NULL THEN %(title)s "
    "ELSE name END, last_doc_sha = coalesce(%(doc)s, last_doc_sha), "
    "last_modified = coalesce(%(lm)s, last_modified), "
    "site_url = coalesce(site_url, %(site)s), url = coalesce(%(url)s, url), "
    "next_check = coalesce(%(next)s, next_check), "
    "status = coalesce(%(status)s, CASE WHEN %(clear)s THEN 'ok' ELSE status END), "
    "last_error = CASE WHEN %(clear)s THEN %(warning)s ELSE last_error END, "
    "error_count = CASE WHEN %(clear)s THEN 0 ELSE error_count END WHERE id = %(id)s"
)


def _feed_state_params(feed_id: int, state: FeedStateUpdate, seen: int) -> dict[str, object]:
    return {
        "seen": seen,
        "etag": state.etag,
        "lm": state.last_modified,
        "site": state.site_url,
        "url": state.url,
        "next": _ms(state.next_check),
        "status": state.status,
        "clear": state.clear_error,
        "warning": _opt(state.warning),
        "title": _opt(state.title),
        "doc": state.document_sha,
        "id": feed_id,
    }


def _write_feed_state(conn: Conn, feed_id: int, batch: UpdateBatch, seen: int) -> None:
    conn.execute(_FEED_STATE_SQL, _feed_state_params(feed_id, batch.feed_state, seen))
