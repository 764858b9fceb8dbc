"""Many fetches at once without hammering one site.

A thread per slot blocking on a per-host lock would let one big host tie up every worker;
instead the calling thread hands a request to a worker only when both the global limit and
that host's limit have room, taking hosts in turn so a big host cannot starve the others.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from feedvault.bugs import log_unexpected, one_line
from feedvault.errors import FetchError
from feedvault.fetch.result import FetchRequest, FetchResult

log = logging.getLogger(__name__)

Outcome = FetchResult | FetchError
Done = tuple[FetchRequest, Outcome, str]


def host_key(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def run_many(
    fetch_one: Callable[[FetchRequest], FetchResult],
    requests: Iterable[FetchRequest],
    on_done: Callable[[FetchRequest, Outcome], None],
    concurrency: int,
    per_host: int,
    stop: threading.Event | None = None,
) -> None:
    """Run ``fetch_one`` for every request; ``on_done`` runs here, on the calling thread.

    If ``on_done`` raises (or Ctrl-C arrives), nothing new starts, the requests in flight
    finish, and the exception propagates. Setting ``stop`` does the same without raising.
    """
    waiting: dict[str, deque[FetchRequest]] = defaultdict(deque)
    for request in requests:
        waiting[host_key(request.url)].append(request)
    runnable = deque(waiting)  # hosts with waiting requests and room under per_host
    queued = set(runnable)
    active: dict[str, int] = defaultdict(int)
    done: queue.Queue[Done] = queue.Queue()
    in_flight = 0

    def work(request: FetchRequest, host: str) -> None:
        done.put((request, _outcome(fetch_one, request), host))

    with ThreadPoolExecutor(concurrency, thread_name_prefix="feedvault-fetch") as pool:
        try:
            while True:
                while in_flight < concurrency and runnable and not (stop and stop.is_set()):
                    host = runnable.popleft()
                    pool.submit(work, waiting[host].popleft(), host)
                    in_flight += 1
                    active[host] += 1
                    if waiting[host] and active[host] < per_host:
                        runnable.append(host)
                    else:
                        queued.discard(host)
                if in_flight == 0:
                    return
                request, outcome, host = done.get()
                in_flight -= 1
                active[host] -= 1
                if waiting[host] and host not in queued:
                    runnable.append(host)
                    queued.add(host)
                on_done(request, outcome)
        except BaseException:
            runnable.clear()
            for _ in range(in_flight):
                done.get()  # let the requests in flight finish before the pool closes
            raise


def _outcome(fetch_one: Callable[[FetchRequest], FetchResult], request: FetchRequest) -> Outcome:
    try:
        return fetch_one(request)
    except FetchError as exc:
        return exc
    except Exception as exc:  # a bug, but one feed must not end the run for a thousand
        log_unexpected(log, f"fetching {request.url}: {one_line(exc)}", exc)
        return FetchError(f"unexpected error: {type(exc).__name__}: {exc}", url=request.url)
