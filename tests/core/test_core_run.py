"""`feedvault run`, discovery on `add`, and what HTTP statuses do to a feed's schedule."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from core_http import loopback_site, rss

XML = {"Content-Type": "application/rss+xml"}


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(
        os.environ,
        FEEDVAULT_ALLOW_NETWORKS="127.0.0.0/8",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    env.pop("FEEDVAULT_DB", None)
    return env


Fv = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def fv(tmp_path: Path, db_url: str) -> Fv:
    """`feedvault --db <this test's vault> ARGS...`; asserts success unless check=False."""

    def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "feedvault.cli", "--db", db_url, *args],
            capture_output=True,
            text=True,
            env=_env(tmp_path),
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    return cli


def test_run_polls_then_stops_cleanly_on_sigterm(tmp_path: Path, fv: Fv, db_url: str) -> None:
    with loopback_site() as site:
        for n in range(3):
            site.routes[f"/f{n}.xml"] = (
                200,
                XML,
                rss(f"Feed {n}", [(f"item {n}", f"https://e.org/{n}")]),
            )
            fv("add", site.url(f"/f{n}.xml"), "--slug", f"f{n}", "--no-update")
        proc = subprocess.Popen(
            [sys.executable, "-m", "feedvault.cli", "--db", db_url, "run"],
            env=_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # stop it once it has said that it stored all three (it then waits for them to be due)
        assert proc.stderr is not None
        safety = threading.Timer(120, proc.kill)  # a hung run ends the read, not the test run
        safety.start()
        waiting = {f"f{n}: 1 new" for n in range(3)}
        lines = []
        try:
            for line in proc.stderr:
                lines.append(line)
                waiting = {w for w in waiting if w not in line}
                if not waiting:
                    break
        finally:
            safety.cancel()
        assert not waiting, "".join(lines)
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=20)
        err = "".join(lines) + rest
    assert proc.returncode == 0, err
    assert "f0: 1 new" in err and "stopped" in err
    feeds = json.loads(fv("feeds", "--json").stdout)
    now = datetime.now(tz=UTC)
    for feed in feeds:
        assert feed["entries"] == 1 and feed["status"] == "ok" and feed["error_count"] == 0
        nxt = datetime.fromisoformat(feed["next_check"].replace("Z", "+00:00"))
        assert now + timedelta(minutes=4) < nxt < now + timedelta(hours=25)
    # polled only when due: a second round right away fetches nothing
    before = sum(site.hits.values())
    fv("run", "--once")
    assert sum(site.hits.values()) == before


def test_gone_feed_stops_polling_and_says_so(fv: Fv) -> None:
    with loopback_site() as site:
        site.routes["/ok.xml"] = (200, XML, rss("ok", [("a", "https://e.org/a")]))
        site.routes["/gone.xml"] = (200, XML, rss("gone", [("b", "https://e.org/b")]))
        fv("add", site.url("/ok.xml"), "--slug", "ok")
        fv("add", site.url("/gone.xml"), "--slug", "gone")
        site.routes["/gone.xml"] = (410, {}, b"gone")
        first = fv("update")
        assert "gone: error: the server says the feed is gone (410)" in first.stdout
        hits = site.hits["/gone.xml"]
        fv("update")
        assert site.hits["/gone.xml"] == hits, "a gone feed was polled again"
        feeds = {f["slug"]: f for f in json.loads(fv("feeds", "--json").stdout)}
        assert feeds["gone"]["status"] == "gone" and feeds["gone"]["entries"] == 1
        assert feeds["ok"]["status"] == "ok"


def test_429_retry_after_is_honoured_with_a_cap_and_errors_back_off(fv: Fv) -> None:
    with loopback_site() as site:
        site.routes["/busy.xml"] = (200, XML, rss("busy", [("a", "https://e.org/a")]))
        fv("add", site.url("/busy.xml"), "--slug", "busy")
        site.routes["/busy.xml"] = (429, {"Retry-After": "999999999"}, b"")
        fv("update", check=False)
        [feed] = json.loads(fv("feeds", "--json").stdout)
        nxt = datetime.fromisoformat(feed["next_check"].replace("Z", "+00:00"))
        now = datetime.now(tz=UTC)
        assert now + timedelta(hours=23) < nxt <= now + timedelta(hours=24, minutes=1)
        assert feed["error_count"] == 1 and feed["last_error"]
        site.routes["/busy.xml"] = (500, {}, b"oops")
        fv("update", check=False)
        [feed] = json.loads(fv("feeds", "--json").stdout)
        assert feed["error_count"] == 2 and feed["entries"] == 1


def test_add_discovers_feeds_on_a_page_and_asks_which(fv: Fv) -> None:
    page = (
        b"<html><head><title>Site</title>"
        b'<link rel="alternate" type="application/rss+xml" title="News" href="/news.xml">'
        b'<link rel="alternate" type="application/atom+xml" title="Blog" href="/blog.xml">'
        b"</head><body>hi</body></html>"
    )
    with loopback_site() as site:
        site.routes["/"] = (200, {"Content-Type": "text/html"}, page)
        site.routes["/news.xml"] = (200, XML, rss("News", [("n", "https://e.org/n")]))
        site.routes["/blog.xml"] = (200, XML, rss("Blog", [("b", "https://e.org/b")]))
        refused = fv("add", site.url("/"), check=False)
        assert (
            refused.returncode == 1 and "--pick" in refused.stderr and "blog.xml" in refused.stderr
        )
        fv("add", site.url("/"), "--pick", "2", "--slug", "blog")
        [feed] = json.loads(fv("feeds", "--json").stdout)
        assert feed["url"].endswith("/blog.xml") and feed["entries"] == 1
        assert feed["name"] == "Blog"
        site.routes["/plain"] = (200, {"Content-Type": "text/html"}, b"<html>nothing</html>")
        none = fv("add", site.url("/plain"), check=False)
        assert none.returncode == 1 and "no feed found" in none.stderr


def test_guard_blocks_loopback_when_not_allowed(tmp_path: Path, db_url: str) -> None:
    with loopback_site() as site:
        site.routes["/f.xml"] = (200, XML, rss("f", [("a", "https://e.org/a")]))
        env = _env(tmp_path)
        env.pop("FEEDVAULT_ALLOW_NETWORKS")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "feedvault.cli",
                "--db",
                db_url,
                "add",
                site.url("/f.xml"),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert result.returncode == 1 and "not a public address" in result.stderr
        assert sum(site.hits.values()) == 0


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
