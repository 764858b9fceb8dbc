"""The app's public name and its clients: a configured base URL, forwarded headers only from
trusted proxies, a forged Host never in an Atom link, Secure cookies on https, and failed
logins throttled per client and per account."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager

from lxml import etree
from starlette.testclient import TestClient
from test_atom import A

from conftest import PASSWORD, WebVault, csrf_of
from feedvault.config import WebSettings, load_settings
from feedvault.web.throttle import LoginThrottle


@contextmanager
def app_client(web_vault: WebVault, web: WebSettings,
               peer: tuple[str, int] = ("127.0.0.1", 50000)) -> Iterator[TestClient]:
    from feedvault.web import create_app

    settings = dataclasses.replace(load_settings(web_vault.db), web=web)
    with TestClient(create_app(settings=settings), follow_redirects=False, client=peer) as c:
        yield c


def atom_links(client: TestClient, headers: dict[str, str]) -> list[str]:
    response = client.get("/feeds/edited.atom", headers=headers)
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    return [str(link.get("href")) for link in root.iter(A + "link")]


def test_forged_host_never_reaches_atom_links(web_vault: WebVault) -> None:
    with app_client(web_vault, WebSettings()) as client:
        links = atom_links(client, {"host": "evil.example", "x-forwarded-host": "evil2.example"})
        assert links and all(h.startswith("http://testserver/") for h in links
                             if not h.startswith("https://example.org/"))
        assert not any("evil" in h for h in links)


def test_base_url_names_every_absolute_link_and_secures_cookies(web_vault: WebVault) -> None:
    web = WebSettings(base_url="https://news.example.org/vault")
    with app_client(web_vault, web) as client:
        links = atom_links(client, {"host": "evil.example"})
        own = [h for h in links if "example.org/vault" in h or "evil" in h]
        assert own and all(h.startswith("https://news.example.org/vault/") for h in own)
        spec = client.get("/api/openapi.json").json()
        assert "https://news.example.org/vault" in str(spec)
        cookie = client.get("/admin/login").headers["set-cookie"]
        assert "fv_session=" in cookie and "secure" in cookie.lower()
    with app_client(web_vault, WebSettings()) as client:
        cookie = client.get("/admin/login").headers["set-cookie"]
        assert "secure" not in cookie.lower()


def test_forwarded_headers_only_from_trusted_proxies(web_vault: WebVault) -> None:
    web = WebSettings(trusted_proxies=("127.0.0.1", "10.1.0.0/16"))
    forwarded = {"x-forwarded-proto": "https", "x-forwarded-host": "feeds.example.net"}
    with app_client(web_vault, web, peer=("10.1.2.3", 4000)) as client:
        links = atom_links(client, forwarded)
        assert any(h.startswith("https://feeds.example.net/feeds/edited") for h in links)
        links = atom_links(client, {"forwarded": 'for=192.0.2.60;proto=https;host="a.example"'})
        assert any(h.startswith("https://a.example/") for h in links)
        assert "secure" in client.get("/admin/login", headers=forwarded
                                      ).headers["set-cookie"].lower()
    with app_client(web_vault, web, peer=("192.0.2.7", 4000)) as client:  # not a proxy
        links = atom_links(client, forwarded)
        assert not any("feeds.example.net" in h for h in links)


def _login(client: TestClient, password: str, headers: dict[str, str] | None = None) -> int:
    csrf = csrf_of(client.get("/admin/login").text)
    response = client.post("/admin/login", headers=headers,
                           data={"csrf": csrf, "password": password, "next": "/admin"})
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) > 0
        assert "Too many failed logins" in response.text
    return int(response.status_code)


def test_failed_logins_throttled_per_client(web_vault: WebVault) -> None:
    with app_client(web_vault, WebSettings(login_failures=3)) as client:
        assert [_login(client, "wrong guess") for _ in range(3)] == [403, 403, 403]
        assert _login(client, "wrong guess") == 429
        assert _login(client, PASSWORD) == 429  # even the right one waits
    with app_client(web_vault, WebSettings(login_failures=3), peer=("127.0.0.2", 1)) as other:
        assert _login(other, PASSWORD) == 303  # another client is not locked out


def test_failed_logins_throttled_per_account(web_vault: WebVault) -> None:
    """Guesses spread over many addresses (behind a trusted proxy) still run into a limit."""
    web = WebSettings(trusted_proxies=("127.0.0.1",), login_failures=2)
    with app_client(web_vault, web) as client:
        codes = [_login(client, "wrong guess", {"x-forwarded-for": f"198.51.100.{i}"})
                 for i in range(9)]
        assert codes[:8] == [403] * 8 and codes[8] == 429
        assert _login(client, PASSWORD, {"x-forwarded-for": "198.51.100.200"}) == 429


def test_throttle_window_passes() -> None:
    now = [1000.0]
    throttle = LoginThrottle(limit=2, window=60, clock=lambda: now[0])
    throttle.failed("a")
    now[0] += 30
    throttle.failed("a")
    assert throttle.retry_after("a") == 30
    now[0] += 30
    assert throttle.retry_after("a") is None  # the first failure left the window
    throttle.failed("a")
    throttle.succeeded("a")
    assert throttle.retry_after("a") is None
    assert re.fullmatch(r"\d+", str(LoginThrottle(1, 900).limit))
