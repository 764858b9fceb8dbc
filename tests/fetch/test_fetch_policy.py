"""The policy value object and its environment variables."""

from __future__ import annotations

import threading

import pytest
from fetch_loopback import policy

from feedvault.errors import FetchError, UsageError
from feedvault.fetch import Fetcher, FetchPolicy, address


def test_defaults() -> None:
    default = FetchPolicy()
    assert (default.timeout, default.max_bytes, default.max_redirects) == (30.0, 20 << 20, 10)
    assert default.allow_networks == ()
    assert default.user_agent.startswith("feedvault/0.")


def test_from_env() -> None:
    env = {"FEEDVAULT_ALLOW_NETWORKS": " 127.0.0.0/8, ::1/128 ,bridge.lan,,",
           "FEEDVAULT_FETCH_TIMEOUT": "7.5"}
    got = FetchPolicy.from_env(env)
    assert got.allow_networks == ("127.0.0.0/8", "::1/128", "bridge.lan")
    assert got.timeout == 7.5
    assert FetchPolicy.from_env({}) == FetchPolicy()


@pytest.mark.parametrize("env", [
    {"FEEDVAULT_FETCH_TIMEOUT": "soon"}, {"FEEDVAULT_FETCH_TIMEOUT": "-1"},
    {"FEEDVAULT_ALLOW_NETWORKS": "10.0.0.0/33"}, {"FEEDVAULT_ALLOW_NETWORKS": "300.1.1.1"},
])
def test_bad_environment_is_a_usage_error(env: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        FetchPolicy.from_env(env)


def test_slow_dns_ends_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolver answers only when the test lets it, long after the deadline: the fetch
    must give up while the lookup is still hanging."""
    release, answered = threading.Event(), threading.Event()

    def slow(host: str, port: int) -> list[str]:
        release.wait(60)
        answered.set()
        return ["127.0.0.1"]

    monkeypatch.setattr(address, "resolve", slow)
    try:
        with Fetcher(policy()) as fetcher, pytest.raises(FetchError, match="timed out resolving"):
            fetcher.fetch("http://slow-dns.test/feed")
        assert not answered.is_set()
    finally:
        release.set()
