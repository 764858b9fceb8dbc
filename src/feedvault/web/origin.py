"""Who the app is (its public base URL) and who the client is, without trusting headers
that anyone can send.

* ``[web] base_url`` (or FEEDVAULT_BASE_URL) names the app for every absolute link.
* Otherwise ``Forwarded`` / ``X-Forwarded-Proto`` / ``X-Forwarded-Host`` / ``X-Forwarded-For``
  count only when the connection comes from one of ``[web] trusted_proxies``.
* Otherwise the ``Host`` header is used only when it names the address the client actually
  connected to (or ``localhost`` on a loopback socket); any other value falls back to that
  address, so a forged Host never reaches an Atom link.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from starlette.requests import Request

from feedvault.config import WebSettings

_HOST = re.compile(r"([a-z0-9](?:[a-z0-9.-]{0,252})|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?", re.I)
_FORWARDED_PAIR = re.compile(r'\s*([A-Za-z]+)\s*=\s*("[^"]*"|[^;,\s]*)\s*')
DEFAULT_PORTS = {"http": 80, "https": 443}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _is_trusted(address: str, proxies: tuple[str, ...]) -> bool:
    if not proxies:
        return False
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    return any(ip in net for net in _networks(proxies))


def _peer(request: Request) -> str:
    return request.client.host if request.client else ""


def _forwarded(request: Request) -> dict[str, str]:
    """The first (client-side) element of ``Forwarded``, or the X-Forwarded-* values."""
    header = request.headers.get("forwarded")
    if header:
        first = header.split(",")[0]
        return {k.lower(): v.strip('"') for k, v in _FORWARDED_PAIR.findall(first)}
    out = {}
    for name, key in (("x-forwarded-proto", "proto"), ("x-forwarded-host", "host"),
                      ("x-forwarded-for", "for")):
        value = request.headers.get(name)
        if value:
            out[key] = value.split(",")[0].strip()
    return out


def client_address(request: Request, web: WebSettings) -> str:
    """The client's address: the peer, or what a trusted proxy says it forwarded for."""
    peer = _peer(request)
    if _is_trusted(peer, web.trusted_proxies):
        said = _forwarded(request).get("for", "")
        host = said.rsplit(":", 1)[0] if said.count(":") == 1 else said  # "1.2.3.4:5678"
        if host:
            return host.strip("[]")
    return peer


def _server_host(request: Request, scheme: str) -> str:
    server = request.scope.get("server")
    if not server or server[0] is None:
        return "localhost"
    host, port = str(server[0]), server[1]
    if ":" in host:
        host = f"[{host}]"
    return host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"


def _accepted_host(request: Request, scheme: str) -> str:
    """The Host header when it names the address this connection reached, else that address."""
    bound = _server_host(request, scheme)
    given = request.headers.get("host", "").lower()
    if given == bound.lower():
        return given
    server = request.scope.get("server")
    found = _HOST.fullmatch(given)
    if found and server and found.group(1) == "localhost" and _is_loopback(str(server[0])):
        port = int(found.group(2)) if found.group(2) else DEFAULT_PORTS.get(scheme)
        if port == server[1]:
            return given
    return bound


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def public_base(request: Request, web: WebSettings) -> str:
    """``scheme://host[:port]`` (plus base_url's path) for absolute links, without "/" at
    the end."""
    if web.base_url:
        return web.base_url
    scheme = request.url.scheme if request.url.scheme in DEFAULT_PORTS else "http"
    if _is_trusted(_peer(request), web.trusted_proxies):
        said = _forwarded(request)
        proto = said.get("proto", "").lower()
        scheme = proto if proto in DEFAULT_PORTS else scheme
        host = said.get("host", "")
        if host and _HOST.fullmatch(host):
            return f"{scheme}://{host}"
        return f"{scheme}://{_accepted_host(request, scheme)}"
    return f"{scheme}://{_accepted_host(request, scheme)}"


def is_https(request: Request, web: WebSettings) -> bool:
    """Whether cookies must be ``Secure``: the public URL is https."""
    return public_base(request, web).startswith("https://")
