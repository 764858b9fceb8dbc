"""Serving a test's loopback HTTP server on a thread, the one way the test kits do it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import HTTPServer


@contextmanager
def serving(httpd: HTTPServer) -> Iterator[None]:
    """``httpd`` answers until the block ends. Shutdown is noticed within 50 ms:
    serve_forever's default poll of 0.5 s was paid by every test that stopped a server."""
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        httpd.shutdown()
        httpd.server_close()
