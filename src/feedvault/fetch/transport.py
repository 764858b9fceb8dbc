"""An httpx transport that connects only to checked addresses and obeys one deadline.

httpx resolves names inside ``socket.create_connection`` and its timeouts are per read, so
neither the address actually connected to nor the total time can be controlled from outside.
httpcore lets us supply the network backend: ours resolves and checks the name, connects to
the checked IP (TLS still verifies and sends SNI for the real host name), and clamps every
read and write to the time left before the request's deadline.
"""

from __future__ import annotations

import contextvars
import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from feedvault.fetch.address import AddressGuard

# The monotonic deadline of the request being made on this thread (the sync API runs a
# request start to finish on one thread, so a context variable follows it exactly).
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "feedvault_fetch_deadline", default=None
)


def _remaining(timeout: float | None) -> float | None:
    """The smaller of httpcore's timeout and the time left; 0 or less means too late."""
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        left = _remaining(timeout)
        if left is not None and left <= 0:
            raise httpcore.ReadTimeout("deadline exceeded while reading")
        return self._inner.read(max_bytes, left)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        left = _remaining(timeout)
        if left is not None and left <= 0:
            raise httpcore.WriteTimeout("deadline exceeded while writing")
        self._inner.write(buffer, left)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _remaining(timeout)
        if left is not None and left <= 0:
            raise httpcore.ConnectTimeout("deadline exceeded during TLS handshake")
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves, checks every address with the guard, then connects to a checked IP."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard
        self._plain = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        deadline = DEADLINE.get()
        if deadline is None:
            deadline = time.monotonic() + (timeout if timeout is not None else 30.0)
        addresses = self._guard.resolve_checked(host, port, deadline)
        error: Exception | None = None
        for address in addresses:
            left = _remaining(timeout)
            if left is not None and left <= 0:
                raise httpcore.ConnectTimeout(f"deadline exceeded connecting to {host}")
            try:
                stream = self._plain.connect_tcp(
                    address, port, left, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return DeadlineStream(stream)
        assert error is not None
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by feedvault")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (request mapping, error mapping) over the guarded backend.

    httpx has no public hook for the network backend, so the pool it built is replaced by one
    built the same way with ours; the address tests fail loudly if httpx ever changes this.
    """

    def __init__(self, guard: AddressGuard, *, max_connections: int) -> None:
        super().__init__(trust_env=False, retries=0)
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            retries=0,
            network_backend=GuardedBackend(guard),
        )
