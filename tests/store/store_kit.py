"""The few places where the storage contract suite touches the store's construction API.

Everything the suite needs from feedvault beyond the Storage protocol itself (how a store is
opened, how a batch is built, where the changes/marks API lives) goes through this module,
so when the storage layer is reshaped only these helpers change, not the tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from feedvault.changes.backend import changes_api
from feedvault.changes.marks import Changes
from feedvault.store.base import (
    EntryState,
    FeedSpec,
    FeedStateUpdate,
    NewEntry,
    NewVersion,
    PackedDocument,
    Storage,
    UpdateBatch,
)

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def open_store(db: str) -> Storage:
    """A store on ``db`` (a SQLite path or a PostgreSQL URL), as the application opens it."""
    import feedvault.store as store_pkg

    opener = getattr(store_pkg, "open_store", None) or store_pkg.open_storage
    store: Storage = opener(db)
    return store


def spec(slug: str, url: str | None = None, **settings: object) -> FeedSpec:
    return FeedSpec(
        slug, slug.upper(), url if url is not None else f"http://127.0.0.1:9/{slug}.xml",
        settings=dict(settings),
    )


def version(
    title: str,
    text: str = "",
    *,
    source: str = "feed",
    link: str | None = "__default__",
    raw: str | None = None,
) -> NewVersion:
    """A prepared version; its content hash depends on title, link, raw HTML and source kind."""
    if link == "__default__":
        link = "http://127.0.0.1:9/" + hashlib.sha1(title.encode()).hexdigest()[:8]
    raw_html = raw if raw is not None else f"<p>{text}</p>"
    digest = hashlib.sha256(f"{title}\x00{link}\x00{raw_html}".encode()).hexdigest()
    return NewVersion(title, link, raw_html, raw_html, text, digest, source)


def new_entry(
    key: str,
    title: str | None = None,
    text: str = "",
    *,
    published: datetime = T0,
    published_source: str = "feed",
    author: str | None = None,
    guid: str | None = None,
    link: str | None = "__default__",
) -> NewEntry:
    return NewEntry(
        key,
        guid,
        published,
        published_source,
        None,
        author,
        version(title or key, text, link=link),
    )


def batch(
    seen_at: datetime = T0,
    *,
    new: Sequence[NewEntry] = (),
    changed: Sequence[tuple[int, NewVersion, datetime | None]] = (),
    unchanged: Sequence[int] = (),
    document: bytes | None = None,
    feed_state: FeedStateUpdate | None = None,
    feed_keys: Sequence[str] | None = None,
    expected: Mapping[str, EntryState] | None = None,
    expected_keys: Sequence[str] = (),
) -> UpdateBatch:
    """One feed update as the pipeline hands it to the store."""
    return UpdateBatch(
        seen_at=seen_at,
        new_entries=tuple(new),
        changed=tuple(changed),
        unchanged_ids=tuple(unchanged),
        document=PackedDocument.pack(document) if document is not None else None,
        document_url="http://127.0.0.1:9/feed.xml" if document is not None else None,
        document_type="application/rss+xml" if document is not None else None,
        feed_state=feed_state or FeedStateUpdate(),
        feed_keys=feed_keys,
        expected=expected,
        expected_keys=tuple(expected_keys),
    )


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def changes_of(store: Storage) -> Changes:
    """The store's changes capability (``store.changes``), as every caller reaches it."""
    return changes_api(store)


class PageSite:
    """A loopback web server of article pages (path -> HTML) that counts the requests."""

    def __init__(self, pages: dict[str, str]) -> None:
        import threading
        from collections import Counter
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.pages = pages
        self.hits: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                site.hits[self.path] += 1
                page = site.pages.get(self.path)
                body = (page or "not found").encode()
                self.send_response(200 if page is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self) -> PageSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


# ---- breaking a store's connection on purpose (the error-wrapping tests) --------------------


def driver_connection(store: Storage) -> Any:
    """The driver connection under a store (``store.conn`` today)."""
    conn = getattr(store, "conn", None)
    if conn is None:
        conn = store.db.conn  # type: ignore[attr-defined]
    return conn


def drop_connection(store: Storage, db: str) -> None:
    """The database goes away under the store: SQLite's connection is closed, PostgreSQL's
    server process is terminated by an administrator (pg_terminate_backend)."""
    conn = driver_connection(store)
    if not db.startswith(("postgresql://", "postgres://")):
        conn.close()
        return
    import psycopg

    pid = conn.info.backend_pid
    with psycopg.connect(db, autocommit=True) as admin:
        # with a timeout the call returns once the process has actually ended
        done = admin.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,)).fetchone()
        assert done is not None and done[0] is True


def make_read_only(store: Storage, db: str) -> None:
    """Writes are refused from now on: SQLite's query_only, PostgreSQL's read-only default
    (what a standby or a read-only mount answers)."""
    conn = driver_connection(store)
    if db.startswith(("postgresql://", "postgres://")):
        conn.execute("SET default_transaction_read_only = on")
    else:
        conn.execute("PRAGMA query_only = ON")


def backends() -> set[str]:
    """The backends this run covers (as the root conftest reads them)."""
    import os

    names = os.environ.get("FEEDVAULT_TEST_BACKENDS", "sqlite,postgres")
    return {b.strip() for b in names.split(",") if b.strip()}
