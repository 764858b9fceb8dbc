"""Fixtures for the fetch tests: loopback servers and fetchers with a short deadline."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from fetch_loopback import Server, policy  # noqa: E402

from feedvault.fetch import Fetcher  # noqa: E402


@pytest.fixture
def make_server() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def make(host: str = "127.0.0.1") -> Server:
        server = Server(host)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def server(make_server: Callable[..., Server]) -> Server:
    return make_server()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    """Loopback allowed, as for a self-hosted bridge."""
    with Fetcher(policy()) as f:
        yield f


@pytest.fixture
def guarded() -> Iterator[Fetcher]:
    """The default address policy: nothing but public addresses."""
    with Fetcher(policy(allow_networks=())) as f:
        yield f
