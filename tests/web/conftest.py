"""Fixtures for the web app: a vault built from real corpus feeds plus two local feeds, one
with an edited article (two versions) and one with hostile titles and bodies."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from fv_testpaths import CORPUS

# The backends this run covers, decided as tests/conftest.py decides them for `db_url`.
BACKENDS = [
    b.strip()
    for b in os.environ.get("FEEDVAULT_TEST_BACKENDS", "sqlite,postgres").split(",")
    if b.strip()
]

PASSWORD = "correct horse battery"
HOSTILE_TITLE = '</title><script>window.__xss=1</script>"\'><img src=x onerror="window.__xss=2">'
HOSTILE_BODY = (
    '<p>body<script>window.__xss=3</script></p><img src=x onerror="window.__xss=4">'
    '<a href="javascript:window.__xss=5">click</a><svg onload="window.__xss=6"></svg>'
    '<iframe src="javascript:window.__xss=7"></iframe>'
)


def rss(items: list[tuple[str, str, str, str]], title: str = "Local test feed") -> str:
    """An RSS 2.0 document; items are (guid, title, description-html, pubDate)."""
    from xml.sax.saxutils import escape

    body = "".join(
        f'<item><guid isPermaLink="false">{escape(g)}</guid><title>{escape(t)}</title>'
        f"<link>https://example.org/{escape(g)}</link><description>{escape(d)}</description>"
        f"<pubDate>{p}</pubDate></item>"
        for g, t, d, p in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link>{body}"
        f"</channel></rss>"
    )


def atom(entries: list[tuple[str, str, str, str]], title: str) -> str:
    """An Atom 1.0 document with type="text" titles (kept literally, markup and all)."""
    from xml.sax.saxutils import escape

    body = "".join(
        f'<entry><id>urn:test:{escape(i)}</id><title type="text">{escape(t)}</title>'
        f'<link href="https://example.org/{escape(i)}"/><updated>{u}</updated>'
        f'<content type="html">{escape(c)}</content></entry>'
        for i, t, c, u in entries
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>'
        f'<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:test:feed</id>'
        f'<title type="text">{escape(title)}</title><updated>2025-06-03T08:00:00Z</updated>'
        f"{body}</feed>"
    )


EDIT_V1 = "<p>芬太尼危机：美国官员周一表示，新的管制措施将在三月生效。The first draft.</p>"
EDIT_V2 = "<p>芬太尼危机：美国官员周二表示，新的管制措施将在四月生效。The second draft.</p>"


def edited_feed(body: str) -> str:
    return rss(
        [
            ("edit-1", "芬太尼管制新规", body, "Mon, 02 Jun 2025 08:00:00 GMT"),
            ("keep-1", "Unchanged story", "<p>Same.</p>", "Sun, 01 Jun 2025 08:00:00 GMT"),
        ],
        "Edited feed",
    )


@dataclass
class WebVault:
    db: str
    tmp: Path
    edited_id: int
    hostile_id: int
    chinese_slug: str


def _entry_id(vault: object, slug: str, title_part: str) -> int:
    from feedvault.vault import Vault

    assert isinstance(vault, Vault)
    for entry in vault.entries(slug, limit=None):
        if title_part in entry.title:
            return entry.id
    raise AssertionError(f"no entry {title_part!r} in {slug}")


def build_vault(tmp: Path, db: str) -> WebVault:
    from feedvault.vault import open_vault

    edited = tmp / "edited.xml"
    edited.write_text(edited_feed(EDIT_V1), "utf-8")
    hostile = tmp / "hostile.xml"
    hostile.write_text(
        atom([("x-1", HOSTILE_TITLE, HOSTILE_BODY, "2025-06-03T08:00:00Z")], HOSTILE_TITLE), "utf-8"
    )
    with open_vault(db) as vault:
        zh = vault.add_feed(str(CORPUS / "feeds" / "zh" / "dw-chinese-1.xml"), update=True)
        vault.add_feed(str(CORPUS / "feeds" / "en" / "bbc-1.xml"), update=True)
        vault.add_feed(str(edited), slug="edited", update=True)
        edited.write_text(edited_feed(EDIT_V2), "utf-8")
        vault.update(["edited"])
        vault.add_feed(str(hostile), slug="hostile", update=True)
        from feedvault.web import set_admin_password

        set_admin_password(vault, PASSWORD)
        return WebVault(
            db,
            tmp,
            _entry_id(vault, "edited", "芬太尼"),
            _entry_id(vault, "hostile", "script"),
            zh.slug,
        )


@pytest.fixture(scope="module", params=BACKENDS)
def web_vault(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_db: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[WebVault]:
    """One vault per backend and test module (the admin tests add to it)."""
    tmp = tmp_path_factory.mktemp("web")
    with make_db(request.param, tmp) as db:
        yield build_vault(tmp, db)


@pytest.fixture
def client(web_vault: WebVault) -> Iterator[TestClient]:
    from feedvault.web import create_app

    with TestClient(create_app(web_vault.db), follow_redirects=False) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


def login(client: TestClient) -> str:
    """Log in as the admin; return the (new) CSRF token of the session."""
    token = csrf_of(client.get("/admin/login").text)
    response = client.post(
        "/admin/login", data={"csrf": token, "password": PASSWORD, "next": "/admin"}
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/admin").text)


@pytest.fixture
def admin_client(client: TestClient) -> tuple[TestClient, str]:
    return client, login(client)
