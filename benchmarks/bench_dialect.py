"""The writer's hot path through the plain driver against SQLAlchemy Core (docs/decisions.md).

    python benchmarks/bench_dialect.py                       # 200 feeds x 50 entries
    PYTHONPATH=/where/sqlalchemy/is python benchmarks/bench_dialect.py --feeds 400

Per feed, what ``apply_update`` does for new entries: one multi-row insert of the entries and
one of their first versions, in one write transaction, on a real vault file (WAL,
synchronous=NORMAL, the real tables and indexes). Three ways: sqlite3's ``executemany``
directly, the same through feedvault's own dialect layer (``store.sql``), and SQLAlchemy
Core's ``insert()`` executed with a list of parameter sets (its executemany). CPU seconds
of this process (the machine is shared: wall time swings 2x), best of ``--rounds``.
SQLAlchemy is skipped when it is not installed (it is not a dependency).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from feedvault.store.sqlite.store import SqliteStorage  # noqa: E402

ENTRY_SQL = (
    "INSERT INTO entries (id, feed_id, key, guid, published, published_source, updated, "
    "first_seen, last_seen, author, current_version, version_count) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
)
VERSION_SQL = (
    "INSERT INTO versions (id, entry_id, seq, seen_at, source, title, link, raw_html, "
    "content_hash, content_html, text, document_sha) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
BODY = "<p>" + "新闻正文，一段足够长的中文内容。" * 40 + "</p>"


def _rows(feed_id: int, first: int, n: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    entries = [
        (first + k, feed_id, f"k{first + k}", None, 1_700_000_000_000 + k, "feed", None,
         1_700_000_000_000, 1_700_000_000_000, None, first + k)
        for k in range(n)
    ]
    versions = [
        (first + k, first + k, 1, 1_700_000_000_000, "feed", f"标题 {k}", f"https://e.test/{k}",
         BODY, f"{k:064x}", BODY, BODY[3:-4], None)
        for k in range(n)
    ]
    return entries, versions


def _vault(tmp: Path, name: str, feeds: int) -> SqliteStorage:
    from feedvault.store.base import FeedSpec

    store = SqliteStorage(str(tmp / f"{name}.db"))
    for i in range(feeds):
        store.add_feed(FeedSpec(f"f{i}", f"f{i}", None))
    return store


def raw(tmp: Path, feeds: int, per_feed: int) -> float:
    store = _vault(tmp, "raw", feeds)
    conn = store.conn
    start = time.process_time()
    for i in range(feeds):
        entries, versions = _rows(i + 1, i * per_feed + 1, per_feed)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(ENTRY_SQL, entries)
        conn.executemany(VERSION_SQL, versions)
        conn.execute("COMMIT")
    secs = time.process_time() - start
    store.close()
    return secs


def dialect(tmp: Path, feeds: int, per_feed: int) -> float | None:
    try:
        from feedvault.store.sql.dialect import Db
        from feedvault.store.sqlite.dialect import SQLITE
    except ImportError:  # the tree before the shared layer
        return None
    store = _vault(tmp, "dialect", feeds)
    db = Db(store.conn, SQLITE)
    start = time.process_time()
    for i in range(feeds):
        entries, versions = _rows(i + 1, i * per_feed + 1, per_feed)
        with store.transaction():
            db.executemany(ENTRY_SQL, entries)
            db.executemany(VERSION_SQL, versions)
    secs = time.process_time() - start
    store.close()
    return secs


def alchemy(tmp: Path, feeds: int, per_feed: int) -> float | None:
    try:
        import sqlalchemy as sa
    except ImportError:
        return None
    path = tmp / "alchemy.db"
    _vault(tmp, "alchemy", feeds).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    meta = sa.MetaData()
    entries_t = sa.Table("entries", meta, autoload_with=engine)
    versions_t = sa.Table("versions", meta, autoload_with=engine)
    e_cols = ["id", "feed_id", "key", "guid", "published", "published_source", "updated",
              "first_seen", "last_seen", "author", "current_version"]
    v_cols = ["id", "entry_id", "seq", "seen_at", "source", "title", "link", "raw_html",
              "content_hash", "content_html", "text", "document_sha"]
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        conn.commit()
        start = time.process_time()
        for i in range(feeds):
            entries, versions = _rows(i + 1, i * per_feed + 1, per_feed)
            with conn.begin():
                conn.execute(entries_t.insert(), [dict(zip(e_cols, r, strict=True))
                                                  for r in entries])
                conn.execute(versions_t.insert(), [dict(zip(v_cols, r, strict=True))
                                                   for r in versions])
        secs = time.process_time() - start
    engine.dispose()
    return secs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--per-feed", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, float] = {}
    for r in range(args.rounds):
        for name, fn in (("sqlite3", raw), ("own dialect", dialect), ("SQLAlchemy Core", alchemy)):
            with tempfile.TemporaryDirectory() as tmp:
                secs = fn(Path(tmp), args.feeds, args.per_feed)
            if secs is not None:
                best[name] = min(best.get(name, secs), secs)
        del r
    n = args.feeds * args.per_feed
    base = best["sqlite3"]
    for name, secs in best.items():
        print(f"{name:16} {n / secs:10,.0f} entries+versions per CPU-s  {secs * 1000:8.1f} ms  "
              f"x{secs / base:.2f}")


if __name__ == "__main__":
    main()
