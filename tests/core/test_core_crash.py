"""Kill `feedvault update` with SIGKILL at random moments; the vault must stay whole.

Each round rewrites every corpus feed (titles get a round marker) and serves it over loopback
HTTP with an ETag naming the round. After each kill: the database passes its integrity check
(SQLite's page check; on PostgreSQL, which guards its own pages, every entry has its current
version and all its versions) and every feed is either wholly at the new round (entries,
versions, ETag) or wholly untouched. Both backends run it, PostgreSQL with fewer rounds
(FEEDVAULT_CRASH_RUNS_PG) to keep CI short: what is under test there is that each feed's
update is one transaction, not the server's own crash safety.
Entries known only by a hash of their title (no guid, link or enclosure) are a new entry
whenever the title changes, so the round check looks at the others.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow  # SIGKILL rounds: only in CI or with FEEDVAULT_TEST_ALL=1

RUNS = {
    "sqlite": int(os.environ.get("FEEDVAULT_CRASH_RUNS", "100")),
    "postgres": int(os.environ.get("FEEDVAULT_CRASH_RUNS_PG", "30")),
}
_TITLE = re.compile(rb"<title(\s[^>]*)?>")


class FeedServer:
    """Serves round-marked copies of the corpus feeds; the ETag says which round."""

    def __init__(self, sources: list[Path]) -> None:
        self.sources = {p.stem: p.read_bytes() for p in sources}
        self.round = 0
        self.docs: dict[str, bytes] = {}
        self.set_round(1)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                name = self.path.strip("/").removesuffix(".xml")
                body, tag = server.docs.get(name), f'"r{server.round}"'
                if body is None:
                    self.send_error(404)
                    return
                if self.headers.get("If-None-Match") == tag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("ETag", tag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def set_round(self, n: int) -> None:
        self.round = n
        self.docs = {
            name: _TITLE.sub(lambda m: m.group(0) + f"R{n} ".encode(), data)
            for name, data in self.sources.items()
        }


@pytest.fixture
def server(corpus: Path) -> Iterator[FeedServer]:
    sources = sorted((corpus / "feeds" / "zh").glob("*.xml"))
    sources += sorted((corpus / "feeds" / "en").glob("*.xml"))
    srv = FeedServer(sources)
    yield srv
    srv.httpd.shutdown()


def _cli(db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "feedvault.cli", "--db", db, *args]


class _Db:
    """Read-only SQL on either backend, with SQLite's `?` placeholders."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.pg = db.startswith("postgres")
        if self.pg:
            import psycopg

            self.conn: Any = psycopg.connect(db, autocommit=True)
        else:
            self.conn = sqlite3.connect(db)

    def rows(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        if self.pg:
            sql = sql.replace("%", "%%").replace("?", "%s")
        return list(self.conn.execute(sql, params).fetchall())

    def integrity(self) -> str:
        if not self.pg:
            return str(self.rows("PRAGMA integrity_check")[0][0])
        from feedvault.store.postgres import PostgresStorage

        storage = PostgresStorage(self.db)
        try:
            return storage.integrity_check()
        finally:
            storage.close()

    def close(self) -> None:
        self.conn.close()


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(
        os.environ, FEEDVAULT_ALLOW_NETWORKS="127.0.0.0/8", XDG_CONFIG_HOME=str(tmp_path / "config")
    )


def _check_consistent(db: str, server_round: int) -> dict[str, int]:
    """Every feed wholly at one round; returns each feed's round (0: never updated)."""
    conn = _Db(db)
    try:
        assert conn.integrity() == "ok"
        rounds: dict[str, int] = {}
        for slug, feed_id, etag in conn.rows("SELECT slug, id, etag FROM feeds"):
            titles = [
                t
                for (t,) in conn.rows(
                    "SELECT v.title FROM entries e JOIN versions v ON v.id = e.current_version "
                    "WHERE e.feed_id = ? AND e.key NOT LIKE 'h:%'",
                    (feed_id,),
                )
            ]
            etag_round = int(etag.strip('"r')) if etag else 0
            seen = {int(m.group(1)) for t in titles if (m := re.match(r"R(\d+) ", t))}
            if etag_round == 0:
                assert titles == [], f"{slug}: entries stored without the feed's state"
            else:
                assert seen == {etag_round}, f"{slug}: etag round {etag_round}, titles {seen}"
            assert etag_round <= server_round
            rounds[slug] = etag_round
        return rounds
    finally:
        conn.close()


def test_sigkill_during_update_never_leaves_a_half_updated_feed(
    tmp_path: Path, db_url: str, server: FeedServer
) -> None:
    db = db_url
    runs = RUNS["postgres" if db.startswith("postgres") else "sqlite"]
    env = _env(tmp_path)
    from feedvault.vault import open_vault

    with open_vault(db) as vault:  # subscribing is not under test: no process per feed
        for name in server.sources:
            vault.add_feed(
                f"http://127.0.0.1:{server.port}/{name}.xml", slug=name.lower(), update=False
            )
    started = time.monotonic()
    subprocess.run(_cli(db, "update"), env=env, check=True, capture_output=True)
    full = time.monotonic() - started
    expected_counts = _entry_counts(db)
    rng = random.Random(20261127)
    killed = 0
    for n in range(2, runs + 2):
        server.set_round(n)
        proc = subprocess.Popen(
            _cli(db, "update"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.0, full * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        _check_consistent(db, n)
    assert killed >= runs // 2, f"only {killed} of {runs} runs were killed mid-update"
    subprocess.run(_cli(db, "update"), env=env, check=True, capture_output=True)
    rounds = _check_consistent(db, runs + 1)
    assert set(rounds.values()) == {runs + 1}, "the next update did not complete the work"
    assert _entry_counts(db) == expected_counts, "entries were lost or duplicated"


def _entry_counts(db: str) -> dict[str, int]:
    conn = _Db(db)
    try:
        return dict(
            conn.rows(
                "SELECT f.slug, count(e.id) FROM feeds f LEFT JOIN entries e ON e.feed_id = f.id "
                "AND e.key NOT LIKE 'h:%' GROUP BY f.slug"
            )
        )
    finally:
        conn.close()
