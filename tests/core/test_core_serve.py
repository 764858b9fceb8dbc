"""`feedvault serve`, `run --serve` and `admin set-password` from the command line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from fv_testpaths import SEED


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "feedvault.cli", "--db", db, *args]


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("FEEDVAULT_DB", None)
    return env


def _wait_for(url: str, proc: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            return httpx.get(url, timeout=2, trust_env=False)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def test_serve_and_run_serve_answer_on_loopback(tmp_path: Path, db_url: str) -> None:
    env = _env(tmp_path)
    subprocess.run(_cli(db_url, "import", str(SEED)), env=env, check=True, capture_output=True)
    for args in (("serve",), ("run", "--serve")):
        port = _free_port()
        proc = subprocess.Popen(
            _cli(db_url, *args, "--port", str(port)),
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            page = _wait_for(f"http://127.0.0.1:{port}/", proc)
            assert page.status_code == 200 and "content-security-policy" in page.headers
            found = httpx.get(
                f"http://127.0.0.1:{port}/search",
                params={"q": "芬太尼"},
                timeout=10,
                trust_env=False,
            )
            assert "美国称与中国商讨禁止芬太尼有进展" in found.text
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=20)
        assert proc.returncode in (0, -signal.SIGTERM), args


def test_admin_set_password(tmp_path: Path, db_url: str) -> None:
    env = _env(tmp_path)
    short = subprocess.run(
        _cli(db_url, "admin", "set-password", "--stdin"),
        env=env,
        input="short\n",
        capture_output=True,
        text=True,
    )
    assert short.returncode == 1 and short.stderr.startswith("feedvault: error:")
    ok = subprocess.run(
        _cli(db_url, "admin", "set-password", "--stdin"),
        env=env,
        input="a long enough secret\n",
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    from feedvault.vault import open_vault
    from feedvault.web import security

    with open_vault(db_url) as vault:
        stored = vault.store.get_meta(security.PASSWORD_KEY)
    assert stored and "a long enough secret" not in stored
