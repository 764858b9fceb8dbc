"""A malformed redirect or URL is a one-line FetchError, never a ValueError traceback.

Every Location here fails before any name lookup, so no test sends anything beyond loopback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fetch_loopback import Handler, Request, Server

from feedvault.errors import FetchError
from feedvault.fetch import Fetcher


def raw_redirect(location: bytes) -> Handler:
    """A 302 whose Location is sent byte for byte (non-ASCII included)."""

    def handler(request: Request, conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 302 Found\r\nConnection: close\r\nContent-Length: 0\r\n"
            b"Location: " + location + b"\r\n\r\n"
        )

    return handler


BAD_LOCATIONS = [
    b"http://[::1",
    b"http://[",
    b"http://]/",
    b"http://[zz]/",
    b"",
    b"http://",
    b"http://a b/",
    b"http://%00/",
    b"http://127.0.0.1:99999999999/",
    b"http://[::1]:" + b"9" * 5000 + b"/",
    b"http://\xc3\xa9xample.invalid\xff/",
    b"http://xn--/",
]


@pytest.mark.parametrize("location", BAD_LOCATIONS, ids=lambda b: repr(b[:30]))
def test_malformed_location_is_one_line_fetch_error(
    server: Server, fetcher: Fetcher, location: bytes
) -> None:
    server.routes["/feed"] = raw_redirect(location)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/feed"))
    message = str(caught.value)
    assert "\n" not in message and len(message) < 600
    assert caught.value.url == server.url("/feed")


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://[zz]/feed", "http://a b/", "http://xn--/", "http://h:99999/"]
)
def test_malformed_url_is_one_line_fetch_error(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchError, match="invalid"):
        fetcher.fetch(url)


def test_add_of_a_url_redirecting_to_a_broken_ipv6_literal(server: Server, tmp_path: Path) -> None:
    """The issue's case: one line on stderr, exit 1, no feed left behind."""
    server.routes["/feed"] = raw_redirect(b"http://[::1")
    env = dict(
        os.environ,
        FEEDVAULT_ALLOW_NETWORKS="127.0.0.0/8",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    db = str(tmp_path / "vault.db")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "feedvault.cli", "--db", db, *args],
            capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
        )

    added = cli("add", server.url("/feed"))
    assert added.returncode == 1, added.stderr
    assert "Traceback" not in added.stderr
    [line] = [x for x in added.stderr.splitlines() if x.startswith("feedvault: error:")]
    assert "http://[::1" in line
    assert cli("feeds", "--json").stdout.strip() == "[]"
