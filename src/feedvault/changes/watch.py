"""One run of the origin watch against a SQLite vault: pick, fetch, classify, record.

Verdicts are written in one transaction at the end, so a run interrupted half-way records
nothing rather than half a picture; the next run simply checks those entries again.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from feedvault.changes import sqlite as sql
from feedvault.changes.origin import OriginWatch, WatchPolicy
from feedvault.errors import UsageError
from feedvault.timeutil import now_utc, to_ms

if TYPE_CHECKING:
    from feedvault.clean import RuleSet
    from feedvault.fetch.client import Fetcher


class SqliteLike(Protocol):
    """What the watch needs of a store: SqliteStorage has both."""

    conn: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...


@dataclass(frozen=True, slots=True)
class WatchReport:
    checked: int
    gone: tuple[int, ...]
    back: tuple[int, ...]
    unknown: int  # network trouble: neither gone nor present

    def as_dict(self) -> dict[str, object]:
        return {
            "checked": self.checked,
            "gone": list(self.gone),
            "back": list(self.back),
            "unknown": self.unknown,
        }


def sqlite_of(store: object) -> SqliteLike:
    """The store as a SQLite store, or a clear error for other backends."""
    if isinstance(getattr(store, "conn", None), sqlite3.Connection) and hasattr(
        store, "transaction"
    ):
        return store  # type: ignore[return-value]
    raise UsageError("changes are recorded only by the SQLite backend so far")


def run_origin_watch(
    store: object,
    fetcher: Fetcher,
    policy: WatchPolicy | None = None,
    *,
    rules: RuleSet | None = None,
    feed_id: int | None = None,
) -> WatchReport:
    """Re-check the links of recent entries once; returns what was noticed."""
    db = sqlite_of(store)
    policy = policy or WatchPolicy()
    targets = sql.origin_targets(db.conn, to_ms(now_utc()), policy, feed_id)
    if not targets:
        return WatchReport(0, (), (), 0)
    watch = OriginWatch(fetcher, policy, rules)
    verdicts = watch.check(targets, lambda: to_ms(now_utc()))
    with db.transaction() as conn:
        gone, back = sql.record_origin_verdicts(conn, verdicts)
    unknown = sum(1 for v in verdicts if v.verdict == "unknown")
    return WatchReport(len(verdicts), tuple(gone), tuple(back), unknown)
