"""One worker process for test_workers: claim due feeds, update them, until none is due.

Run as ``python worker_loop.py DB_URL WORKER_ID``; prints one line per stored feed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from feedvault.update.workers import work_once  # noqa: E402
from feedvault.vault import open_vault  # noqa: E402

NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)"
# due feeds, and the seconds until the first of their leases runs out: nothing can become
# ours before then (a live worker's feed stops being due when it is done; a dead one's
# lease expires), so the worker waits for that moment instead of polling
DUE = (
    f"SELECT count(*), (min(lease_until) - {NOW_MS}) / 1000.0 FROM feeds "
    "WHERE url IS NOT NULL AND status NOT IN ('gone', 'paused') "
    f"AND (next_check IS NULL OR next_check <= {NOW_MS})"
)


def main(db: str, worker_id: str) -> None:
    with open_vault(db) as vault:
        while True:
            results = work_once(vault, worker_id, limit=5, lease_seconds=15.0)
            for r in results:
                print(worker_id, r.slug, r.status, flush=True)
            if results:
                continue
            row = vault.store.conn.execute(DUE).fetchone()  # type: ignore[attr-defined]
            if row[0] == 0:
                return
            # the rest is leased to others (or to a dead worker, until expiry); no lease
            # means one was just given back: look again at once
            time.sleep(min(max(float(row[1] or 0), 0.0), 15.0) + 0.01)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
