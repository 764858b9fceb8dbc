"""Downloading untrusted URLs safely: deadline, byte cap, redirects, address guard.

The names below load on first use: importing ``feedvault.fetch.result`` (the stores and the
preparing workers do) must not pull in httpx, ~0.1 s of start-up per process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feedvault.fetch.address import BlockedAddress
    from feedvault.fetch.client import Fetcher
    from feedvault.fetch.policy import FetchPolicy
    from feedvault.fetch.result import FEED_ACCEPT, FetchRequest, FetchResult, RetryLater

_HOMES = {
    "BlockedAddress": "feedvault.fetch.address",
    "Fetcher": "feedvault.fetch.client",
    "FetchPolicy": "feedvault.fetch.policy",
    "FEED_ACCEPT": "feedvault.fetch.result",
    "FetchRequest": "feedvault.fetch.result",
    "FetchResult": "feedvault.fetch.result",
    "RetryLater": "feedvault.fetch.result",
}

__all__ = [
    "FEED_ACCEPT",
    "BlockedAddress",
    "FetchPolicy",
    "FetchRequest",
    "FetchResult",
    "Fetcher",
    "RetryLater",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'feedvault.fetch' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
