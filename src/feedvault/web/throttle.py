"""Failed admin logins, counted per client address and per account, in memory.

After ``limit`` failures from one client within ``window`` seconds, or ``4 x limit`` against
the account from anyone (a password guessed from many addresses), further attempts get 429
with Retry-After until the oldest failure leaves the window; no password is even checked
(each check is a deliberately slow scrypt). The counts live in this process: a restart, or
another worker process, starts afresh; that is enough to make guessing slow, not to keep a
record. A successful login clears its client's failures.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

ACCOUNT_FACTOR = 4
MAX_CLIENTS = 10_000  # remembered addresses; the oldest is forgotten beyond this


class LoginThrottle:
    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(1, limit)
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, client: str, account: str = "admin") -> int | None:
        """Seconds to wait before this client may try again, or None if it may now."""
        now = self.clock()
        with self._lock:
            waits = []
            for key, limit in ((f"client:{client}", self.limit),
                               (f"account:{account}", self.limit * ACCOUNT_FACTOR)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(times[len(times) - limit] + self.window - now)
            return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, client: str, account: str = "admin") -> None:
        now = self.clock()
        with self._lock:
            for key in (f"client:{client}", f"account:{account}"):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)
            while len(self._failures) > MAX_CLIENTS:
                del self._failures[next(iter(self._failures))]

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(f"client:{client}", None)
