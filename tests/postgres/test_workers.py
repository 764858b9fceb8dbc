"""Four worker processes share 500 feeds of one PostgreSQL vault; one is killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from feedvault.vault import Vault, open_vault

pytestmark = pytest.mark.slow  # a soak: only in CI or with FEEDVAULT_TEST_ALL=1

FEEDS = 500
ITEMS = 3
LOOP = Path(__file__).with_name("worker_loop.py")


def rss(n: int) -> bytes:
    items = "".join(
        f"<item><title>Feed {n} item {i}</title><link>http://127.0.0.1/f{n}/{i}</link>"
        f"<guid>f{n}-i{i}</guid><pubDate>Mon, 0{i + 1} Jan 2024 10:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Body of item {i} of feed {n}, 第{n}号&lt;/p&gt;</description>"
        "</item>"
        for i in range(ITEMS)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
        f"<link>http://127.0.0.1/f{n}</link>{items}</channel></rss>"
    ).encode()


class Recorder:
    """Counts requests per path and the most that were ever in flight for one path."""

    def __init__(self, quarter: int = FEEDS // 4) -> None:
        self.lock = threading.Lock()
        self.inflight: Counter[str] = Counter()
        self.max_inflight: Counter[str] = Counter()
        self.hits: Counter[str] = Counter()
        self.quarter = quarter
        self.quarter_done = threading.Event()  # set once a quarter of the feeds were fetched

    def enter(self, path: str) -> None:
        with self.lock:
            self.inflight[path] += 1
            self.hits[path] += 1
            self.max_inflight[path] = max(self.max_inflight[path], self.inflight[path])
            if sum(self.hits.values()) >= self.quarter:
                self.quarter_done.set()

    def leave(self, path: str) -> None:
        with self.lock:
            self.inflight[path] -= 1


@pytest.fixture
def server() -> Iterator[tuple[str, Recorder]]:
    rec = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            rec.enter(self.path)
            try:
                time.sleep(0.03)  # a slowish server: a second fetch of one feed would overlap
                body = rss(int(self.path.strip("/").removeprefix("f")))
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            finally:
                rec.leave(self.path)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", rec
    httpd.shutdown()
    httpd.server_close()


def _add_feeds(vault: Vault, base: str) -> None:
    for n in range(FEEDS):
        vault.add_feed(f"{base}/f{n}", slug=f"f{n}", update=False)


def _leases_of(vault: Vault, worker: str) -> set[str]:
    rows = vault.store.conn.execute(  # type: ignore[attr-defined]
        "SELECT slug FROM feeds WHERE lease_owner = %s", (worker,)
    ).fetchall()
    return {r[0] for r in rows}


def test_four_workers_one_killed_every_feed_once_at_a_time(
    pg_url: str, server: tuple[str, Recorder], tmp_path: Path
) -> None:
    base, rec = server
    env = dict(
        os.environ,
        FEEDVAULT_ALLOW_NETWORKS="127.0.0.0/8",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    with open_vault(pg_url) as vault:
        _add_feeds(vault, base)
        procs = [
            subprocess.Popen(
                [sys.executable, str(LOOP), pg_url, f"w{i}"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(4)
        ]
        assert rec.quarter_done.wait(120), "the workers never got a quarter of the way"
        victim_leases = _leases_of(vault, "w0")
        procs[0].send_signal(signal.SIGKILL)
        outputs = [p.communicate(timeout=300) for p in procs]
        assert procs[0].returncode == -signal.SIGKILL
        for p, (_out, err) in zip(procs[1:], outputs[1:], strict=True):
            assert p.returncode == 0, err[-2000:]

        # every feed fetched, never two fetches of one feed at once
        assert set(rec.hits) == {f"/f{n}" for n in range(FEEDS)}
        assert max(rec.max_inflight.values()) == 1
        # only the killed worker's unfinished feeds may have been fetched a second time
        twice = {p.removeprefix("/") for p, c in rec.hits.items() if c > 1}
        assert twice <= victim_leases, twice - victim_leases
        # every feed stored, every entry exactly once, nothing left leased
        feeds = vault.feeds()
        assert len(feeds) == FEEDS
        assert all(f.last_updated is not None and f.status == "ok" for f in feeds)
        assert all(f.entry_count == ITEMS for f in feeds), [f.slug for f in feeds][:5]
        assert vault.store.count_entries() == FEEDS * ITEMS
        row = vault.store.conn.execute(  # type: ignore[attr-defined]
            "SELECT count(DISTINCT (feed_id, key)), count(*), "
            "count(*) FILTER (WHERE lease_owner IS NOT NULL AND lease_owner <> 'w0') "
            "FROM entries JOIN feeds ON feeds.id = entries.feed_id"
        ).fetchone()
        assert row[0] == row[1] == FEEDS * ITEMS and row[2] == 0
        # the survivors took over what the dead worker held
        stored_by = Counter(line.split()[0] for out, _e in outputs[1:] for line in out.splitlines())
        assert sum(stored_by.values()) >= FEEDS - len(victim_leases) - (FEEDS // 4)
        assert all(v.store.count_entries() for v in [vault])
        for slug in victim_leases:
            assert vault.feed(slug).entry_count == ITEMS
