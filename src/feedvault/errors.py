"""The error tree. Every error a user can cause is a FeedvaultError with a one-line message.

The CLI prints ``str(error)`` and exits non-zero; anything else is a bug and gets a traceback.
"""

from __future__ import annotations

from typing import Any


class FeedvaultError(Exception):
    """Base of every error that is the user's input or the outside world, not a bug."""


class UsageError(FeedvaultError):
    """A bad argument: unknown slug, bad URL, unreadable file."""


class FeedNotFound(UsageError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"no feed with slug {slug!r}")
        self.slug = slug


class EntryNotFound(UsageError):
    def __init__(self, entry_id: int | str) -> None:
        super().__init__(f"no entry with id {entry_id!r}")
        self.entry_id = entry_id


class FetchError(FeedvaultError):
    """Downloading failed: network, HTTP status, limits, address policy."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        # the hops (fetch.result.HttpExchange) up to an error status, for the record
        self.exchanges: tuple[Any, ...] = ()


class ParseError(FeedvaultError):
    """The bytes are not a feed we can read at all (recoverable problems are warnings)."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class ArchiveFormatError(FeedvaultError):
    """An archive (markdown) or OPML file that cannot be read."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class StorageError(FeedvaultError):
    """The database cannot be opened or is of an unknown schema version."""


class SearchError(FeedvaultError):
    """A query that cannot be understood; the message says why."""


class VaultFault(FeedvaultError):
    """The vault itself cannot go on: disk full, read-only file or directory, a corrupted
    database, the database server gone. Unlike every other error while updating one feed,
    this one stops the whole command (with one line): the next feed would fail the same way.
    """


class ConnectionLost(VaultFault):
    """The database server went away (a restart, a failover, a network blip): `run` and
    `serve` reconnect and carry on; only a loss that lasts stops them."""
