"""Unread counts and river pages for a user following 1,000 feeds in a 1,000,000-entry vault.

    python benchmarks/bench_accounts.py                          # 1,000 feeds x 1,000 entries
    python benchmarks/bench_accounts.py --feeds 200 --per-feed 500 --backends sqlite
    FEEDVAULT_BENCH_PG=postgresql://user@host/db python benchmarks/bench_accounts.py

The vault is built synthetically with direct SQL (feeds, entries arriving over a year in
time order with some jitter; no versions: the state queries never read them), on SQLite in
a temporary file and on PostgreSQL in a fresh schema dropped at the end. Then:

- ``reader``: follows every feed in 20 folders and reads regularly: each feed's mark leaves
  its newest 0-60 entries unread (about 30,000 in all), with 2,000 'read' exceptions above
  the marks, 500 'unread' ones below, 1,000 stars;
- ``fresh``: follows every feed with nothing read (every entry unread: the worst case).

Printed per backend and user: p50/p95 milliseconds of the unread counts per feed and per
folder, a first river page (50 newest unread, and all), a page 20 pages deep reached by
its continuation key, the 50 oldest unread, a folder's and a feed's first page, and the
starred page. Target: p95 under 100 ms (issue 17). Then, once each, the writes of marking
a folder, everything older than three days and everything read.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ["FEEDVAULT_MEDIA"] = "0"

from feedvault.config import Settings  # noqa: E402
from feedvault.vault import Vault, open_vault  # noqa: E402

PG = os.environ.get("FEEDVAULT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
T0 = 1_700_000_000_000  # ms
YEAR = 365 * 86400 * 1000
FOLDERS = 20


def build(vault: Vault, feeds: int, per_feed: int, pg: bool) -> None:
    """Feeds and entries by direct SQL, ids in arrival order."""
    conn: Any = vault.store.conn  # type: ignore[attr-defined]
    rng = random.Random(17)
    total = feeds * per_feed
    with vault.store.transaction():
        feed_rows = [(i + 1, f"f{i:04d}", f"Feed {i}", f"http://127.0.0.1:9/f{i}.xml", T0)
                     for i in range(feeds)]
        rows = []
        for n in range(total):  # arrival order: entry n of the whole vault
            feed = rng.randrange(feeds)
            at = T0 + n * YEAR // total
            published = at - rng.randrange(0, 3_600_000)  # published a little before it came
            rows.append((n + 1, feed + 1, f"k{n}", published, "feed", at, at))
        if pg:
            with conn.cursor() as cur:
                with cur.copy("COPY feeds (id, slug, name, url, added_at) FROM STDIN") as copy:
                    for r in feed_rows:
                        copy.write_row(r)
                with cur.copy("COPY entries (id, feed_id, key, published, published_source, "
                              "first_seen, last_seen) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            for table in ("feeds", "entries"):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT max(id) FROM {table}))")
        else:
            conn.executemany("INSERT INTO feeds (id, slug, name, url, added_at) "
                             "VALUES (?, ?, ?, ?, ?)", feed_rows)
            conn.executemany("INSERT INTO entries (id, feed_id, key, published, "
                             "published_source, first_seen, last_seen) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def users(vault: Vault, feeds: int) -> None:
    rng = random.Random(18)
    db = vault.store.accounts.db
    reader = vault.users.add("reader", "benchmark password")
    fresh = vault.users.add("fresh", "benchmark password")
    with vault.store.transaction():
        counts, tops = _feed_ids(vault)
        subs, fresh_subs, exceptions = [], [], []
        for feed_id in range(1, feeds + 1):
            ids = tops.get(feed_id, [])
            keep = rng.randrange(0, 61)
            mark = ids[-keep - 1] if len(ids) > keep else 0
            covered = counts.get(feed_id, 0) - sum(1 for i in ids if i > mark)
            subs.append((reader.id, feed_id, f"folder {feed_id % FOLDERS}", mark, covered, T0))
            fresh_subs.append((fresh.id, feed_id, f"folder {feed_id % FOLDERS}", 0, 0, T0))
        db.executemany("INSERT INTO subscriptions (user_id, feed_id, folder, read_upto, "
                       "read_count, added_at) VALUES (?, ?, ?, ?, ?, ?)", subs + fresh_subs)
        marks = {s[1]: s[3] for s in subs}
        above = [(f, i) for f, ids in tops.items() for i in ids if i > marks[f]]
        below = [(f, i) for f, ids in tops.items() for i in ids[-300:] if i <= marks[f]]
        for f, i in rng.sample(above, min(2000, len(above))):
            exceptions.append((reader.id, i, f, 1))
        for f, i in rng.sample(below, min(500, len(below))):
            exceptions.append((reader.id, i, f, 0))
        db.executemany("INSERT INTO read_state (user_id, entry_id, feed_id, is_read) "
                       "VALUES (?, ?, ?, ?)", exceptions)
        stars = rng.sample(range(1, sum(counts.values()) + 1), 1000)
        db.executemany("INSERT INTO stars (user_id, entry_id, starred_at) VALUES (?, ?, ?)",
                       [(reader.id, s, T0) for s in stars])


def _feed_ids(vault: Vault) -> tuple[dict[int, int], dict[int, list[int]]]:
    """Each feed's number of entries, and its newest 400 entry ids in id order."""
    db = vault.store.accounts.db
    out: dict[int, list[int]] = {}
    for f, i in db.all("SELECT feed_id, id FROM entries ORDER BY feed_id, id"):
        out.setdefault(int(f), []).append(int(i))
    return {f: len(ids) for f, ids in out.items()}, {f: ids[-400:] for f, ids in out.items()}


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def measure(vault: Vault, name: str, runs: int) -> list[tuple[str, float, float]]:
    acc = vault.store.accounts
    uid = vault.users.get(name).id

    def deep() -> None:
        after = None
        for _ in range(20):
            after = acc.river(uid, limit=50, after=after).next

    cursor: list[Any] = [None]

    def page_20() -> None:  # one page, 20 pages deep (its key found once, before timing)
        acc.river(uid, limit=50, after=cursor[0])

    after = None
    for _ in range(20):
        after = acc.river(uid, limit=50, after=after).next
    cursor[0] = after
    out = [
        ("unread counts per feed", *timed(lambda: acc.unread_counts(uid), runs)),
        ("unread counts per folder", *timed(lambda: acc.folder_counts(uid), runs)),
        ("river: 50 newest unread", *timed(lambda: acc.river(uid, limit=50), runs)),
        ("river: 50 newest, all", *timed(lambda: acc.river(uid, limit=50, unread_only=False),
                                         runs)),
        ("river: page 21 by its key", *timed(page_20, runs)),
        ("river: 50 oldest unread", *timed(lambda: acc.river(uid, limit=50, oldest_first=True),
                                           runs)),
        ("river: a folder, unread", *timed(lambda: acc.river(uid, folder="folder 3"), runs)),
        ("river: a feed, all", *timed(lambda: acc.river(uid, feed_id=7, unread_only=False),
                                      runs)),
        ("river: starred", *timed(lambda: acc.river(uid, starred=True, unread_only=False),
                                  runs)),
    ]
    return out


def run(db: str, label: str, feeds: int, per_feed: int, runs: int) -> None:
    pg = db.startswith("postgres")
    with open_vault(settings=Settings(db=db)) as vault:
        t = time.perf_counter()
        build(vault, feeds, per_feed, pg)
        users(vault, feeds)
        conn: Any = vault.store.conn  # type: ignore[attr-defined]
        if pg:
            conn.execute("VACUUM ANALYZE")
        else:
            conn.execute("ANALYZE")
        print(f"\n{label}: {feeds} feeds x {per_feed} entries built in "
              f"{time.perf_counter() - t:.0f} s")
        for name in ("reader", "fresh"):
            unread = sum(vault.store.accounts.unread_counts(vault.users.get(name).id).values())
            print(f"  user {name}: {unread} unread")
            for what, p50, p95 in measure(vault, name, runs):
                flag = "" if p95 < 100 else "  (over 100 ms)"
                print(f"    {what:28s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms{flag}")
        acc = vault.store.accounts
        uid = vault.users.get("reader").id
        half = datetime.fromtimestamp((T0 + YEAR - YEAR // 100) / 1000, UTC)
        for what, run_it in (
            ("mark a folder read", lambda: acc.mark_folder_read(uid, "folder 3")),
            ("mark all older than 3 days", lambda: acc.mark_all_read(uid, before=half)),
            ("mark all read", lambda: acc.mark_all_read(uid)),
        ):
            t = time.perf_counter()
            run_it()
            print(f"  reader: {what:28s} {(time.perf_counter() - t) * 1000:7.0f} ms (once), "
                  f"{sum(acc.unread_counts(uid).values())} unread left")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--per-feed", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    import argon2

    import feedvault.accounts

    feedvault.accounts._HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=1024)
    backends = args.backends.split(",")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            run(str(Path(tmp) / "bench.db"), "SQLite", args.feeds, args.per_feed, args.runs)
    if "postgres" in backends:
        import psycopg

        schema = "fvbench_" + uuid.uuid4().hex[:12]
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}".encode())
            try:
                sep = "&" if "?" in PG else "?"
                run(f"{PG}{sep}options=-csearch_path%3D{schema}", "PostgreSQL", args.feeds,
                    args.per_feed, args.runs)
            finally:
                admin.execute(f"DROP SCHEMA {schema} CASCADE".encode())


if __name__ == "__main__":
    main()
