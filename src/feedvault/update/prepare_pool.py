"""Prepare feed updates in worker processes while this process writes them.

An update's CPU splits in two: preparing (lxml parse, decide, nh3 and the site rules,
folding and tokenising for search) and writing (SQLite/FTS5 inserts, commit). Preparing only
reads the store, so worker processes do it for the next feeds while this process, the only
writer, commits the previous ones; on two cores that overlaps the two halves.

Each worker opens its own read connection. `commit` checks (under the write lock) that the store
still holds what a worker saw; if another writer touched the feed in between, the feed is
prepared again here, so a race costs time, never a wrong version. A worker that dies is
replaced for the next update; the feed it died on is recorded as failed, not retried here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from feedvault.models import Feed
from feedvault.update.pipeline import Document, Prepared, prepare

if TYPE_CHECKING:
    from feedvault.clean import RuleSet
    from feedvault.config import Settings
    from feedvault.store.base import Storage

log = logging.getLogger("feedvault.update")

# Below this many documents the workers' start-up (~0.3 s each: imports, the fold table) costs
# more than it saves.
MIN_DOCUMENTS = 12


def default_workers() -> int:
    """One preparing process per core but the writer's own, at most four (the writer is the
    limit beyond that); none on one core, where they would only take turns with the writer.
    Measured on two cores: one worker is as fast as two, with less CPU and memory."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


def can_share(db: str) -> bool:
    """Workers need their own connection to the same vault: not for in-memory SQLite."""
    return db != ":memory:" and not db.startswith("file::memory:")


class _Worker:
    """The per-process state of a worker: its own store connection and compiled rules."""

    store: Storage | None = None
    rules: RuleSet | None = None


def _start(settings: Settings) -> None:
    from feedvault.clean import load_rules
    from feedvault.search.fold import fold
    from feedvault.store import open_storage

    _Worker.store = open_storage(settings.db)
    _Worker.rules = load_rules(settings.rules_files)
    fold("預熱")  # build the fold table now, not inside the first feed's timing


def _prepare(feed: Feed, doc: Document, seen_at: datetime) -> Prepared:
    assert _Worker.store is not None, "worker not started"
    heal = getattr(_Worker.store, "heal", None)  # PostgreSQL: a connection lost last time
    if heal is not None:
        heal()
    return prepare(_Worker.store, feed, doc, seen_at=seen_at, rules=_Worker.rules)


class _Process:
    """One worker process and the two threads that keep its pipes moving, so that neither
    side ever waits on a full pipe while the other waits on it."""

    def __init__(self, settings: Settings) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, *sys.path])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "feedvault.update.prepare_pool"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.jobs: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.results: queue.SimpleQueue[Prepared | Exception] = queue.SimpleQueue()
        self.ready = threading.Event()  # set once the worker has started (imports, rules)
        self.prepared = 0  # feeds this worker prepared and the writer collected
        self.died = False  # the writer has collected the death (and blamed one feed)
        self.jobs.put(settings)
        threading.Thread(target=self._write, daemon=True).start()
        threading.Thread(target=self._read, daemon=True).start()

    def _write(self) -> None:
        assert self.proc.stdin is not None
        try:
            while (job := self.jobs.get()) is not _STOP:
                data = pickle.dumps(job, pickle.HIGHEST_PROTOCOL)  # whole, or not at all
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
        except OSError:  # the worker died; _read reports it
            pass
        except Exception:  # a job that cannot be sent: stop the worker, the writer takes over
            self.proc.kill()
        finally:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            try:
                result = pickle.load(self.proc.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                self.results.put(_WorkerDied("a preparing worker process stopped"))
                return
            if result == _READY:
                self.ready.set()
                continue
            self.results.put(result)

    def close(self) -> None:
        """Stop the worker: at once if it still has queued jobs (e.g. after Ctrl-C). A worker
        only reads, so killing it loses nothing."""
        self.jobs.put(_STOP)
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class _WorkerDied(Exception):
    pass


class WorkerCrashed(Exception):
    """A worker process died while preparing this feed (the first one it had not answered):
    the writer records the feed as failed rather than risk the same fate itself."""


_STOP = object()
_READY = "feedvault-prepare-pool-ready"


class PreparePool:
    """Worker processes that prepare updates; `run` yields them in submission order.

    Workers are plain subprocesses (``python -m feedvault.update.prepare_pool``) speaking pickle
    over pipes: multiprocessing's spawn would re-run the caller's main script, and fork would
    copy this process's open database handle and threads.
    """

    def __init__(self, settings: Settings, workers: int) -> None:
        self._settings = settings
        self._workers = workers
        self._procs: list[_Process] = []  # started with the first job
        # Feeds in flight: enough that neither side waits on the other when one feed takes
        # longer (1 worker: 3 in flight ran at 1,500 entries/s, 6 at 1,630). Bounded, so memory
        # stays flat: each holds one feed document and its prepared entries.
        self._depth = 4 * workers + 2

    def warm_up(self, timeout: float = 30.0) -> bool:
        """Start the workers now and wait until one is ready (tests use it so that the
        workers, not the writer, prepare the feeds); False if none started in time."""
        if not self._procs:
            self._procs = self._spawn(self._workers)
        return bool(self._procs) and self._procs[0].ready.wait(timeout)

    def run(
        self, jobs: Iterable[tuple[Feed, Document]], seen_at: Callable[[], datetime]
    ) -> Iterator[tuple[Feed, Document, Prepared | Exception | None]]:
        """Prepare each ``(feed, document)``; yield them in order with the prepared update,
        or the exception a worker raised, or None: in both cases the caller does that feed
        itself. None comes while no worker has started yet (~0.2 s of imports each), so
        the writer works through the first feeds instead of waiting for them."""
        pending: deque[tuple[Feed, Document, _Process]] = deque()
        n = 0
        # A worker that died in an earlier update is replaced (`run` keeps one pool for years).
        alive = [p for p in self._procs if not p.died and p.proc.poll() is None]
        if len(alive) < len(self._procs):
            self._procs = alive + self._spawn(len(self._procs) - len(alive))
        spawned = bool(self._procs)
        for feed, doc in jobs:
            if not spawned:
                self._procs, spawned = self._spawn(self._workers), True
            if not pending and not any(p.ready.is_set() for p in self._procs):
                yield feed, doc, None
                continue
            proc = self._procs[n % len(self._procs)]
            n += 1
            proc.jobs.put((feed, doc, seen_at()))
            pending.append((feed, doc, proc))
            while len(pending) > self._depth:
                yield self._collect(*pending.popleft())
        while pending:
            yield self._collect(*pending.popleft())

    def _spawn(self, count: int) -> list[_Process]:
        """Start ``count`` workers; when the system refuses (no memory, too many processes
        or files) the writer does the feeds itself."""
        procs = []
        for _ in range(count):
            try:
                procs.append(_Process(self._settings))
            except OSError as exc:
                log.warning("no preparing worker: %s; this process prepares the feeds", exc)
                break
        return procs

    @staticmethod
    def _collect(
        feed: Feed, doc: Document, proc: _Process
    ) -> tuple[Feed, Document, Prepared | Exception]:
        result = proc.results.get()
        if isinstance(result, Prepared):
            proc.prepared += 1
        if isinstance(result, _WorkerDied):
            proc.results.put(result)  # every later job of that worker gets the same answer
            if not proc.died and proc.ready.is_set():  # it died working, not starting
                proc.died = True
                if proc.proc.poll() is None:  # alive but its stream broke: stop it
                    proc.proc.kill()
                code = proc.proc.wait()
                how = f"signal {-code}" if code < 0 else f"exit status {code}"
                return feed, doc, WorkerCrashed(
                    f"{feed.slug}: the worker process preparing it died ({how}); "
                    "not retried until its next check"
                )
        return feed, doc, result

    @property
    def prepared(self) -> int:
        """How many feeds the workers prepared (the rest the writer did itself)."""
        return sum(p.prepared for p in self._procs)

    def close(self) -> None:
        for proc in self._procs:
            proc.close()

    def __enter__(self) -> PreparePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve() -> None:
    """A worker's loop: settings first, then jobs until stdin closes. Results go to a copy
    of stdout; stdout itself points at stderr, so a stray print cannot corrupt the stream."""
    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        _start(pickle.load(inp))
    except Exception as exc:  # the writer notices the closed pipe and does the work itself
        print(f"feedvault: a preparing worker could not start: {exc}", file=sys.stderr)
        return
    pickle.dump(_READY, out, pickle.HIGHEST_PROTOCOL)
    out.flush()
    while True:
        try:
            feed, doc, seen_at = pickle.load(inp)
        except Exception:  # EOF: the writer is done (or sent half a job and stopped us)
            return
        result: Prepared | Exception
        try:
            result = _prepare(feed, doc, seen_at)
            data = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # reported to the writer, which redoes the feed itself
            data = pickle.dumps(RuntimeError(f"{feed.slug}: {type(exc).__name__}: {exc}"))
        out.write(data)
        out.flush()


if __name__ == "__main__":
    _serve()
