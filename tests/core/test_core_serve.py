"""`feedvault serve`, `run --serve` and `admin set-password` from the command line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
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


def _wait_for_line(proc: subprocess.Popen[str], text: str) -> None:
    """Read stderr until a line containing ``text`` (uvicorn's "running on" line is written
    once the socket listens); a process that ends first fails the test."""
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        if text in line:
            return
        seen.append(line)
    raise AssertionError(f"{text!r} never appeared:\n" + "".join(seen))


def _probe(url: str, proc: subprocess.Popen[str]) -> httpx.Response:
    """`run --serve` prints no line once its server listens: probe it, backing off by
    waiting on the process (so one that dies ends the wait at once)."""
    for _ in range(300):
        try:
            return httpx.get(url, timeout=2, trust_env=False)
        except httpx.TransportError:
            try:
                proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(f"exited with {proc.returncode}: {proc.communicate()}") from None
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
            url = f"http://127.0.0.1:{port}/"
            if args == ("serve",):
                _wait_for_line(proc, f"running on http://127.0.0.1:{port}")
                page = httpx.get(url, timeout=10, trust_env=False)
            else:
                page = _probe(url, proc)
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

    with open_vault(db_url) as vault:  # the password of the user admin (docs/accounts.md)
        stored = vault.store.accounts.password_hash("admin")
        assert vault.users.get("admin").is_admin
        assert security.check_admin_password(vault.store, "a long enough secret")
    assert stored and "a long enough secret" not in stored
