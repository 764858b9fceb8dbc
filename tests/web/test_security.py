"""CSP everywhere, CSRF, admin-only changes, no open redirect, escaping, private mode."""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from conftest import HOSTILE_TITLE, WebVault, csrf_of, login

PATHS = ["/", "/feeds/edited", "/feeds/edited.atom", "/entries/1", "/search?q=x",
         "/search.atom?q=x", "/api/feeds", "/api/entries/999999", "/api/openapi.json",
         "/no-such-page", "/admin", "/admin/login", "/static/style.css", "/static/app.js",
         "/static/missing.js", "/lang?set=xx", "/feeds/edited?page=abc"]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_has_strict_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    for rule in ("default-src 'self'", "script-src 'self'", "object-src 'none'",
                 "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"):
        assert rule in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]


def test_post_responses_have_headers_too(client: TestClient) -> None:
    response = client.post("/admin/feeds", data={"url": "x"})
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_no_inline_script_anywhere(client: TestClient, web_vault: WebVault) -> None:
    for path in ("/", f"/entries/{web_vault.hostile_id}", "/admin/login"):
        text = client.get(path).text
        assert text.count("<script") == 1 and '<script src="/static/app.js"' in text
        assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", text, re.I)  # no handler attrs


def test_forms_without_csrf_are_refused(client: TestClient) -> None:
    login(client)
    for path, data in [("/admin/feeds", {"url": "https://example.org/feed"}),
                       ("/admin/private", {"private": "1"}), ("/admin/token", {}),
                       ("/admin/feeds/edited", {"interval": "600"}),
                       ("/admin/login", {"password": "x"}), ("/admin/logout", {})]:
        assert client.post(path, data=data).status_code == 403, path
        assert client.post(path, data={**data, "csrf": "forged"}).status_code == 403, path
    assert client.get("/admin").status_code == 200  # still logged in: logout was refused


def test_admin_pages_and_actions_refused_without_login(client: TestClient) -> None:
    page = client.get("/admin")
    assert page.status_code == 303 and page.headers["location"].startswith("/admin/login")
    assert client.get("/admin/feeds/edited").status_code == 303
    token = csrf_of(client.get("/admin/login").text)  # a real token, but no admin session
    refused = client.post("/admin/feeds", data={"csrf": token, "url": "https://example.org/"})
    assert refused.status_code == 403
    assert client.post("/admin/private", data={"csrf": token, "private": "1"}).status_code == 403


def test_wrong_password_is_refused(client: TestClient) -> None:
    token = csrf_of(client.get("/admin/login").text)
    bad = client.post("/admin/login", data={"csrf": token, "password": "wrong password"})
    assert bad.status_code == 403 and "Wrong password" in bad.text
    assert client.get("/admin").status_code == 303


def test_session_cookie_is_signed_httponly_samesite(client: TestClient) -> None:
    header = client.get("/admin/login").headers["set-cookie"].lower()
    assert "fv_session=" in header and "httponly" in header and "samesite=lax" in header
    login(client)
    cookie = client.cookies.get("fv_session")
    assert cookie and client.get("/admin").status_code == 200
    body, mac = cookie.rsplit(".", 1)
    client.cookies.clear()
    client.cookies.set("fv_session", body + "." + ("A" if mac[0] != "A" else "B") + mac[1:])
    assert client.get("/admin").status_code == 303  # tampered: no session at all


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)", "\\\\evil",
                                    "/%0d%0aLocation: https://evil.example"])
def test_no_open_redirect(client: TestClient, target: str) -> None:
    switched = client.get("/lang", params={"set": "zh", "next": target})
    assert switched.status_code == 303
    location = switched.headers["location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "evil" not in location or location.startswith("/%")
    token = csrf_of(client.get("/admin/login").text)
    from conftest import PASSWORD

    logged = client.post("/admin/login", data={"csrf": token, "password": PASSWORD,
                                               "next": target})
    assert logged.status_code == 303
    location = logged.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "\r" not in location and "\n" not in location


def test_hostile_title_escaped_in_title_attributes_and_json(client: TestClient,
                                                            web_vault: WebVault) -> None:
    page = client.get(f"/entries/{web_vault.hostile_id}").text
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<script" not in title and "&lt;/title&gt;&lt;script&gt;" in title
    assert "<script>window.__xss" not in page
    assert "<img src=x" not in page and 'onerror="window' not in page
    feed_page = client.get("/feeds/hostile").text
    alt = feed_page.split('rel="alternate"', 1)[1].split(">", 1)[0]
    assert "&#34;" in alt or "&quot;" in alt  # the quote in the name cannot end the attribute
    data = client.get(f"/api/entries/{web_vault.hostile_id}")
    assert data.headers["content-type"].startswith("application/json")
    assert json.loads(data.text)["title"] == HOSTILE_TITLE  # JSON carries it, as data
    assert "<script" not in json.loads(data.text)["content_html"]


def test_private_mode_needs_token_for_api_and_atom(client: TestClient) -> None:
    csrf = login(client)
    assert client.post("/admin/private", data={"csrf": csrf, "private": "1"}).status_code == 303
    made = client.post("/admin/token", data={"csrf": csrf})
    flash = client.get(made.headers["location"]).text
    token = flash.split("(shown once): ", 1)[1].split("<", 1)[0].strip()
    try:
        client.post("/admin/logout", data={"csrf": csrf})
        assert client.get("/api/feeds").status_code == 401
        assert client.get("/feeds/edited.atom").status_code == 401
        assert client.get("/").status_code == 303  # HTML: go and log in
        assert client.get("/api/feeds", params={"token": "wrong"}).status_code == 401
        assert client.get("/api/feeds", params={"token": token}).status_code == 200
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/feeds/edited.atom", headers=bearer).status_code == 200
        assert client.get("/admin/login").status_code == 200  # the way in stays open
    finally:
        csrf = login(client)
        client.post("/admin/private", data={"csrf": csrf})
    assert client.get("/api/feeds").status_code == 200
