"""Limits for every download, as one value object.

Everything feedvault downloads (feeds, article pages, OPML URLs) goes through one policy so
that an untrusted URL can never get more time, bytes or reach than the user allowed.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from feedvault import __version__
from feedvault.errors import UsageError

MIB = 1024 * 1024
USER_AGENT = f"feedvault/{__version__} (news feed archiver; python-httpx)"


@dataclass(frozen=True)
class FetchPolicy:
    """How long, how much and where a fetch may go.

    ``timeout`` is one total deadline for connect, headers and body together (per-read
    timeouts let a server that drips a byte a second hold a worker forever).
    ``allow_networks`` holds CIDRs (``127.0.0.0/8``) and host names (``bridge.lan``, or
    ``.lan`` for a whole domain) that may be reached although they are not public.
    """

    timeout: float = 30.0
    max_bytes: int = 20 * MIB
    max_redirects: int = 10
    allow_networks: tuple[str, ...] = ()
    per_host: int = 2
    concurrency: int = 16
    user_agent: str = field(default=USER_AGENT)

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise UsageError(f"fetch timeout must be positive, not {self.timeout!r}")
        if self.max_bytes < 1 or self.max_redirects < 0:
            raise UsageError("max_bytes must be >= 1 and max_redirects >= 0")
        if self.per_host < 1 or self.concurrency < 1:
            raise UsageError("per_host and concurrency must be >= 1")
        for entry in self.allow_networks:
            parse_allow_entry(entry)  # fail now, with the bad entry named

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FetchPolicy:
        """Defaults overridden by FEEDVAULT_ALLOW_NETWORKS and FEEDVAULT_FETCH_TIMEOUT."""
        env = os.environ if environ is None else environ
        allow = tuple(
            part.strip() for part in env.get("FEEDVAULT_ALLOW_NETWORKS", "").split(",")
            if part.strip()
        )
        raw_timeout = env.get("FEEDVAULT_FETCH_TIMEOUT", "").strip()
        if not raw_timeout:
            return cls(allow_networks=allow)
        try:
            timeout = float(raw_timeout)
        except ValueError:
            raise UsageError(
                f"FEEDVAULT_FETCH_TIMEOUT must be a number of seconds, not {raw_timeout!r}"
            ) from None
        return cls(timeout=timeout, allow_networks=allow)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allow_entry(entry: str) -> Network | str:
    """A network for CIDRs and addresses, else a lower-cased host name (``.x`` = domain)."""
    text = entry.strip()
    looks_numeric = "/" in text or ":" in text or text.replace(".", "").isdigit()
    if looks_numeric:
        try:
            return ipaddress.ip_network(text.strip("[]"), strict=False)
        except ValueError:
            raise UsageError(f"allow_networks: {entry!r} is not a valid network") from None
    host = text.lower().rstrip(".")
    if not host or any(c.isspace() for c in host):
        raise UsageError(f"allow_networks: {entry!r} is not a host name or network")
    return host
