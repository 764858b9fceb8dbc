"""`feedvault run`: the main job. Polls each feed when it is due until SIGTERM or Ctrl-C.

Each feed's next check is learnt from how often it publishes (see schedule.py) and stored with
its entries. Due feeds are leased in batches, so several `run` processes (on one SQLite file,
or on many machines sharing PostgreSQL) never fetch the same feed at once, and a killed
worker's feeds go to the others when its lease runs out. A signal stops new fetches; the
fetches in flight finish and are stored (every feed commits on its own), then the loop exits.

Nothing one feed does ends the loop (the vault's per-feed boundary records it on the feed);
any other failure of a round (e.g. the vault locked by another writer for too long) is logged
and the round tried again later. A lost database connection (PostgreSQL restarted, a
failover, a network blip: ConnectionLost) is retried with backoff: reconnect, give back the
leases of the batch that was cut short, redo the round (what was committed stays, the rest is
decided again, so nothing is stored twice). Only a VaultFault (disk full, corruption, the
server gone for longer than ``reconnect_for``) stops `run`: it propagates, and the command
prints one line and exits non-zero.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from types import FrameType
from typing import Any

from feedvault.bugs import log_unexpected, one_line
from feedvault.errors import ConnectionLost, FeedvaultError, VaultFault
from feedvault.timeutil import now_utc
from feedvault.update.workers import UpdatesFeeds, default_worker_id

log = logging.getLogger("feedvault.run")
BATCH = 64  # feeds leased at a time
LEASE_SECONDS = 900.0  # longer than a batch can take (the fetch deadline is 30 s)
RETRY_SECONDS = 5.0  # wait after a round that failed, before trying again
RECONNECT_FOR = 300.0  # seconds a lost database connection is retried ([update] reconnect_for)
FIRST_BACKOFF, MAX_BACKOFF = 0.5, 30.0  # seconds between reconnect attempts: doubling
OUTCOMES: Counter[str] = Counter()  # this process's feed updates by outcome (/metrics)
NO_FEEDS = "no feeds yet: add one with `feedvault add URL`; waiting for feeds"


def run_forever(
    vault: UpdatesFeeds,
    *,
    once: bool = False,
    max_sleep: float = 60.0,
    report: Callable[[Any], str] = str,
    stop: threading.Event | None = None,
    reconnect_for: float = RECONNECT_FOR,
) -> int:
    stop = stop or threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Not stop.set() here: the handler runs on the main thread, which may be inside
        # stop.wait() holding the event's lock, and set() would wait for that lock forever.
        # A thread of its own takes the lock once the main thread lets go.
        threading.Thread(target=_stopping, args=(stop,), daemon=True).start()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    worker = default_worker_id()
    told_empty = False
    try:
        while not stop.is_set():
            try:
                if run_batch(vault, worker, stop, report):
                    continue  # more may be due
                empty = not any(f.url for f in vault.feeds())
                if empty and not told_empty:
                    log.warning("%s", NO_FEEDS)
                told_empty = empty
                if once:
                    break
                wait = _sleep_for(vault, max_sleep)
            except ConnectionLost as lost:  # the server went away: reconnect, redo the round
                reconnect(vault.store, lost, stop, reconnect_for)
                if not stop.is_set():  # stopped while away: the leases run out by themselves
                    _release_all(vault.store, worker)
                continue
            except VaultFault:
                raise  # the vault itself is broken: `run` stops with one line
            except Exception as exc:  # a round failed, not the job: try again later
                _log_round_failure(exc)
                if once:
                    break
                wait = min(RETRY_SECONDS, max_sleep)
            stop.wait(wait)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("stopped")
    return 0


def _stopping(stop: threading.Event) -> None:
    log.info("stopping: finishing the feeds in flight")
    stop.set()


def run_batch(
    vault: UpdatesFeeds, worker: str, stop: threading.Event, report: Callable[[Any], str] = str
) -> int:
    """Lease a batch of due feeds, update them, give them back; how many there were."""
    feeds = vault.store.claim_due_feeds(worker, BATCH, LEASE_SECONDS)
    if not feeds:
        return 0

    def done(result: Any) -> None:
        OUTCOMES[str(getattr(result, "status", "ok"))] += 1
        log.info("%s", report(result))

    try:
        vault.update([f.slug for f in feeds], stop=stop, on_result=done)
    finally:
        for feed in feeds:  # each lease is given back even when the update failed
            try:
                vault.store.release_feed(feed.id, worker)
            except ConnectionLost:  # all of them are given back after the reconnect
                break
            except Exception as exc:  # it runs out by itself (LEASE_SECONDS)
                log.warning("%s: lease not released: %s", feed.slug, one_line(exc))
    return len(feeds)


def reconnect(
    store: object, lost: ConnectionLost, stop: threading.Event, within: float = RECONNECT_FOR
) -> None:
    """Reconnect ``store`` after ``lost``, trying with doubling pauses for ``within``
    seconds; then a VaultFault that says so (`run` stops with that one line). Returns
    early, not reconnected, when ``stop`` is set. A store that cannot reconnect (SQLite
    has no connection to lose) re-raises ``lost``."""
    again: Callable[[], None] | None = getattr(store, "reconnect", None)
    if again is None:
        raise lost
    log.warning("%s; reconnecting", one_line(lost))
    deadline = time.monotonic() + within
    pause = FIRST_BACKOFF
    while True:
        try:
            again()
        except ConnectionLost as exc:
            last: ConnectionLost = exc
        else:
            log.info("reconnected to the vault")
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise VaultFault(f"{one_line(last)} (no connection for {within:g} s, giving up)")
        if stop.wait(min(pause, left)):
            return
        pause = min(pause * 2, MAX_BACKOFF)


def _release_all(store: object, worker: str) -> None:
    """Give back the leases of the batch a lost connection cut short: those feeds are due
    again at once (the lease would hold them for LEASE_SECONDS)."""
    release: Callable[[str], int] | None = getattr(store, "release_worker", None)
    if release is None:
        return
    try:
        release(worker)
    except FeedvaultError as exc:  # lost again: the next round reconnects again
        log.warning("leases not given back: %s", one_line(exc))


def _log_round_failure(exc: Exception) -> None:
    message = f"this round failed, trying again later: {one_line(exc)}"
    if isinstance(exc, FeedvaultError):
        log.warning("%s", message)
    else:
        log_unexpected(log, message, exc)


def _sleep_for(vault: UpdatesFeeds, max_sleep: float) -> float:
    """Seconds until the next feed is due, at most ``max_sleep`` (new feeds may be added)."""
    now = now_utc()
    upcoming = [
        f.next_check
        for f in vault.feeds()
        if f.url and f.status != "gone" and f.next_check is not None
    ]
    if not upcoming:
        return max_sleep
    wait = min(upcoming) - now
    return max(0.0, min(max_sleep, wait / timedelta(seconds=1)))
