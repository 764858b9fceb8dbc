"""The address guard: a feed URL must not reach the machine's own network (SSRF).

Feed readers have shipped this hole many times (Miniflux GHSA-xwh2-742g-w3wp, Tiny Tiny RSS
CVE-2020-25787, RSSHub CVE-2024-27927). Checking the URL's host name is not enough: a name can
resolve to 127.0.0.1, or resolve differently on the second lookup (DNS rebinding). So the
transport resolves names itself, checks every address, and connects to the checked address.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from feedvault.errors import FetchError
from feedvault.fetch.policy import Network, parse_allow_entry

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# getaddrinfo cannot be given a timeout; running it here lets a fetch give up at its deadline.
_RESOLVER_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="feedvault-dns")


class BlockedAddress(FetchError):
    """The destination is not public and not in ``allow_networks``."""


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to; tests replace this to simulate DNS answers."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_ip_host(host: str) -> IPAddress | None:
    """The address a URL host denotes, if it is one, in every form browsers accept.

    ``2130706434``, ``0x7f000002``, ``0177.0.0.2`` and ``127.2`` all mean 127.0.0.2 to a
    browser and to ``inet_aton``; IPv6 may be bracketed. Host names give None.
    """
    text = host.strip().strip("[]").rstrip(".")
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.split("%", 1)[0])
        except ValueError:
            return None
    parts = text.split(".")
    numbers = [_parse_ipv4_part(part) for part in parts]
    if not 1 <= len(parts) <= 4 or any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    last_limit = 256 ** (5 - len(values))
    if any(v > 255 for v in values[:-1]) or values[-1] >= last_limit:
        raise BlockedAddress(f"blocked: {host!r} is not a valid IPv4 address")
    value = values[-1]
    for index, part in enumerate(values[:-1]):
        value += part << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _parse_ipv4_part(part: str) -> int | None:
    lowered = part.lower()
    try:
        if lowered.startswith("0x"):
            return int(lowered[2:] or "0", 16)
        if len(lowered) > 1 and lowered.startswith("0"):
            return int(lowered[1:], 8)
        return int(lowered, 10) if lowered.isdigit() else None
    except ValueError:
        return None


def is_public(ip: IPAddress) -> bool:
    """True for globally routable unicast addresses, looking inside IPv6 that wraps IPv4."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is not None and not is_public(embedded):
            return False
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback
        or ip.is_link_local or ip.is_private
    )


def _unwrap(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


class AddressGuard:
    """Decides, from ``allow_networks``, which hosts and addresses may be connected to."""

    def __init__(self, allow_networks: tuple[str, ...] = ()) -> None:
        entries = [parse_allow_entry(entry) for entry in allow_networks]
        self._networks: list[Network] = [e for e in entries if not isinstance(e, str)]
        self._hosts = {e for e in entries if isinstance(e, str) and not e.startswith(".")}
        self._domains = tuple(e for e in entries if isinstance(e, str) and e.startswith("."))

    def host_allowed(self, host: str) -> bool:
        """An allow-listed host name may resolve anywhere: the user vouched for it."""
        name = host.lower().rstrip(".")
        return name in self._hosts or (bool(self._domains) and name.endswith(self._domains))

    def address_allowed(self, ip: IPAddress) -> bool:
        plain = _unwrap(ip)
        if is_public(plain) and is_public(ip):
            return True
        return any(plain in net or ip in net for net in self._networks)

    def check_address(self, host: str, ip: IPAddress) -> None:
        if not self.address_allowed(ip):
            shown = host if str(ip) == host.strip("[]") else f"{host} ({ip})"
            raise BlockedAddress(
                f"blocked: {shown} is not a public address (set allow_networks to allow it)"
            )

    def resolve_checked(self, host: str, port: int, deadline: float) -> list[str]:
        """Addresses to connect to for ``host``: all of them checked, or BlockedAddress."""
        literal = parse_ip_host(host)
        if literal is not None:
            if not self.host_allowed(host):
                self.check_address(host, literal)
            return [str(literal)]
        addresses = _resolve_before(host, port, deadline)
        if not addresses:
            raise FetchError(f"cannot resolve {host}: no addresses")
        if not self.host_allowed(host):
            for text in addresses:
                self.check_address(host, ipaddress.ip_address(text.split("%", 1)[0]))
        return addresses


def _resolve_before(host: str, port: int, deadline: float) -> list[str]:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(f"timed out resolving {host}")
    future = _RESOLVER_POOL.submit(resolve, host, port)
    try:
        return future.result(timeout=remaining)
    except FutureTimeout:
        raise FetchError(f"timed out resolving {host}") from None
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from None
