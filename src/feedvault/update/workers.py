"""Many workers on one vault: lease due feeds, update them, give them back.

Several ``feedvault run`` processes (on one machine or many) share one PostgreSQL vault. Each
claims a few due feeds under a lease, so a feed is fetched by one worker at a time; a worker
that dies holds its feeds only until the lease runs out, then the others take them.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from feedvault.errors import StorageError
from feedvault.models import Feed
from feedvault.store.base import Storage

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Sequence

    from feedvault.update.pipeline import UpdateResult


class UpdatesFeeds(Protocol):
    """What the `run` loop and the lease workers need of the API (`Vault` is one): so this
    package never imports the API that is built on it."""

    @property
    def store(self) -> Storage: ...
    def feeds(self) -> list[Feed]: ...
    def update(
        self,
        slugs: Sequence[str] | None = None,
        on_result: Callable[[UpdateResult], None] | None = None,
        *,
        stop: threading.Event | None = None,
    ) -> list[UpdateResult]: ...


@runtime_checkable
class LeasingStorage(Protocol):
    """A backend that can share its feeds between workers."""

    def claim_due_feeds(self, worker_id: str, limit: int, lease_seconds: float) -> list[Feed]: ...
    def release_feed(self, feed_id: int, worker_id: str) -> bool: ...


def default_worker_id() -> str:
    """host:pid, unique among live workers and readable in ``feeds.lease_owner``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _leasing(storage: Storage | LeasingStorage) -> LeasingStorage:
    if not isinstance(storage, LeasingStorage):
        raise StorageError(
            f"{type(storage).__name__} cannot share feeds between workers; use PostgreSQL"
        )
    return storage


def claim_due_feeds(
    storage: Storage | LeasingStorage, worker_id: str, limit: int, lease_seconds: float
) -> list[Feed]:
    """Lease up to ``limit`` due feeds (most overdue first) to ``worker_id``."""
    return _leasing(storage).claim_due_feeds(worker_id, limit, lease_seconds)


def release(storage: Storage | LeasingStorage, feed_id: int, worker_id: str) -> None:
    """Give a feed back once its update is stored (its next_check now says when it is due)."""
    _leasing(storage).release_feed(feed_id, worker_id)


def work_once(
    vault: UpdatesFeeds, worker_id: str, *, limit: int = 10, lease_seconds: float = 300.0
) -> list[UpdateResult]:
    """Claim, update and release one batch of due feeds; [] when nothing is due for us.

    ``lease_seconds`` must exceed the time one batch takes (fetch deadline included), or a
    second worker may start on a feed this one is still fetching.
    """
    feeds = claim_due_feeds(vault.store, worker_id, limit, lease_seconds)
    if not feeds:
        return []
    try:
        return vault.update([f.slug for f in feeds])
    finally:
        for feed in feeds:
            release(vault.store, feed.id, worker_id)
