"""REPLAY: the article snapshot of a WACZ export replays in pywb, in headless Chromium, with
its images (one of them behind a redirect), after the origin is gone, and nothing the page
asks for leaves pywb on 127.0.0.1.

pywb lives in its own virtualenv (its brotlipy would shadow the `brotli` module feedvault
decodes with): .ci/run makes ``.venv-pywb``; FEEDVAULT_PYWB names another bin directory.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warc_kit import Archived

from feedvault.export.wacz import export_wacz

ROOT = Path(__file__).resolve().parents[2]
PYWB = Path(os.environ.get("FEEDVAULT_PYWB", ROOT / ".venv-pywb" / "bin"))
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing"),
]


def _pywb(tool: str) -> Path:
    path = PYWB / tool
    if not path.exists():
        message = (
            f"pywb is not installed at {PYWB} (python3 -m venv .venv-pywb && "
            ".venv-pywb/bin/pip install 'pywb>=2.8'; .ci/run does this)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], limit: float = 30.0) -> None:
    """Until pywb accepts connections (it takes a few seconds to import), or it died."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"pywb exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(0.1)  # not a sleep: returns at once should pywb exit
    raise AssertionError(f"pywb did not listen on 127.0.0.1:{port} within {limit:g}s")


@pytest.fixture
def pywb_collection(archived_sqlite: Archived) -> Iterator[tuple[str, Archived]]:
    """The WACZ added to a pywb collection, pywb serving it on 127.0.0.1, the origin stopped."""
    wb_manager, wayback = _pywb("wb-manager"), _pywb("wayback")
    tmp = archived_sqlite.tmp
    package = tmp / "vault.wacz"
    stats = export_wacz(archived_sqlite.vault.store, archived_sqlite.files, package)
    assert stats.pages == 1
    archived_sqlite.site.close()  # from here on, only the archive can answer

    root = tmp / "pywb"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HTTP_PROXY", "http_proxy"))}
    for args in (["init", "coll"], ["add", "--unpack-wacz", "coll", str(package)]):
        done = subprocess.run(
            [wb_manager, *args], cwd=root, capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
    port = _free_port()
    log = (tmp / "pywb.log").open("wb")
    proc = subprocess.Popen(
        [wayback, "-b", "127.0.0.1", "-p", str(port), "-t", "8"],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    try:
        _wait_listening(port, proc)
        yield f"http://127.0.0.1:{port}", archived_sqlite
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_snapshot_replays_in_pywb_with_its_images(pywb_collection: tuple[str, Archived]) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    base, archived = pywb_collection
    link = archived.site.url("/go/1")  # the entry link, a redirect to the article
    requested: list[str] = []
    refused: list[str] = []

    def decide(route: Any) -> None:
        url = route.request.url
        if url.startswith(base + "/"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context()
            context.route("**/*", decide)
            context.on("request", lambda r: requested.append(r.url))  # redirects too
            page = context.new_page()
            page.goto(f"{base}/coll/{link}", wait_until="load")
            frame = _replay_frame(page)
            frame.wait_for_function(
                "() => [...document.images].length === 3 && "
                "[...document.images].every(i => i.complete)",
                timeout=20_000,
            )
            title = frame.evaluate("() => document.title")
            widths = frame.evaluate(
                "() => Object.fromEntries([...document.images].map(i => [i.id, i.naturalWidth]))"
            )
        finally:
            browser.close()

    assert title == "Article one"
    assert widths == {"a": 40, "b": 50, "c": 24}  # b: /img/old.jpg -> 302 -> /img/b.jpg
    assert any(u.endswith("/article/1") for u in requested)  # the link's redirect followed
    assert refused == []
    assert requested and all(u.startswith(base + "/") for u in requested)
    assert any("/img/old.jpg" in u for u in requested)


def _replay_frame(page: Any) -> Any:
    """pywb shows the capture in an iframe (``.../coll/<ts>mp_/<url>``) under its banner."""
    page.wait_for_selector("iframe", timeout=20_000)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "mp_/" in frame.url:
                frame.wait_for_load_state("load")
                return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"no replay frame among {[f.url for f in page.frames]}")
