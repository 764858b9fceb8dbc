"""The SQL of the changes package for the SQLite backend.

Every function takes the store's connection and runs inside the caller's transaction (the
store's ``BEGIN IMMEDIATE``): marks are written together with the versions and feed state
they describe, or not at all. Nothing here deletes an entry, a version or a mark.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Final

from feedvault.changes.diff import EditSummary, describe_edit
from feedvault.changes.feedwatch import explain_disappearances
from feedvault.changes.model import HOWS, KINDS, Change, Mark
from feedvault.changes.origin import OriginTarget, OriginVerdict, WatchPolicy
from feedvault.models import EntryVersion
from feedvault.store.rows import VERSION_COLUMNS, version_from_row
from feedvault.timeutil import from_ms, iso

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
_CHUNK: Final = 500


def migrate_changes(conn: sqlite3.Connection) -> None:
    """Create the tables, then note the edits of versions stored before they existed."""
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    rows = conn.execute(
        "SELECT v.entry_id, v.seq, v.seen_at FROM versions v WHERE v.seq > 1 AND NOT EXISTS "
        "(SELECT 1 FROM marks m WHERE m.entry_id = v.entry_id AND m.kind = 'edit' "
        "AND json_extract(m.evidence, '$.seq') = v.seq) ORDER BY v.id"
    ).fetchall()
    for entry_id, seq, seen_at in rows:
        record_edit(conn, entry_id, seq, seen_at)


# ---- marks ----------------------------------------------------------------------------


def insert_mark(
    conn: sqlite3.Connection,
    entry_id: int,
    kind: str,
    at_ms: int,
    how: str,
    evidence: dict[str, Any],
) -> int:
    if kind not in KINDS or how not in HOWS:
        raise ValueError(f"bad mark {kind!r}/{how!r}")
    cur = conn.execute(
        "INSERT INTO marks (entry_id, kind, at, how, evidence) VALUES (?, ?, ?, ?, ?)",
        (entry_id, kind, at_ms, how, json.dumps(evidence, ensure_ascii=False, sort_keys=True)),
    )
    return int(cur.lastrowid or 0)


def marks_for_entry(conn: sqlite3.Connection, entry_id: int) -> list[Mark]:
    rows = conn.execute(
        "SELECT id, entry_id, kind, at, how, evidence FROM marks WHERE entry_id = ? "
        "ORDER BY at, id",
        (entry_id,),
    )
    return [Mark(r[0], r[1], r[2], from_ms(r[3]), r[4], json.loads(r[5])) for r in rows]


def presence(conn: sqlite3.Connection, how: str, entry_ids: Iterable[int]) -> dict[int, str]:
    """The latest gone/back kind per entry for ``how``; entries never marked are absent."""
    found: dict[int, str] = {}
    ids = list(entry_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = conn.execute(
            "SELECT entry_id, kind FROM marks WHERE how = ? AND kind IN ('gone', 'back') "
            f"AND entry_id IN ({','.join('?' * len(chunk))}) ORDER BY at, id",
            (how, *chunk),
        )
        found.update({int(eid): str(kind) for eid, kind in rows})
    return found


# ---- edits ----------------------------------------------------------------------------


def current_version(conn: sqlite3.Connection, entry_id: int) -> EntryVersion | None:
    """The entry's current version: what a changed item is compared with before storing."""
    row = conn.execute(
        f"SELECT {VERSION_COLUMNS} FROM versions WHERE id = "
        "(SELECT current_version FROM entries WHERE id = ?)",
        (entry_id,),
    ).fetchone()
    return version_from_row(row) if row else None


def record_edit(
    conn: sqlite3.Connection,
    entry_id: int,
    seq: int,
    at_ms: int,
    summary: EditSummary | None = None,
) -> EditSummary:
    """Add the 'edit' mark of version ``seq`` (compared with ``seq - 1``), after inserting it.

    Pass the ``summary`` the pipeline already computed to skip the comparison here.
    """
    rows = conn.execute(
        f"SELECT {VERSION_COLUMNS} FROM versions WHERE entry_id = ? AND seq IN (?, ?) "
        "ORDER BY seq",
        (entry_id, seq - 1, seq),
    ).fetchall()
    versions = [version_from_row(r) for r in rows]
    if summary is None:
        if len(versions) != 2:
            raise ValueError(f"entry {entry_id} has no versions {seq - 1} and {seq}")
        summary = describe_edit(versions[0], versions[1])
    how = "origin" if versions and versions[-1].source == "page" else "feed"
    evidence: dict[str, Any] = {"seq": seq, **summary.as_dict()}
    if versions and versions[-1].document_sha:
        evidence["document"] = versions[-1].document_sha
    insert_mark(conn, entry_id, "edit", at_ms, how, evidence)
    return summary


def record_update(
    conn: sqlite3.Connection,
    feed_id: int,
    changed_ids: Sequence[int],
    feed_keys: Sequence[str] | None,
    at_ms: int,
    document_sha: str | None = None,
) -> None:
    """Everything one feed update notices, for SqliteStorage.apply_update to call last.

    ``changed_ids`` got a new version in this transaction; ``feed_keys`` are the entry keys
    of the feed document in document order (None for archive imports: no feed was read).
    """
    for entry_id in changed_ids:
        row = conn.execute("SELECT version_count FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is not None and row[0] > 1:
            record_edit(conn, entry_id, int(row[0]), at_ms)
    if feed_keys is not None:
        record_feed_presence(conn, feed_id, feed_keys, at_ms, document_sha)


# ---- disappearance from the feed ------------------------------------------------------


def previous_feed_keys(conn: sqlite3.Connection, feed_id: int) -> list[str]:
    """Entry keys of the feed's last stored document, in document order."""
    rows = conn.execute(
        "SELECT key FROM feed_keys WHERE feed_id = ? ORDER BY position", (feed_id,)
    )
    return [str(k) for (k,) in rows]


def replace_feed_keys(conn: sqlite3.Connection, feed_id: int, keys: Sequence[str]) -> None:
    conn.execute("DELETE FROM feed_keys WHERE feed_id = ?", (feed_id,))
    conn.executemany(
        "INSERT INTO feed_keys (feed_id, position, key) VALUES (?, ?, ?)",
        [(feed_id, i, k) for i, k in enumerate(keys)],
    )


def record_feed_presence(
    conn: sqlite3.Connection,
    feed_id: int,
    keys: Sequence[str],
    at_ms: int,
    document_sha: str | None = None,
) -> tuple[list[int], list[int]]:
    """Compare this document's keys with the last one's: (ids marked gone, ids marked back).

    Call after the document's new entries are inserted, in the same transaction.
    """
    previous = previous_feed_keys(conn, feed_id)
    info = _entries_by_key(conn, feed_id, set(previous) | set(keys))
    published = {k: row[1] for k, row in info.items()}
    lost = explain_disappearances(previous, keys, published)
    ids = [info[d.key][0] for d in lost] + [info[k][0] for k in keys if k in info]
    state = presence(conn, "feed", ids)
    gone, back = [], []
    for d in lost:
        entry_id, _, last_seen = info[d.key]
        if state.get(entry_id) == "gone":
            continue
        evidence = {
            "older_still_listed": d.older_still_listed,
            "oldest_listed": iso(from_ms(d.oldest_listed_ms)),
            "last_listed": iso(from_ms(last_seen)),
            "document": document_sha,
        }
        insert_mark(conn, entry_id, "gone", at_ms, "feed", evidence)
        gone.append(entry_id)
    for key in keys:
        if key in info and state.get(info[key][0]) == "gone":
            insert_mark(conn, info[key][0], "back", at_ms, "feed", {"document": document_sha})
            back.append(info[key][0])
    replace_feed_keys(conn, feed_id, keys)
    return gone, back


def _entries_by_key(
    conn: sqlite3.Connection, feed_id: int, keys: set[str]
) -> dict[str, tuple[int, int, int]]:
    """key -> (entry id, published ms, last_seen ms) for the stored entries among ``keys``."""
    ordered = sorted(keys)
    out: dict[str, tuple[int, int, int]] = {}
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        rows = conn.execute(
            "SELECT key, id, published, last_seen FROM entries WHERE feed_id = ? "
            f"AND key IN ({','.join('?' * len(chunk))})",
            (feed_id, *chunk),
        )
        out.update({str(k): (int(i), int(p), int(s)) for k, i, p, s in rows})
    return out


# ---- disappearance at the origin ------------------------------------------------------


def origin_targets(
    conn: sqlite3.Connection,
    now_ms: int,
    policy: WatchPolicy,
    feed_id: int | None = None,
) -> list[OriginTarget]:
    """Entries to re-check now: recent ones, and ones gone at the origin (to see them back).

    Never-checked entries first, then the longest unchecked; at most ``policy.max_checks``.
    """
    since = now_ms - int(policy.window_days * 86_400_000)
    due = now_ms - int(policy.recheck_hours * 3_600_000)
    rows = conn.execute(
        "WITH last AS (SELECT entry_id, kind FROM marks m1 WHERE how = 'origin' "
        "AND kind IN ('gone', 'back') AND id = (SELECT max(id) FROM marks m2 WHERE "
        "m2.entry_id = m1.entry_id AND m2.how = 'origin' AND m2.kind IN ('gone', 'back'))) "
        "SELECT e.id, v.link, v.text, f.slug, f.site_url, f.settings, last.kind "
        "FROM entries e JOIN feeds f ON f.id = e.feed_id "
        "JOIN versions v ON v.id = e.current_version "
        "LEFT JOIN origin_checks c ON c.entry_id = e.id LEFT JOIN last ON last.entry_id = e.id "
        "WHERE (v.link LIKE 'http://%' OR v.link LIKE 'https://%') "
        "AND (e.published >= ? OR last.kind = 'gone') "
        "AND (c.checked_at IS NULL OR c.checked_at <= ?) AND (? IS NULL OR e.feed_id = ?) "
        "ORDER BY c.checked_at IS NOT NULL, c.checked_at, e.published DESC LIMIT ?",
        (since, due, feed_id, feed_id, policy.max_checks),
    )
    targets = []
    for entry_id, link, text, slug, site_url, settings, kind in rows:
        selector = json.loads(settings).get("selector")
        targets.append(
            OriginTarget(
                entry_id, link, text, slug, site_url,
                selector if isinstance(selector, str) and selector else None, kind == "gone",
            )
        )
    return targets


def record_origin_verdicts(
    conn: sqlite3.Connection, verdicts: Sequence[OriginVerdict]
) -> tuple[list[int], list[int]]:
    """Keep each check, and mark the entries whose state changed: (gone ids, back ids)."""
    state = presence(conn, "origin", [v.entry_id for v in verdicts])
    gone, back = [], []
    for v in verdicts:
        conn.execute(
            "INSERT OR REPLACE INTO origin_checks "
            "(entry_id, checked_at, verdict, status, final_url, similarity) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (v.entry_id, v.checked_at, v.verdict, v.status, v.final_url, v.similarity),
        )
        was_gone = state.get(v.entry_id) == "gone"
        if v.verdict == "gone" and not was_gone:
            insert_mark(conn, v.entry_id, "gone", v.checked_at, "origin", v.evidence())
            gone.append(v.entry_id)
        elif v.verdict == "ok" and was_gone:
            insert_mark(conn, v.entry_id, "back", v.checked_at, "origin", v.evidence())
            back.append(v.entry_id)
    return gone, back


# ---- reports --------------------------------------------------------------------------


def list_changes(
    conn: sqlite3.Connection,
    since_ms: int | None = None,
    feed_id: int | None = None,
    kind: str | None = None,
    limit: int | None = 100,
) -> list[Change]:
    """Marks newest first, with the feed slug and the entry's current title and link."""
    where: list[str] = ["1 = 1"]
    params: list[object] = []
    filters = (("m.at >= ?", since_ms), ("e.feed_id = ?", feed_id), ("m.kind = ?", kind))
    for clause, value in filters:
        if value is not None:
            where.append(clause)
            params.append(value)
    rows = conn.execute(
        "SELECT m.id, m.kind, m.entry_id, f.slug, v.title, v.link, m.at, m.how, m.evidence "
        "FROM marks m JOIN entries e ON e.id = m.entry_id JOIN feeds f ON f.id = e.feed_id "
        f"JOIN versions v ON v.id = e.current_version WHERE {' AND '.join(where)} "
        "ORDER BY m.at DESC, m.id DESC LIMIT ?",
        (*params, -1 if limit is None else limit),
    )
    return [
        Change(kind, eid, slug, title, from_ms(at), json.loads(ev), how, mid, link)
        for mid, kind, eid, slug, title, link, at, how, ev in rows
    ]
