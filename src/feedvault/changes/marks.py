"""The marks of the changes package (edits, gone/back from the feed and at the origin), for
every backend: the SQL is written once over the store's dialect (store/sql/dialect.py).

A store offers this as ``store.changes``. The writing functions run inside the caller's
transaction (the store's ``apply_update``): marks are written together with the versions and
feed state they describe, or not at all. What an edit changed was computed before the write
(changes/noise.py, in the pipeline's ``prepare``); here it is only inserted. Evidence is
JSON text on both backends, so a vault copies between them unchanged. Nothing here deletes
an entry, a version or a mark.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import TYPE_CHECKING, Any

from feedvault.changes.diff import EditSummary, describe_edit
from feedvault.changes.feedwatch import explain_disappearances
from feedvault.changes.model import HOWS, KINDS, Change, Mark
from feedvault.changes.origin import OriginTarget, OriginVerdict, WatchPolicy
from feedvault.models import EntryVersion
from feedvault.store.guard import translating
from feedvault.store.rows import VERSION_COLUMNS, version_from_row
from feedvault.store.sql.dialect import Db
from feedvault.timeutil import from_ms, iso

if TYPE_CHECKING:
    from feedvault.store.base import NewVersion

# ---- marks ----------------------------------------------------------------------------


def insert_mark(
    db: Db, entry_id: int, kind: str, at_ms: int, how: str, evidence: dict[str, Any]
) -> int:
    if kind not in KINDS or how not in HOWS:
        raise ValueError(f"bad mark {kind!r}/{how!r}")
    row = db.one(
        "INSERT INTO marks (entry_id, kind, at, how, evidence) VALUES (?, ?, ?, ?, ?) "
        "RETURNING id",
        (entry_id, kind, at_ms, how, json.dumps(evidence, ensure_ascii=False, sort_keys=True)),
    )
    return int(row[0]) if row else 0


def marks_for_entry(db: Db, entry_id: int) -> list[Mark]:
    rows = db.execute(
        "SELECT id, entry_id, kind, at, how, evidence FROM marks WHERE entry_id = ? "
        "ORDER BY at, id",
        (entry_id,),
    )
    return [Mark(r[0], r[1], r[2], from_ms(r[3]), r[4], json.loads(r[5])) for r in rows]


def presence(db: Db, how: str, entry_ids: Iterable[int]) -> dict[int, str]:
    """The latest gone/back kind per entry for ``how``; entries never marked are absent."""
    found: dict[int, str] = {}
    for cond, params in db.any_of("entry_id", list(entry_ids)):
        rows = db.execute(
            "SELECT entry_id, kind FROM marks WHERE how = ? AND kind IN ('gone', 'back') "
            f"AND {cond} ORDER BY at, id",
            (how, *params),
        )
        found.update({int(eid): str(kind) for eid, kind in rows})
    return found


@dataclass(frozen=True, slots=True)
class MarkSummary:
    """What a page or the API shows beside an entry: how often it was edited, and since when
    it is gone (a gone mark with no back mark after it, in the feed or at the origin)."""

    edits: int = 0
    last_edit: datetime | None = None
    gone_since: datetime | None = None
    gone_how: str | None = None


def mark_summaries(db: Db, entry_ids: Iterable[int]) -> dict[int, MarkSummary]:
    """The summary of each entry that has marks (over the marks_entry index)."""
    rows: list[tuple[int, str, int, str]] = []
    for cond, params in db.any_of("entry_id", sorted(set(entry_ids))):
        rows.extend(db.execute(
            f"SELECT entry_id, kind, at, how FROM marks WHERE {cond} ORDER BY entry_id, at, id",
            tuple(params),
        ))
    found: dict[int, MarkSummary] = {}
    for entry_id, group in groupby(rows, key=lambda r: int(r[0])):
        edits, last_edit = 0, None
        gone: dict[str, datetime] = {}
        for _, kind, at, how in group:
            when = from_ms(at)
            if kind == "edit":
                edits, last_edit = edits + 1, when
            elif kind == "gone":
                gone.setdefault(how, when)  # since the first gone of a run
            else:
                gone.pop(how, None)
        first = min(gone.items(), key=lambda item: item[1]) if gone else None
        found[entry_id] = MarkSummary(edits, last_edit, first[1] if first else None,
                                      first[0] if first else None)
    return found


# ---- edits ----------------------------------------------------------------------------


def note_stored_edits(db: Db) -> None:
    """Add the edit marks of versions stored before the marks table existed (a migration)."""
    noted = {
        (int(entry_id), json.loads(evidence).get("seq"))
        for entry_id, evidence in db.execute(
            "SELECT entry_id, evidence FROM marks WHERE kind = 'edit'"
        )
    }
    rows = db.all("SELECT entry_id, seq, seen_at FROM versions WHERE seq > 1 ORDER BY id")
    for entry_id, seq, seen_at in rows:
        if (int(entry_id), int(seq)) not in noted:
            record_edit(db, int(entry_id), int(seq), int(seen_at))


def current_version(db: Db, entry_id: int) -> EntryVersion | None:
    """The entry's current version: what a changed item is compared with before storing."""
    row = db.one(
        f"SELECT {VERSION_COLUMNS} FROM versions WHERE id = "
        "(SELECT current_version FROM entries WHERE id = ?)",
        (entry_id,),
    )
    return version_from_row(row) if row else None


def record_edit(db: Db, entry_id: int, seq: int, at_ms: int) -> EditSummary:
    """Add the 'edit' mark of stored version ``seq``, comparing it with ``seq - 1`` here.

    For versions whose summary nobody computed: the migration that notes edits stored before
    the marks table, and batches built without ``NewVersion.edit`` (the pipeline always
    computes it, before writing).
    """
    rows = db.all(
        f"SELECT {VERSION_COLUMNS} FROM versions WHERE entry_id = ? AND seq IN (?, ?) "
        "ORDER BY seq",
        (entry_id, seq - 1, seq),
    )
    versions = [version_from_row(r) for r in rows]
    if len(versions) != 2:
        raise ValueError(f"entry {entry_id} has no versions {seq - 1} and {seq}")
    summary = describe_edit(versions[0], versions[1])
    insert_edit(db, entry_id, seq, at_ms, summary, versions[1].source, versions[1].document_sha)
    return summary


def insert_edit(
    db: Db,
    entry_id: int,
    seq: int,
    at_ms: int,
    summary: EditSummary,
    source: str,
    document_sha: str | None,
) -> None:
    """The 'edit' mark of version ``seq`` from its summary: an insert, no comparison."""
    how = "origin" if source == "page" else "feed"
    evidence: dict[str, Any] = {"seq": seq, **summary.as_dict()}
    if document_sha:
        evidence["document"] = document_sha
    insert_mark(db, entry_id, "edit", at_ms, how, evidence)


def record_update(
    db: Db,
    feed_id: int,
    edits: Sequence[tuple[int, int, NewVersion]],
    feed_keys: Sequence[str] | None,
    at_ms: int,
    document_sha: str | None = None,
) -> None:
    """Everything one feed update notices, for the store's apply_update to call last.

    ``edits`` are (entry id, seq, version) of the versions inserted in this transaction after
    an entry's first; their summaries were computed before writing (``NewVersion.edit``), so
    this only inserts. ``feed_keys`` are the entry keys of the feed document in document
    order (None for archive imports: no feed was read).
    """
    for entry_id, seq, version in edits:
        if version.edit is None:  # a batch from outside the pipeline: compare stored versions
            record_edit(db, entry_id, seq, at_ms)
        else:
            insert_edit(db, entry_id, seq, at_ms, version.edit, version.source, document_sha)
    if feed_keys is not None:
        # Gone/back stays in the transaction: it is a set difference with the feed_keys rows
        # of the previous document, which only the rows read under the write lock can give.
        record_feed_presence(db, feed_id, feed_keys, at_ms, document_sha)


# ---- disappearance from the feed ------------------------------------------------------


def previous_feed_keys(db: Db, feed_id: int) -> list[str]:
    """Entry keys of the feed's last stored document, in document order."""
    rows = db.execute("SELECT key FROM feed_keys WHERE feed_id = ? ORDER BY position", (feed_id,))
    return [str(k) for (k,) in rows]


def replace_feed_keys(db: Db, feed_id: int, keys: Sequence[str]) -> None:
    db.execute("DELETE FROM feed_keys WHERE feed_id = ?", (feed_id,))
    db.executemany(
        "INSERT INTO feed_keys (feed_id, position, key) VALUES (?, ?, ?)",
        [(feed_id, i, k) for i, k in enumerate(keys)],
    )


def record_feed_presence(
    db: Db, feed_id: int, keys: Sequence[str], at_ms: int, document_sha: str | None = None
) -> tuple[list[int], list[int]]:
    """Compare this document's keys with the last one's: (ids marked gone, ids marked back).

    Call after the document's new entries are inserted, in the same transaction.
    """
    previous = previous_feed_keys(db, feed_id)
    info = _entries_by_key(db, feed_id, set(previous) | set(keys))
    published = {k: row[1] for k, row in info.items()}
    lost = explain_disappearances(previous, keys, published)
    ids = [info[d.key][0] for d in lost] + [info[k][0] for k in keys if k in info]
    state = presence(db, "feed", ids)
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
        insert_mark(db, entry_id, "gone", at_ms, "feed", evidence)
        gone.append(entry_id)
    for key in keys:
        if key in info and state.get(info[key][0]) == "gone":
            insert_mark(db, info[key][0], "back", at_ms, "feed", {"document": document_sha})
            back.append(info[key][0])
    replace_feed_keys(db, feed_id, keys)
    return gone, back


def _entries_by_key(db: Db, feed_id: int, keys: set[str]) -> dict[str, tuple[int, int, int]]:
    """key -> (entry id, published ms, last_seen ms) for the stored entries among ``keys``."""
    out: dict[str, tuple[int, int, int]] = {}
    for cond, params in db.any_of("key", sorted(keys)):
        rows = db.execute(
            f"SELECT key, id, published, last_seen FROM entries WHERE feed_id = ? AND {cond}",
            (feed_id, *params),
        )
        out.update({str(k): (int(i), int(p), int(s)) for k, i, p, s in rows})
    return out


# ---- disappearance at the origin ------------------------------------------------------


def origin_targets(
    db: Db, now_ms: int, policy: WatchPolicy, feed_id: int | None = None
) -> list[OriginTarget]:
    """Entries to re-check now: recent ones, and ones gone at the origin (to see them back).

    Never-checked entries first, then the longest unchecked; at most ``policy.max_checks``.
    """
    since = now_ms - int(policy.window_days * 86_400_000)
    due = now_ms - int(policy.recheck_hours * 3_600_000)
    one_feed = "" if feed_id is None else "AND e.feed_id = ? "
    like = db.dialect.like_nocase
    rows = db.execute(
        "WITH last AS (SELECT entry_id, kind FROM marks m1 WHERE how = 'origin' "
        "AND kind IN ('gone', 'back') AND id = (SELECT max(id) FROM marks m2 WHERE "
        "m2.entry_id = m1.entry_id AND m2.how = 'origin' AND m2.kind IN ('gone', 'back'))) "
        "SELECT e.id, v.link, v.text, f.slug, f.site_url, f.settings, last.kind "
        "FROM entries e JOIN feeds f ON f.id = e.feed_id "
        "JOIN versions v ON v.id = e.current_version "
        "LEFT JOIN origin_checks c ON c.entry_id = e.id LEFT JOIN last ON last.entry_id = e.id "
        f"WHERE (v.link {like} 'http://%' OR v.link {like} 'https://%') "
        "AND (e.published >= ? OR last.kind = 'gone') "
        f"AND (c.checked_at IS NULL OR c.checked_at <= ?) {one_feed}"
        "ORDER BY c.checked_at IS NOT NULL, c.checked_at, e.published DESC LIMIT ?",
        (since, due, *(() if feed_id is None else (feed_id,)), policy.max_checks),
    )
    targets = []
    for entry_id, link, text, slug, site_url, settings, kind in rows:
        conf = json.loads(settings)
        selector = conf.get("selector")
        targets.append(
            OriginTarget(
                entry_id, link, text, slug, site_url,
                selector if isinstance(selector, str) and selector else None, kind == "gone",
                snapshot=bool(conf.get("snapshot")),
            )
        )
    return targets


def record_origin_verdicts(
    db: Db, verdicts: Sequence[OriginVerdict]
) -> tuple[list[int], list[int]]:
    """Keep each check, and mark the entries whose state changed: (gone ids, back ids)."""
    state = presence(db, "origin", [v.entry_id for v in verdicts])
    gone, back = [], []
    for v in verdicts:
        final_url = db.dialect.text(v.final_url) if v.final_url else v.final_url
        db.execute(
            "INSERT INTO origin_checks "
            "(entry_id, checked_at, verdict, status, final_url, similarity) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO UPDATE SET "
            "checked_at = excluded.checked_at, verdict = excluded.verdict, "
            "status = excluded.status, final_url = excluded.final_url, "
            "similarity = excluded.similarity",
            (v.entry_id, v.checked_at, v.verdict, v.status, final_url, v.similarity),
        )
        was_gone = state.get(v.entry_id) == "gone"
        if v.verdict == "gone" and not was_gone:
            insert_mark(db, v.entry_id, "gone", v.checked_at, "origin", v.evidence())
            gone.append(v.entry_id)
        elif v.verdict == "ok" and was_gone:
            insert_mark(db, v.entry_id, "back", v.checked_at, "origin", v.evidence())
            back.append(v.entry_id)
    return gone, back


# ---- reports --------------------------------------------------------------------------


def list_changes(
    db: Db,
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
    rows = db.execute(
        "SELECT m.id, m.kind, m.entry_id, f.slug, v.title, v.link, m.at, m.how, m.evidence "
        "FROM marks m JOIN entries e ON e.id = m.entry_id JOIN feeds f ON f.id = e.feed_id "
        f"JOIN versions v ON v.id = e.current_version WHERE {' AND '.join(where)} "
        "ORDER BY m.at DESC, m.id DESC LIMIT ?",
        (*params, db.dialect.no_limit if limit is None else limit),
    )
    return [
        Change(kind, eid, slug, title, from_ms(at), json.loads(ev), how, mid, link)
        for mid, kind, eid, slug, title, link, at, how, ev in rows
    ]


# ---- the capability -------------------------------------------------------------------


@translating(skip=("transaction",))
class Changes:
    """``store.changes``: the marks of one store, read on its connection, written in its
    transactions; its driver's errors come out as the store's (store/guard.py)."""

    def __init__(
        self,
        db: Db,
        transaction: Callable[[], AbstractContextManager[Any]],
        migrate: Callable[[Any], None],
        to_error: Callable[[Exception], Exception | None],
    ) -> None:
        self.db = db
        self.transaction = transaction
        self._migrate = migrate
        self._to_error = to_error

    def list_changes(
        self,
        since_ms: int | None = None,
        feed_id: int | None = None,
        kind: str | None = None,
        limit: int | None = 100,
    ) -> list[Change]:
        return list_changes(self.db, since_ms, feed_id, kind, limit)

    def marks_for_entry(self, entry_id: int) -> list[Mark]:
        return marks_for_entry(self.db, entry_id)

    def mark_summaries(self, entry_ids: Iterable[int]) -> dict[int, MarkSummary]:
        return mark_summaries(self.db, entry_ids)

    def origin_targets(
        self, now_ms: int, policy: WatchPolicy, feed_id: int | None = None
    ) -> list[OriginTarget]:
        return origin_targets(self.db, now_ms, policy, feed_id)

    def record_origin_verdicts(
        self, verdicts: Sequence[OriginVerdict]
    ) -> tuple[list[int], list[int]]:
        """Keep the checks and their marks, in one transaction: (gone ids, back ids)."""
        with self.transaction():
            return record_origin_verdicts(self.db, verdicts)

    def migrate(self) -> None:
        """Create the tables if missing and note stored edits, inside the caller's
        transaction (idempotent)."""
        self._migrate(self.db.conn)
