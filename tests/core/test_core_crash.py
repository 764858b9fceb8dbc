"""Kill `feedvault update` with SIGKILL at random moments; the vault must stay whole.

Each round rewrites every corpus feed (titles get a round marker) and serves it over loopback
HTTP with an ETag naming the round. After each kill: the database passes its integrity check and
every feed is either wholly at the new round (entries, versions, ETag) or wholly untouched.
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

import pytest

RUNS = int(os.environ.get("FEEDVAULT_CRASH_RUNS", "100"))
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
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

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


def _cli(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "feedvault.cli", "--db", str(db), *args]


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(
        os.environ, FEEDVAULT_ALLOW_NETWORKS="127.0.0.0/8", XDG_CONFIG_HOME=str(tmp_path / "config")
    )


def _check_consistent(db: Path, server_round: int) -> dict[str, int]:
    """Every feed wholly at one round; returns each feed's round (0: never updated)."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rounds: dict[str, int] = {}
        for slug, feed_id, etag in conn.execute("SELECT slug, id, etag FROM feeds"):
            titles = [
                t
                for (t,) in conn.execute(
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
    tmp_path: Path, server: FeedServer
) -> None:
    db = tmp_path / "vault.db"
    env = _env(tmp_path)
    for name in server.sources:
        subprocess.run(
            _cli(
                db,
                "add",
                f"http://127.0.0.1:{server.port}/{name}.xml",
                "--slug",
                name.lower(),
                "--no-update",
            ),
            env=env,
            check=True,
            capture_output=True,
        )
    started = time.monotonic()
    subprocess.run(_cli(db, "update"), env=env, check=True, capture_output=True)
    full = time.monotonic() - started
    expected_counts = _entry_counts(db)
    rng = random.Random(20261127)
    killed = 0
    for n in range(2, RUNS + 2):
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
    assert killed >= RUNS // 2, f"only {killed} of {RUNS} runs were killed mid-update"
    subprocess.run(_cli(db, "update"), env=env, check=True, capture_output=True)
    rounds = _check_consistent(db, RUNS + 1)
    assert set(rounds.values()) == {RUNS + 1}, "the next update did not complete the work"
    assert _entry_counts(db) == expected_counts, "entries were lost or duplicated"


def _entry_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(
            conn.execute(
                "SELECT f.slug, count(e.id) FROM feeds f LEFT JOIN entries e ON e.feed_id = f.id "
                "AND e.key NOT LIKE 'h:%' GROUP BY f.slug"
            )
        )
    finally:
        conn.close()
