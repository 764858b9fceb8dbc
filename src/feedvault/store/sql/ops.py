"""What operators ask of a vault (`feedvault status`, /metrics, /readyz), once for both
backends: the backlog of due feeds, the failing ones, who holds which lease, the counts.

Times are the database's clock: leases are stamped with the server's clock on
PostgreSQL and this machine's on SQLite, and that is the clock they are compared with.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from feedvault.store.sql.dialect import Db

_ACTIVE = "url IS NOT NULL AND status NOT IN ('gone', 'paused')"


@dataclass(frozen=True)
class Lease:
    slug: str
    owner: str
    expires_in: float  # seconds; negative: expired (its worker died or is stuck)


@dataclass(frozen=True)
class Failing:
    slug: str
    status: str
    errors: int  # consecutive failures
    last_error: str | None


@dataclass(frozen=True)
class Overview:
    feeds: dict[str, int]  # by status
    due: int  # feeds due now (leased ones included)
    overdue: float  # seconds the most overdue of them has waited
    entries: int
    versions: int
    failing: list[Failing] = field(default_factory=list)
    leases: list[Lease] = field(default_factory=list)


def _now_ms(db: Db) -> int:
    """Now on the clock leases are stamped with: the server's (PostgreSQL), or this
    machine's (SQLite, where ``now_s`` would round to the second)."""
    if db.dialect.name == "sqlite":
        return int(time.time() * 1000)
    row = db.one("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")
    return int(row[0])


def due_feeds(db: Db) -> int:
    """Feeds whose next check has come (or that were never checked)."""
    return backlog(db)[0]


def backlog(db: Db) -> tuple[int, float]:
    """(feeds due now, seconds the most overdue one has waited; 0 when none has a due
    time that passed: never-checked feeds have none)."""
    now = _now_ms(db)
    row = db.one(
        f"SELECT count(*), min(next_check) FROM feeds WHERE {_ACTIVE} "
        "AND (next_check IS NULL OR next_check <= ?)",
        (now,),
    )
    return int(row[0]), max(0.0, (now - int(row[1])) / 1000.0) if row[1] is not None else 0.0


def leases(db: Db) -> list[Lease]:
    """Every lease held, the longest held (soonest to run out) first."""
    now = _now_ms(db)
    rows = db.all(
        "SELECT slug, lease_owner, lease_until FROM feeds WHERE lease_owner IS NOT NULL "
        "ORDER BY lease_until, id"
    )
    return [Lease(str(r[0]), str(r[1]), (int(r[2] or 0) - now) / 1000.0) for r in rows]


def failing(db: Db, limit: int = 50) -> list[Failing]:
    """Feeds whose last update failed, those failing longest first."""
    rows = db.all(
        "SELECT slug, status, error_count, last_error FROM feeds "
        "WHERE error_count > 0 OR status IN ('error', 'gone') "
        "ORDER BY error_count DESC, slug LIMIT ?",
        (limit,),
    )
    return [Failing(str(r[0]), str(r[1]), int(r[2]), r[3]) for r in rows]


def failing_count(db: Db) -> int:
    row = db.one("SELECT count(*) FROM feeds WHERE error_count > 0 OR status IN ('error', 'gone')")
    return int(row[0])


def overview(db: Db, *, failing_limit: int = 50) -> Overview:
    by_status = {str(s): int(n) for s, n in db.all("SELECT status, count(*) FROM feeds "
                                                    "GROUP BY status ORDER BY status")}
    row = db.one("SELECT (SELECT count(*) FROM entries), (SELECT count(*) FROM versions)")
    due, overdue = backlog(db)
    return Overview(
        feeds=by_status,
        due=due,
        overdue=overdue,
        entries=int(row[0]),
        versions=int(row[1]),
        failing=failing(db, failing_limit),
        leases=leases(db),
    )


def db_of(store: Any) -> Db:
    """The store's connection with its dialect (both backends are SqlStorage)."""
    db = getattr(store, "db", None)
    if not isinstance(db, Db):
        raise TypeError(f"{type(store).__name__} has no SQL connection")
    return db
