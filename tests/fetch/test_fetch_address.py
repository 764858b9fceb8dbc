"""The address guard, on, against loopback only: blocked targets receive zero requests.

No test here sends a packet anywhere but 127.0.0.0/8 or ::1. Fake DNS answers go through
the resolver function the guard uses, and the guard refuses before connecting to them.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import pytest
from fetch_loopback import Server, policy, redirect, respond

from feedvault.errors import FetchError
from feedvault.fetch import BlockedAddress, Fetcher, address

FEED = b"<rss><channel><title>t</title></channel></rss>"
ALLOW_HINT = "is not a public address (set allow_networks to allow it)"


def serve_feed(server: Server) -> Server:
    server.routes["/feed"] = lambda r, c: respond(c, 200, {}, FEED)
    return server


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    """Answer only the given names; anything else would be a real lookup, so it fails."""
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        if host not in answers:
            raise OSError(f"test resolver has no answer for {host}")
        return answers[host]

    monkeypatch.setattr(address, "resolve", resolve)
    return asked


# Each spelling of a loopback address, and the server (host) that would receive it.
SPELLINGS = [
    ("127.0.0.2", "127.0.0.2"),
    ("[::1]", "::1"),
    ("[::ffff:127.0.0.2]", "127.0.0.2"),
    ("2130706434", "127.0.0.2"),
    ("0x7f000002", "127.0.0.2"),
    ("0177.0.0.2", "127.0.0.2"),
    ("127.2", "127.0.0.2"),
    ("localhost", "127.0.0.1"),
    ("rebind.test", "127.0.0.2"),
]


@pytest.fixture
def rebind_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return fake_dns(monkeypatch, {
        "rebind.test": ["127.0.0.2"],
        "localhost": ["127.0.0.1", "::1"],
    })


@pytest.mark.parametrize(("spelling", "bind"), SPELLINGS)
def test_loopback_in_any_spelling_is_blocked(
    spelling: str, bind: str, make_server: Callable[..., Server], guarded: Fetcher,
    rebind_dns: list[str],
) -> None:
    target = serve_feed(make_server(bind))
    with pytest.raises(BlockedAddress, match=r"^blocked: .* is not a public address \(set"):
        guarded.fetch(target.url("/feed", host=spelling))
    assert target.requests == []


@pytest.mark.parametrize(("spelling", "bind"), SPELLINGS)
def test_redirect_from_an_allowed_server_to_loopback_is_blocked(
    spelling: str, bind: str, make_server: Callable[..., Server], rebind_dns: list[str],
) -> None:
    origin = make_server("127.0.0.3")
    target = serve_feed(make_server(bind))
    origin.routes["/go"] = redirect(target.url("/feed", host=spelling), 301)
    fetcher = Fetcher(policy(allow_networks=("127.0.0.3/32",)))
    with fetcher, pytest.raises(BlockedAddress) as caught:
        fetcher.fetch(origin.url("/go"))
    assert ALLOW_HINT in str(caught.value)
    assert caught.value.url == origin.url("/go")
    assert len(origin.requests) == 1
    assert target.requests == []


def test_a_name_with_any_private_address_is_blocked(
    make_server: Callable[..., Server], guarded: Fetcher, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A public answer next to a loopback one must not let the name through: every
    # address is checked before any is connected to (so no packet leaves loopback here).
    fake_dns(monkeypatch, {"mixed.test": ["93.184.216.34", "127.0.0.2"]})
    target = serve_feed(make_server("127.0.0.2"))
    with pytest.raises(BlockedAddress, match=r"mixed\.test \(127\.0\.0\.2\)"):
        guarded.fetch(target.url("/feed", host="mixed.test"))
    assert target.requests == []


def test_the_checked_address_is_the_one_connected_to(
    make_server: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: a second lookup could answer differently, so there must be none."""
    asked = fake_dns(monkeypatch, {"rebind.test": ["127.0.0.2"]})
    real_getaddrinfo = socket.getaddrinfo

    def no_second_lookup(host: object, *args: object, **kwargs: object) -> object:
        assert host != "rebind.test", "the transport resolved the name again"
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", no_second_lookup)
    target = serve_feed(make_server("127.0.0.2"))
    with Fetcher(policy(allow_networks=("127.0.0.2/32",))) as fetcher:
        result = fetcher.fetch(target.url("/feed", host="rebind.test"))
    assert result.content == FEED
    assert asked == ["rebind.test"]
    assert target.requests[0].headers["host"] == f"rebind.test:{target.port}"


@pytest.mark.parametrize(("spelling", "bind"), SPELLINGS)
def test_allow_networks_lets_loopback_through(
    spelling: str, bind: str, make_server: Callable[..., Server], rebind_dns: list[str]
) -> None:
    target = serve_feed(make_server(bind))
    with Fetcher(policy(allow_networks=("127.0.0.0/8", "::1/128"))) as fetcher:
        assert fetcher.fetch(target.url("/feed", host=spelling)).content == FEED
    assert len(target.requests) == 1


def test_allow_networks_by_host_name(
    make_server: Callable[..., Server], rebind_dns: list[str]
) -> None:
    target = serve_feed(make_server("127.0.0.2"))
    with Fetcher(policy(allow_networks=("rebind.test",))) as fetcher:
        assert fetcher.fetch(target.url("/feed", host="rebind.test")).content == FEED
        with pytest.raises(BlockedAddress):
            fetcher.fetch(target.url("/feed"))  # the same server by address is not allowed
    assert len(target.requests) == 1


def test_invalid_numeric_host_is_refused(guarded: Fetcher) -> None:
    with pytest.raises(FetchError, match="not a valid IPv4 address"):
        guarded.fetch("http://127.0.0.256/")


@pytest.mark.parametrize(("host", "expected"), [
    ("2130706434", "127.0.0.2"), ("0x7f000002", "127.0.0.2"), ("0177.0.0.2", "127.0.0.2"),
    ("127.2", "127.0.0.2"), ("127.0.2", "127.0.0.2"), ("0x7f.1", "127.0.0.1"),
    ("[::ffff:127.0.0.2]", "::ffff:7f00:2"), ("0", "0.0.0.0"), ("example.com", None),
    ("1.2.3.4.example", None), ("123abc", None),
])
def test_parse_ip_host(host: str, expected: str | None) -> None:
    parsed = address.parse_ip_host(host)
    assert (None if parsed is None else str(parsed)) == expected


@pytest.mark.parametrize(("ip", "public"), [
    ("93.184.216.34", True), ("2606:4700::1111", True),
    ("127.0.0.2", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False),
    ("224.0.0.1", False), ("255.255.255.255", False), ("::1", False), ("::", False),
    ("fe80::1", False), ("fc00::1", False), ("::ffff:127.0.0.2", False),
    ("::ffff:10.0.0.1", False), ("64:ff9b::7f00:1", False), ("2002:7f00:1::", False),
    ("::127.0.0.2", False), ("ff02::1", False),
])
def test_is_public(ip: str, public: bool) -> None:
    assert address.is_public(ipaddress.ip_address(ip)) is public
