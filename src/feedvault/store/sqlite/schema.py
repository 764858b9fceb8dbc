"""Schema migrations for the SQLite backend.

Each migration is a list of statements applied in one transaction; ``PRAGMA user_version``
records how far a database has come, so opening an old vault upgrades it in place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from feedvault.errors import StorageError

_V1 = """
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    url TEXT,
    site_url TEXT,
    added_at INTEGER NOT NULL,
    last_updated INTEGER,
    last_error TEXT,
    etag TEXT,
    last_modified TEXT,
    status TEXT NOT NULL DEFAULT 'ok',
    error_count INTEGER NOT NULL DEFAULT 0,
    next_check INTEGER,
    settings TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE documents (
    sha TEXT PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds(id),
    fetched_at INTEGER NOT NULL,
    url TEXT,
    content_type TEXT,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds(id),
    key TEXT NOT NULL,
    guid TEXT,
    published INTEGER NOT NULL,
    published_source TEXT NOT NULL,
    updated INTEGER,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    author TEXT,
    current_version INTEGER,
    version_count INTEGER NOT NULL DEFAULT 1,
    UNIQUE (feed_id, key)
);
CREATE INDEX entries_feed_published ON entries (feed_id, published DESC, id DESC);
CREATE INDEX entries_published ON entries (published DESC, id DESC);
CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    seq INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT,
    raw_html TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    content_html TEXT NOT NULL,
    text TEXT NOT NULL,
    document_sha TEXT,
    UNIQUE (entry_id, seq)
);
"""


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _V1.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v2_search(conn: sqlite3.Connection) -> None:
    from feedvault.store.sqlite import search_index

    search_index.create_schema(conn)


def _v3_meta(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


# The tables of the changes package (its marks logic is changes/marks.py, for both backends).
_CHANGES = """
CREATE TABLE IF NOT EXISTS marks (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('edit', 'gone', 'back')),
    at INTEGER NOT NULL,
    how TEXT NOT NULL CHECK (how IN ('feed', 'origin')),
    evidence TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS marks_at ON marks (at DESC, id DESC);
CREATE INDEX IF NOT EXISTS marks_entry ON marks (entry_id, at, id);
CREATE TABLE IF NOT EXISTS feed_keys (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (feed_id, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS origin_checks (
    entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
    checked_at INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    status INTEGER,
    final_url TEXT,
    similarity REAL
)
"""


def migrate_changes(conn: sqlite3.Connection) -> None:
    """Create the changes tables if missing, then note the edits of versions stored before
    they existed (idempotent). The DDL lives here, with the backend's schema, so that the
    changes package never imports a backend."""
    from feedvault.changes.marks import note_stored_edits
    from feedvault.store.sql.dialect import Db
    from feedvault.store.sqlite.dialect import SQLITE

    for statement in _CHANGES.split(";"):
        if statement.strip():
            conn.execute(statement)
    note_stored_edits(Db(conn, SQLITE))


def _v4_changes(conn: sqlite3.Connection) -> None:
    migrate_changes(conn)


def _v5_doc_sha(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE feeds ADD COLUMN last_doc_sha TEXT")


def _v6_leases(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE feeds ADD COLUMN lease_owner TEXT")
    conn.execute("ALTER TABLE feeds ADD COLUMN lease_until INTEGER")
    conn.execute("CREATE INDEX feeds_due ON feeds (next_check) WHERE url IS NOT NULL")


def _v7_merge_policy(conn: sqlite3.Connection) -> None:
    from feedvault.store.sqlite import search_index

    search_index.tune(conn)


# Media archiving (feedvault.media, docs/media.md): files by sha, the URLs versions and
# snapshots show, the HTTP exchange of every document. ``feeds.media_scanned`` is the
# highest version id whose images were looked for; versions stored before this migration
# count as looked at (``feedvault media fetch`` is their backfill).
_MEDIA = """
ALTER TABLE documents ADD COLUMN http TEXT;
ALTER TABLE feeds ADD COLUMN media_scanned INTEGER;
UPDATE feeds SET media_scanned = (SELECT max(v.id) FROM versions v JOIN entries e
    ON e.id = v.entry_id WHERE e.feed_id = feeds.id);
CREATE TABLE media_files (
    sha TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    stored_at INTEGER NOT NULL
);
CREATE TABLE media_urls (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'ok', 'failed', 'skipped')),
    sha TEXT REFERENCES media_files(sha),
    entry_id INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try INTEGER,
    fetched_at INTEGER,
    error TEXT,
    http TEXT
);
CREATE INDEX media_urls_due ON media_urls (next_try) WHERE state IN ('pending', 'failed');
CREATE INDEX media_urls_entry ON media_urls (entry_id);
CREATE INDEX media_urls_sha ON media_urls (sha);
CREATE TABLE media_links (
    version_id INTEGER NOT NULL REFERENCES versions(id),
    url_id INTEGER NOT NULL REFERENCES media_urls(id),
    kind TEXT NOT NULL,
    shown_as TEXT,
    PRIMARY KEY (version_id, url_id)
) WITHOUT ROWID;
CREATE INDEX media_links_url ON media_links (url_id);
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    fetched_at INTEGER NOT NULL,
    url TEXT NOT NULL,
    final_url TEXT NOT NULL,
    sha TEXT NOT NULL REFERENCES media_files(sha),
    reason TEXT NOT NULL,
    http TEXT
);
CREATE INDEX snapshots_entry ON snapshots (entry_id, fetched_at);
CREATE INDEX snapshots_sha ON snapshots (sha);
CREATE TABLE snapshot_links (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
    url_id INTEGER NOT NULL REFERENCES media_urls(id),
    kind TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, url_id)
) WITHOUT ROWID;
CREATE INDEX snapshot_links_url ON snapshot_links (url_id)
"""


def _v8_media(conn: sqlite3.Connection) -> None:
    for statement in _MEDIA.split(";"):
        if statement.strip():
            conn.execute(statement)


# Accounts and per-user reading state (store/sql/accounts.py, docs/accounts.md): read state is
# a mark per (user, feed) plus exceptions, never a row per entry; ``entries_feed_id`` is the
# walk above a mark. The meta table's admin password becomes the user ``admin``. Idempotent.
_ACCOUNTS = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    edits_seen INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS subscriptions (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    folder TEXT NOT NULL DEFAULT '',
    title TEXT,
    read_upto INTEGER NOT NULL DEFAULT 0,
    read_count INTEGER NOT NULL DEFAULT 0,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, feed_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS subscriptions_feed ON subscriptions (feed_id);
CREATE TABLE IF NOT EXISTS read_state (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    feed_id INTEGER NOT NULL,
    is_read INTEGER NOT NULL CHECK (is_read IN (0, 1)),
    PRIMARY KEY (user_id, entry_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS read_state_feed ON read_state (user_id, feed_id, is_read);
CREATE INDEX IF NOT EXISTS read_state_entry ON read_state (entry_id);
CREATE TABLE IF NOT EXISTS stars (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    starred_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, entry_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stars_entry ON stars (entry_id);
CREATE TABLE IF NOT EXISTS labels (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, label, entry_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS labels_entry ON labels (entry_id);
CREATE INDEX IF NOT EXISTS entries_feed_id ON entries (feed_id, id);
CREATE TABLE IF NOT EXISTS feed_counts (
    feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
    entries INTEGER NOT NULL
)
"""
# Each feed's number of entries, kept as entries come and go (unread counts read it).
_COUNT_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS entries_counted AFTER INSERT ON entries BEGIN "
    "INSERT INTO feed_counts (feed_id, entries) VALUES (new.feed_id, 1) "
    "ON CONFLICT (feed_id) DO UPDATE SET entries = entries + 1; END",
    "CREATE TRIGGER IF NOT EXISTS entries_uncounted AFTER DELETE ON entries BEGIN "
    "UPDATE feed_counts SET entries = entries - 1 WHERE feed_id = old.feed_id; END",
)


def _v9_accounts(conn: sqlite3.Connection) -> None:
    from feedvault.store.sql.accounts import count_entries, migrate_admin
    from feedvault.store.sql.dialect import Db
    from feedvault.store.sqlite.dialect import SQLITE

    for statement in _ACCOUNTS.split(";"):
        if statement.strip():
            conn.execute(statement)
    for trigger in _COUNT_TRIGGERS:
        conn.execute(trigger)
    db = Db(conn, SQLITE)
    count_entries(db)
    migrate_admin(db)


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1,
    _v2_search,
    _v3_meta,
    _v4_changes,
    _v5_doc_sha,
    _v6_leases,
    _v7_merge_policy,
    _v8_media,
    _v9_accounts,
]


_OWN_TABLES = {"feeds", "documents", "entries", "versions"}


def refuse_foreign(conn: sqlite3.Connection, path: str) -> None:
    """Refuse a database that another application made: feedvault never adds its tables to
    it. A vault is marked by `user_version` > 0 and its own tables; an empty file is new."""
    names = sorted(
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    )
    if not names:
        return
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > 0 and _OWN_TABLES.issubset(names):
        return
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    raise StorageError(
        f"{path} is a SQLite database of another application (tables: {shown}); "
        "feedvault will not add its tables to it"
    )


def require_current(conn: sqlite3.Connection, path: str) -> None:
    """A read-only vault cannot be migrated: it must already be of this feedvault's schema."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current == 0:
        raise StorageError(f"no vault at {path} (an empty database that cannot be written)")
    if current != len(MIGRATIONS):
        raise StorageError(
            f"vault {path} is read-only and of schema version {current}, not "
            f"{len(MIGRATIONS)}; open it once where it can be written to upgrade it"
        )


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database up to the newest schema, one transaction per migration."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > len(MIGRATIONS):
        raise StorageError(
            f"database schema version {current} is newer than this feedvault "
            f"({len(MIGRATIONS)}); upgrade feedvault"
        )
    for version in range(current, len(MIGRATIONS)):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
