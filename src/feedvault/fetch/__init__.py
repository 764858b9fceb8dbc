"""Downloading untrusted URLs safely: deadline, byte cap, redirects, address guard."""

from __future__ import annotations

from feedvault.fetch.address import BlockedAddress
from feedvault.fetch.client import Fetcher
from feedvault.fetch.policy import FetchPolicy
from feedvault.fetch.result import FEED_ACCEPT, FetchRequest, FetchResult, RetryLater

__all__ = [
    "FEED_ACCEPT",
    "BlockedAddress",
    "FetchPolicy",
    "FetchRequest",
    "FetchResult",
    "Fetcher",
    "RetryLater",
]
