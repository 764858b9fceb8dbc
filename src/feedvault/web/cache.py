"""Small in-process caches for what pages recompute on every view but rarely changes.

Profiling the search page at 100,000 entries (docs/performance.md, "Web") showed two thirds
of its time in building snippets and a fifth in counting every feed's entries just to list
the feeds in the filter. A snippet depends only on the query and the entry's title and
text, so it is kept under exactly those (the text by digest: `reclean` may rewrite a
version's text in place); the feed list and the front page charts are kept for seconds.
Caches are per app, shared by its worker threads, and bounded.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

from feedvault.models import Entry

if TYPE_CHECKING:
    from feedvault.search.query import Query

V = TypeVar("V")


class Lru(Generic[V]):
    """A thread-safe least-recently-used map with an optional age limit per value."""

    def __init__(self, size: int, ttl: float | None = None) -> None:
        self.size, self.ttl = size, ttl
        self._data: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The kept value, or ``compute()`` (run outside the lock: it may query the vault)."""
        now = time.monotonic()
        with self._lock:
            found = self._data.get(key)
            if found is not None and (self.ttl is None or now - found[0] < self.ttl):
                self._data.move_to_end(key)
                self.hits += 1
                return found[1]
            self.misses += 1
        value = compute()
        with self._lock:
            self._data[key] = (now, value)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class SnippetCache:
    """Snippets by (query text, entry id, digest of title and text): exact, never stale."""

    def __init__(self, size: int = 20_000) -> None:
        self.lru: Lru[str] = Lru(size)

    def maker(self, q: str) -> Callable[[Entry, Query], str]:
        """A ``snippet`` argument for ``Vault.search`` of the query ``q``."""
        from feedvault.search.snippet import make_snippet

        def make(entry: Entry, parsed: Query) -> str:
            digest = hashlib.blake2b(digest_size=16)
            digest.update(entry.title.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
            digest.update(entry.text.encode("utf-8", "surrogatepass"))
            key = (q, entry.id, digest.digest())
            return self.lru.get(key, lambda: make_snippet(entry.title, entry.text, parsed))

        return make
