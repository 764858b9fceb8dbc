"""Misbehaving HTTP servers on loopback, started by the fetch tests themselves.

A raw socket server (not http.server) so that handlers can do what real broken servers do:
drip bytes, lie about lengths, reset the connection, send bodies where none belong.
Every server binds to 127.0.0.x or ::1 only; no test may send a packet anywhere else.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from feedvault.fetch import FetchPolicy

TIMEOUT = 2.0  # the policy deadline every test uses
CAP = 1024 * 1024  # max_bytes in tests, so a bomb has to beat 1 MiB


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


Handler = Callable[[Request, socket.socket], None]


@dataclass
class Server:
    host: str = "127.0.0.1"
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    max_active: int = 0
    _active: int = 0

    def __post_init__(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, 0))
        self._sock.listen(128)
        self.port = self._sock.getsockname()[1]
        self._lock = threading.Lock()
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/", host: str | None = None) -> str:
        shown = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"http://{shown}:{self.port}{path}"

    def route(self, path: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes[path] = handler
            return handler
        return register

    @property
    def active(self) -> int:
        """Handlers still running: a client that got its answer while the server was still
        holding the connection did not wait for the server to finish."""
        with self._lock:
            return self._active

    def pause(self, seconds: float) -> bool:
        """Stall like a slow server; True (at once) when the test has closed the server, so
        stalling handlers end with the test instead of sleeping on."""
        return self._closed.wait(seconds)

    def hold(self, limit: float = 60.0) -> None:
        """Keep the connection open and silent until the test closes the server."""
        self._closed.wait(limit)

    def close(self) -> None:
        self._closed.set()
        self._sock.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            request = _read_head(conn)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
                self._active += 1
                self.max_active = max(self.max_active, self._active)
            try:
                handler = self.routes.get(request.path.split("?")[0], not_found)
                handler(request, conn)
            except OSError:
                pass  # the client gave up on us: that is often the point of the test
            finally:
                with self._lock:
                    self._active -= 1


def _read_head(conn: socket.socket) -> Request | None:
    data = b""
    conn.settimeout(10)
    while b"\r\n\r\n" not in data:
        try:
            chunk = conn.recv(4096)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    lines = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(method, path, headers)


def respond(
    conn: socket.socket, status: int = 200, headers: dict[str, str] | None = None,
    body: bytes = b"", *, length: bool = True,
) -> None:
    head = [f"HTTP/1.1 {status} X"]
    all_headers = {"Connection": "close", **(headers or {})}
    if length and "Content-Length" not in all_headers:
        all_headers["Content-Length"] = str(len(body))
    head += [f"{k}: {v}" for k, v in all_headers.items()]
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


def redirect(to: str, status: int = 302) -> Handler:
    def handler(request: Request, conn: socket.socket) -> None:
        respond(conn, status, {"Location": to})
    return handler


def ok(body: bytes, content_type: str = "application/rss+xml", **extra: str) -> Handler:
    def handler(request: Request, conn: socket.socket) -> None:
        respond(conn, 200, {"Content-Type": content_type, **extra}, body)
    return handler


def not_found(request: Request, conn: socket.socket) -> None:
    respond(conn, 404, {}, b"no")


def reset(conn: socket.socket) -> None:
    """Close with RST, as a crashed server or a middlebox does."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def policy(**overrides: object) -> FetchPolicy:
    settings: dict[str, object] = {
        "timeout": TIMEOUT, "max_bytes": CAP, "allow_networks": ("127.0.0.0/8", "::1/128"),
    }
    settings.update(overrides)
    return FetchPolicy(**settings)  # type: ignore[arg-type]
