"""The tables of the changes package on SQLite (a migration); the marks logic itself is
written once for both backends in changes/marks.py."""

from __future__ import annotations

import sqlite3
from typing import Final

from feedvault.changes.marks import note_stored_edits
from feedvault.store.sql.dialect import Db
from feedvault.store.sqlite.dialect import SQLITE

_SCHEMA: Final = """
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
    """Create the tables, then note the edits of versions stored before they existed."""
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    note_stored_edits(Db(conn, SQLITE))
