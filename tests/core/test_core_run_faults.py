"""`update` and `run` against the corpus plus hostile and broken feeds, as a user runs them.

`update` stores every good feed and records an error on each bad one (exit 0: some feeds
worked, docs/decisions.md); `run` keeps running past them, says how to add a feed when the
vault is empty, and picks up feeds added later. Waits are on observable output with a
deadline, never on sleeps.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from core_http import loopback_site, rss

from feedvault.errors import VaultFault
from feedvault.update.runner import NO_FEEDS, run_forever
from feedvault.vault import Vault, open_vault

HOOK = Path(__file__).resolve().parent / "fault_hook"
XML = {"Content-Type": "application/rss+xml"}

# One feed of each crash class of issue #14 (the parser may recover some of them now: then
# they are stored; either way nothing may escape the feed).
HOSTILE: dict[str, bytes] = {
    "rss1-undeclared-prefix": (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://purl.org/rss/1.0/"><channel><title>t</title></channel>'
        b"<item><title>a</title><link>https://e.org/a</link><ite:x/></item></rdf:RDF>"
    ),
    "atom-xhtml-prefix": (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>urn:a</id>'
        b'<title>a</title><content type="xhtml"><x:div>hi</x:div></content></entry></feed>'
    ),
    "root-unknown-prefix": b"<zz:rss><channel><title>t</title></channel></zz:rss>",
    "json-lone-surrogate": (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "t\\ud800", '
        b'"items": [{"id": "1", "content_text": "x\\udc00"}]}'
    ),
    "json-deep": b'{"version": "https://jsonfeed.org/version/1", "items": '
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}",
    "json-long-number": (
        b'{"version": "https://jsonfeed.org/version/1", "title": "t", "items": '
        b'[{"id": ' + b"9" * 50_000 + b', "content_text": "x"}]}'
    ),
    "not-a-feed": b"<html><body>nothing here</body></html>",
    "empty": b"",
}


def cli_env(tmp_path: Path, faults: str = "") -> dict[str, str]:
    env = dict(
        os.environ,
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        FEEDVAULT_ALLOW_NETWORKS="127.0.0.0/8",
    )
    env.pop("FEEDVAULT_DB", None)
    if faults:  # the fault hook, in the CLI and in its preparing workers
        env["FEEDVAULT_TEST_FAULTS"] = faults
        env["PYTHONPATH"] = os.pathsep.join([str(HOOK), *sys.path])
    return env


def cli(db: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "feedvault.cli", "--db", db, *args],
        capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL,
    )


class Lines:
    """A process's stderr, line by line, read on a thread; `wait_for` has a deadline."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.seen: list[str] = []
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout  # a safety net, not a synchronisation
        for line in self.seen:
            if text in line:
                return line
        while (left := deadline - time.monotonic()) > 0:
            try:
                got = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if got is None:
                break
            self.seen.append(got)
            if text in got:
                return got
        pytest.fail(f"{text!r} never appeared; stderr so far:\n" + "\n".join(self.seen))


@pytest.fixture
def started(tmp_path: Path, db_url: str) -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def start_run(
    db: str, env: dict[str, str], procs: list[subprocess.Popen[str]]
) -> tuple[subprocess.Popen[str], Lines]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "feedvault.cli", "--db", db, "run", "--max-sleep", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        text=True, env=env,
    )
    procs.append(proc)
    return proc, Lines(proc)


def stop(proc: subprocess.Popen[str], lines: Lines) -> None:
    proc.send_signal(signal.SIGTERM)
    lines.wait_for("stopped")
    assert proc.wait(timeout=60) == 0
    assert not any("Traceback" in line for line in lines.seen), "\n".join(lines.seen)


def add_feeds(db: str, directory: Path, corpus: Path | None) -> tuple[list[str], list[str]]:
    """(good slugs, bad slugs): the corpus feeds, a normal feed the fault hook breaks
    ("buggy"), and the hostile ones, added through the API (71 CLI starts cost a minute)."""
    directory.mkdir(exist_ok=True)
    good: list[str] = []
    with open_vault(db) as vault:
        if corpus is not None:
            for n, path in enumerate(sorted((corpus / "feeds").rglob("*.*"))):
                good.append(vault.add_feed(str(path), slug=f"corpus-{n:02d}", update=False).slug)
        buggy = directory / "buggy.xml"
        buggy.write_bytes(rss("buggy", [("b", "https://e.org/b")]))
        vault.add_feed(str(buggy), slug="buggy", update=False)
        for slug, data in HOSTILE.items():
            path = directory / f"{slug}.{'json' if slug.startswith('json') else 'xml'}"
            path.write_bytes(data)
            vault.add_feed(str(path), slug=slug, update=False)
    return good, ["buggy", *HOSTILE]


@pytest.mark.slow_on_postgres
def test_update_of_the_corpus_and_hostile_feeds(
    tmp_path: Path, db_url: str, corpus: Path
) -> None:
    env = cli_env(tmp_path, faults="/buggy.xml=raise")
    good, bad = add_feeds(db_url, tmp_path / "hostile", corpus)
    assert len(good) == 71
    update = cli(db_url, env, "update", "--json")
    assert update.returncode == 0, update.stderr  # some feeds worked: exit 0
    assert "Traceback" not in update.stderr
    results = {r["feed"]: r for r in json.loads(update.stdout)}
    assert set(results) == {*good, *bad}, "a feed was never updated"
    feeds = {f["slug"]: f for f in json.loads(cli(db_url, env, "feeds", "--json").stdout)}
    stored = [s for s in good if feeds[s]["status"] == "ok" and feeds[s]["entries"] > 0]
    assert len(stored) >= 70, [feeds[s] for s in good if s not in stored]
    for slug in [*bad, *(s for s in good if s not in stored)]:
        feed = feeds[slug]
        if feed["status"] == "ok":  # the parser recovered what it could
            continue
        assert feed["status"] == "error" and feed["error_count"] == 1, feed
        assert feed["last_error"].startswith(f"{slug}: ") and "\n" not in feed["last_error"]
    assert feeds["buggy"]["last_error"] == "buggy: TypeError: injected fault for /buggy.xml"
    assert feeds["not-a-feed"]["status"] == "error" and feeds["empty"]["status"] == "error"


def test_run_keeps_running_past_bad_feeds(
    tmp_path: Path, db_url: str, started: list[subprocess.Popen[str]]
) -> None:
    env = cli_env(tmp_path, faults="/buggy.xml=raise")
    add_feeds(db_url, tmp_path / "hostile", None)
    with loopback_site() as site:
        site.routes["/ok.xml"] = (200, XML, rss("ok", [("fine", "https://e.org/fine")]))
        site.routes["/down.xml"] = (500, {}, b"oops")
        with open_vault(db_url) as vault:
            vault.add_feed(site.url("/ok.xml"), slug="http-ok", update=False)
            vault.add_feed(site.url("/down.xml"), slug="http-down", update=False)
        proc, lines = start_run(db_url, env, started)
        lines.wait_for("buggy: error: TypeError: injected fault")
        lines.wait_for("http-down: error: HTTP 500")
        lines.wait_for("http-ok: 1 new")
        assert proc.poll() is None, "run exited"
        # a feed added while it runs is fetched too
        site.routes["/late.xml"] = (200, XML, rss("late", [("late", "https://e.org/late")]))
        assert cli(db_url, env, "add", site.url("/late.xml"), "--slug", "late",
                   "--no-update").returncode == 0
        lines.wait_for("late: 1 new")
        stop(proc, lines)
    feeds = {f["slug"]: f for f in json.loads(cli(db_url, env, "feeds", "--json").stdout)}
    assert feeds["buggy"]["status"] == "error" and feeds["buggy"]["error_count"] == 1
    assert feeds["http-ok"]["status"] == "ok" and feeds["late"]["entries"] == 1


def test_run_on_an_empty_vault_says_how_to_add_a_feed(
    tmp_path: Path, db_url: str, started: list[subprocess.Popen[str]]
) -> None:
    env = cli_env(tmp_path)
    open_vault(db_url).close()
    proc, lines = start_run(db_url, env, started)
    line = lines.wait_for("no feeds yet")
    assert NO_FEEDS in line and "feedvault add URL" in line
    path = tmp_path / "first.xml"
    path.write_bytes(rss("first", [("one", "https://e.org/1"), ("two", "https://e.org/2")]))
    assert cli(db_url, env, "add", str(path), "--slug", "first", "--no-update").returncode == 0
    lines.wait_for("first: 2 new")
    assert proc.poll() is None
    stop(proc, lines)
    assert sum("no feeds yet" in x for x in lines.seen) == 1, "said more than once"


def test_run_once_on_an_empty_vault(tmp_path: Path, db_url: str) -> None:
    open_vault(db_url).close()
    once = cli(db_url, cli_env(tmp_path), "run", "--once")
    assert once.returncode == 0 and NO_FEEDS in once.stderr


@pytest.mark.parametrize("command", [["update"], ["run"], ["run", "--once"]])
def test_a_vault_fault_stops_the_command_with_one_line(
    tmp_path: Path, db_url: str, command: list[str]
) -> None:
    env = cli_env(tmp_path, faults="/buggy.xml=vault")
    add_feeds(db_url, tmp_path / "hostile", None)
    done = cli(db_url, env, *command, *(["--max-sleep", "0.2"] if command == ["run"] else []))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    errors = [x for x in done.stderr.splitlines() if x.startswith("feedvault: error:")]
    assert errors == ["feedvault: error: vault /x.db: the disk is full (injected)"]


def test_a_bug_is_one_line_and_its_traceback_is_there_on_demand(
    tmp_path: Path, db_url: str
) -> None:
    env = cli_env(tmp_path, faults="/buggy.xml=raise")
    add_feeds(db_url, tmp_path / "hostile", None)
    quiet = cli(db_url, env, "update", "buggy")
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr  # its only feed failed
    [warning] = [x for x in quiet.stderr.splitlines() if "injected fault" in x]
    assert warning.startswith("buggy: TypeError") and "FEEDVAULT_DEBUG=1" in warning
    loud = cli(db_url, {**env, "FEEDVAULT_DEBUG": "1"}, "update", "buggy")
    assert "Traceback" in loud.stderr and "_faulty_parse" in loud.stderr


# ---- the loop itself, in-process -----------------------------------------------------


@pytest.fixture
def fv(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Vault]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)
    with open_vault(db_url) as vault:
        path = tmp_path / "a.xml"
        path.write_bytes(rss("a", [("one", "https://e.org/1")]))
        vault.add_feed(str(path), slug="a", update=False)
        yield vault


def test_a_failed_round_is_retried_not_fatal(fv: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    real = fv.store.claim_due_feeds
    failures = [RuntimeError("database is locked")]

    def claim(*args: Any) -> Any:
        if failures:
            raise failures.pop()
        return real(*args)

    monkeypatch.setattr(fv.store, "claim_due_feeds", claim)
    halt = threading.Event()

    def report(result: Any) -> str:
        halt.set()  # the first feed stored after the failed round ends the test
        return str(result)

    assert run_forever(fv, max_sleep=0.05, report=report, stop=halt) == 0
    assert fv.feed("a").entry_count == 1 and not failures


def test_a_vault_fault_stops_run_and_releases_the_leases(
    fv: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise VaultFault("database or disk is full")

    monkeypatch.setattr(fv, "update", broken)
    with pytest.raises(VaultFault):
        run_forever(fv, max_sleep=0.05, stop=threading.Event())
    # released: another worker can lease the (still due) feed at once
    assert [f.slug for f in fv.store.claim_due_feeds("other:1", 10, 60.0)] == ["a"]
