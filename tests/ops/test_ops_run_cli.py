"""`feedvault run` as a process: it lives through two killed connections, and a database
that stays away longer than `[update] reconnect_for` stops it with one line, exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from ops_kit import ITEMS, PgProxy, app_name, feed_site, kill, named

from feedvault.config import Settings
from feedvault.vault import open_vault

SRC = Path(__file__).resolve().parents[2] / "src"
# processes starting and reconnecting: 2-5 s each (test_ops_reconnect does the same in-process)
pytestmark = pytest.mark.slow
WIDE = 100  # feeds: more than one worker leases at once (runner.BATCH)


def _env(tmp_path: Path, reconnect_for: float) -> dict[str, str]:
    config = tmp_path / "config" / "feedvault" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[update]\nreconnect_for = {reconnect_for}\nworkers = 0\n")
    env = dict(os.environ, FEEDVAULT_ALLOW_NETWORKS="127.0.0.0/8",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    env.pop("FEEDVAULT_DB", None)
    env.pop("FEEDVAULT_WORKERS", None)
    return env


def test_run_process_lives_through_two_kills(pg_url: str, tmp_path: Path) -> None:
    name = app_name()
    url = named(pg_url, name)
    kills: list[int] = []

    def before(path: str, hits: Counter[str]) -> None:
        if hits[path] == 1 and len(hits) in (3, 9) and len(kills) == (len(hits) == 9):
            kills.append(kill(name))

    with feed_site(before) as site:
        with open_vault(settings=Settings(db=url)) as vault:
            for n in range(12):
                vault.add_feed(site.url(n), slug=f"f{n}", update=False)
        result = subprocess.run(
            [sys.executable, "-m", "feedvault.cli", "--db", url, "run", "--once"],
            env=_env(tmp_path, 60), capture_output=True, text=True, timeout=120,
            stdin=subprocess.DEVNULL,
        )
    assert result.returncode == 0, result.stderr
    assert len(kills) == 2 and all(kills), (kills, result.stderr)
    assert result.stderr.count("; reconnecting") == 2
    with open_vault(settings=Settings(db=pg_url)) as vault:
        for feed in vault.feeds():
            entries = vault.store.list_entries(feed.id, limit=None)
            assert len(entries) == ITEMS and all(e.version_count == 1 for e in entries)
        assert vault.store.count_entries() == 12 * ITEMS


def test_two_workers_live_through_two_kills(pg_url: str, tmp_path: Path) -> None:
    """Two `run` processes on one vault (more feeds than one leases at a time, so both
    work); every connection of both is killed twice (as a restart would): both carry on,
    finish with 0, and every entry is stored once."""
    name = app_name()
    url = named(pg_url, name)
    kills: list[int] = []

    def before(path: str, hits: Counter[str]) -> None:
        if hits[path] == 1 and len(hits) in (10, 60) and len(kills) == (len(hits) == 60):
            kills.append(kill(name))

    with feed_site(before) as site:
        with open_vault(settings=Settings(db=url)) as vault:
            for n in range(WIDE):
                vault.add_feed(site.url(n), slug=f"f{n}", update=False)
        env = _env(tmp_path, 60)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "feedvault.cli", "--db", url, "run", "--once"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                stdin=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        errs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    assert len(kills) == 2 and all(kills), (kills, errs)
    assert sum(err.count("; reconnecting") for err in errs) >= 2
    assert all(" new, " in err for err in errs)  # both stored feeds
    with open_vault(settings=Settings(db=pg_url)) as vault:
        for feed in vault.feeds():
            entries = vault.store.list_entries(feed.id, limit=None)
            assert len(entries) == ITEMS and all(e.version_count == 1 for e in entries)
        assert vault.store.count_entries() == WIDE * ITEMS
        held = vault.store.db.one(  # type: ignore[attr-defined]
            "SELECT count(*) FROM feeds WHERE lease_owner IS NOT NULL")
        assert held[0] == 0


def test_run_process_gives_up_after_reconnect_for(pg_url: str, tmp_path: Path) -> None:
    proxy = PgProxy()
    try:
        url = proxy.url(pg_url)
        with open_vault(settings=Settings(db=url)):
            pass  # the schema exists before the process starts
        proc = subprocess.Popen(
            [sys.executable, "-m", "feedvault.cli", "--db", url, "run", "--max-sleep", "0.2"],
            env=_env(tmp_path, 1), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            stdin=subprocess.DEVNULL,
        )
        try:
            assert proc.stderr is not None
            line = proc.stderr.readline()  # running: it says there are no feeds yet
            assert "no feeds yet" in line, line
            proxy.down()  # and it stays down
            _, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
            proc.wait()
        assert proc.returncode == 1
        last = err.strip().splitlines()[-1]
        assert last.startswith("feedvault: error: ") and "giving up" in last
        assert "no connection for 1 s" in last
        assert "Traceback" not in err
    finally:
        proxy.close()
