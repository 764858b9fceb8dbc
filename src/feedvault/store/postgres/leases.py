"""Feed leases for many workers on one vault: each due feed is fetched by one worker at a time.

A claim is one statement: pick due, unleased (or lease-expired) feeds with ``FOR UPDATE SKIP
LOCKED`` - concurrent claimers never wait on, nor take, each other's rows - and stamp them
with the worker and a deadline. A worker that dies simply stops renewing; when its
deadline passes the feeds are due again for everyone. Times are the server's clock, so
workers on machines with skewed clocks still agree.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import TupleRow

NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

_CLAIM = f"""
UPDATE feeds SET lease_owner = %(worker)s, lease_until = {NOW_MS} + %(lease_ms)s
WHERE id IN (
    SELECT id FROM feeds
    WHERE url IS NOT NULL AND status NOT IN ('gone', 'paused')
      AND (next_check IS NULL OR next_check <= {NOW_MS})
      AND (lease_until IS NULL OR lease_until < {NOW_MS})
    ORDER BY next_check NULLS FIRST, id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING id, next_check
"""


def claim(
    conn: psycopg.Connection[TupleRow], worker_id: str, limit: int, lease_seconds: float
) -> list[int]:
    """Lease up to ``limit`` due feeds; their ids, most overdue first. Caller commits."""
    if limit <= 0:
        return []
    rows = conn.execute(
        _CLAIM.encode(),
        {"worker": worker_id, "lease_ms": int(lease_seconds * 1000), "limit": limit},
    ).fetchall()
    rows.sort(key=lambda r: (r[1] is not None, r[1] or 0, r[0]))
    return [int(r[0]) for r in rows]


def release(conn: psycopg.Connection[TupleRow], feed_id: int, worker_id: str) -> bool:
    """Drop the lease if ``worker_id`` still holds it (it may have expired and moved on)."""
    cur = conn.execute(
        "UPDATE feeds SET lease_owner = NULL, lease_until = NULL "
        "WHERE id = %s AND lease_owner = %s",
        (feed_id, worker_id),
    )
    return cur.rowcount > 0
