"""The changes page, its Atom feed and /api/changes over a vault that saw real edits, an item
leaving its feed, a 404'd article and a return (a loopback site rewritten between updates)."""

from __future__ import annotations

import html
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from starlette.testclient import TestClient

from conftest import BACKENDS, HOSTILE_TITLE
from feedvault.config import Settings
from feedvault.parse import parse_feed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "changes"))
from site_server import Item, Site  # noqa: E402

A = "{http://www.w3.org/2005/Atom}"
BODY = {
    1: "<p>The harbour reopened to ships today after a week of storms.</p>",
    2: "<p>Prices of rice rose for a second month in the northern provinces.</p>",
    3: "<p>The old bridge is closed for repairs until the end of the summer.</p>",
    4: "<p>A new park opened by the river with gardens and a playground.</p>",
    5: "<p>The library extends its opening hours on weekends from June.</p>",
}
TITLE = {
    1: "Harbour reopens",
    2: "Rice prices rise",
    3: "Bridge closed",
    4: "Park opens",
    5: "Library hours extended",
}
EDITED_BODY = (
    "<p>The harbour reopened to ships on Tuesday after a fortnight of storms; "
    "ferries resume on Friday.</p>"
)


@dataclass
class ChangedSite:
    settings: Settings
    ids: dict[int, int]  # story number -> entry id


def publish(
    site: Site,
    numbers: list[int],
    titles: dict[int, str] | None = None,
    bodies: dict[int, str] | None = None,
) -> None:
    titles, bodies = {**TITLE, **(titles or {})}, {**BODY, **(bodies or {})}
    site.feed([Item(f"s{n}", titles[n], f"/s/{n}", n, bodies[n]) for n in numbers])
    for n in numbers:
        if f"/s/{n}" not in site.pages:
            site.page(f"/s/{n}", f"<h1>{titles[n]}</h1>{bodies[n]}")


def build(tmp: Path, db: str | None = None) -> ChangedSite:
    """Story 1 edited (retitled to a hostile title), 3 leaves the feed and comes back, 4 404s."""
    from feedvault.changes.origin import WatchPolicy
    from feedvault.changes.watch import run_origin_watch
    from feedvault.vault import open_vault

    site = Site()
    settings = Settings(db=db or str(tmp / "changes.db"), allow_networks=("127.0.0.0/8",))
    try:
        with open_vault(settings.db, settings=settings) as vault:
            publish(site, [1, 2, 3, 4, 5])
            vault.add_feed(site.url("/feed.xml"), slug="news")
            quiet = tmp / "quiet.xml"
            quiet.write_text(site.pages["/feed.xml"][2].decode().replace("s1", "q1"), "utf-8")
            vault.add_feed(str(quiet), slug="quiet", update=True)
            # RSS titles are HTML: escaped once more, the hostile title is kept as literal text.
            publish(site, [1, 2, 4, 5], {1: html.escape(HOSTILE_TITLE)}, {1: EDITED_BODY})
            site.page("/s/1", f"<h1>Harbour</h1>{EDITED_BODY}")  # edited there too
            site.status("/s/4", 404)
            vault.update(["news"])
            policy = WatchPolicy(window_days=100_000, max_checks=50, recheck_hours=0)
            run_origin_watch(
                vault.store, vault.fetcher, policy, rules=vault.rules, feed_id=vault.feed("news").id
            )
            publish(site, [1, 2, 3, 4, 5], {1: html.escape(HOSTILE_TITLE)}, {1: EDITED_BODY})
            vault.update(["news"])
            ids = {
                n: next(
                    e.id
                    for e in vault.entries("news", limit=None)
                    if e.link and e.link.endswith(f"/s/{n}")
                )
                for n in (1, 3, 4)
            }
    finally:
        site.close()
    return ChangedSite(settings, ids)


@pytest.fixture(scope="module", params=BACKENDS)
def changed(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_db: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[ChangedSite]:
    tmp = tmp_path_factory.mktemp("changes")
    with pytest.MonkeyPatch.context() as mp, make_db(request.param, tmp) as db:
        mp.setenv("XDG_CONFIG_HOME", str(tmp / "config"))
        yield build(tmp, db)


@pytest.fixture
def web(changed: ChangedSite) -> Iterator[TestClient]:
    from feedvault.web import create_app

    with TestClient(create_app(settings=changed.settings), follow_redirects=False) as c:
        yield c


def kinds_in(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('class="item change ')[1:]]


def hrefs(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('<a class="title" href="')[1:]]


def test_page_lists_changes_newest_first_with_working_links(
    web: TestClient, changed: ChangedSite
) -> None:
    response = web.get("/changes")
    assert response.status_code == 200
    html = response.text
    assert kinds_in(html) == ["back", "gone", "gone", "edit"]  # return, origin 404, feed, edit
    today = datetime.now(tz=UTC).strftime("%Y-%m-%d")
    assert f'<h2 class="day"><time datetime="{today}">' in html
    assert "the page answers 404" in html and "left the feed while" in html
    assert "edited title, text" in html
    assert "not recorded by this storage backend" not in html
    ids = changed.ids
    links = hrefs(html)
    assert links == [
        f"/entries/{ids[3]}",
        f"/entries/{ids[4]}",
        f"/entries/{ids[3]}",
        f"/entries/{ids[1]}?a=1&amp;b=2",
    ]
    diff = web.get(f"/entries/{ids[1]}?a=1&b=2")
    assert diff.status_code == 200
    assert "Changes from version 1 to version 2" in diff.text and "<ins>" in diff.text
    for link in links[:3]:
        assert web.get(link).status_code == 200
    assert 'href="/changes">Changes</a>' in html  # the nav link


def test_filters(web: TestClient, changed: ChangedSite) -> None:
    assert kinds_in(web.get("/changes?kind=gone").text) == ["gone", "gone"]
    assert kinds_in(web.get("/changes?kind=edit&feed=news").text) == ["edit"]
    assert kinds_in(web.get("/changes?feed=quiet").text) == []
    assert "No changes." in web.get("/changes?since=2999-01-01").text
    today = datetime.now(tz=UTC).date().isoformat()
    assert len(kinds_in(web.get(f"/changes?since={today}").text)) == 4
    assert web.get("/changes?kind=deleted").status_code == 400
    assert web.get("/changes?since=yesterday").status_code == 400
    assert web.get("/changes?feed=nope").status_code == 404
    assert web.get("/changes.atom?kind=deleted").status_code == 400
    assert web.get("/api/changes?feed=nope").status_code == 404


def test_atom_is_valid_and_reads_back(web: TestClient, changed: ChangedSite) -> None:
    response = web.get("/changes.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    root = etree.fromstring(response.content)
    assert root.tag == A + "feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(A + name)) == 1, name
    assert root.find(A + "link[@rel='self']").get("href") == "http://testserver/changes.atom"
    entries = root.findall(A + "entry")
    assert len(entries) == 4
    for entry in entries:
        for name in ("id", "title", "updated", "link"):
            assert entry.find(A + name) is not None, name
    parsed = parse_feed(response.content, url="http://testserver/changes.atom")
    assert parsed.format == "atom10" and not parsed.warnings
    titles = [e.title for e in parsed.entries]
    assert titles == [
        "Back: Bridge closed",
        "Gone: Park opens",
        "Gone: Bridge closed",
        f"Edited: {HOSTILE_TITLE}",
    ]
    edit_link = parsed.entries[-1].link
    assert edit_link == f"http://testserver/entries/{changed.ids[1]}?a=1&b=2"
    assert web.get(edit_link).status_code == 200
    gone = parse_feed(web.get("/changes.atom?kind=gone&feed=news").content)
    assert [e.title for e in gone.entries] == ["Gone: Park opens", "Gone: Bridge closed"]
    assert "Gone" in gone.title and "news" in gone.title


def test_api_changes(web: TestClient, changed: ChangedSite) -> None:
    data = web.get("/api/changes").json()
    assert [(c["kind"], c["entry"]) for c in data] == [
        ("back", changed.ids[3]),
        ("gone", changed.ids[4]),
        ("gone", changed.ids[3]),
        ("edit", changed.ids[1]),
    ]
    for c in data:
        assert set(c) == {"kind", "entry", "feed", "title", "at", "evidence"}
        assert c["feed"] == "news" and c["at"].endswith("Z")
    assert data[1]["evidence"]["how"] == "origin" and data[1]["evidence"]["status"] == 404
    assert data[3]["title"] == HOSTILE_TITLE
    assert [c["kind"] for c in web.get("/api/changes?kind=back").json()] == ["back"]
    assert len(web.get("/api/changes?limit=2").json()) == 2
    doc = web.get("/api/openapi.json").json()
    assert "/api/changes" in doc["paths"]
    assert set(data[0]) == set(doc["components"]["schemas"]["Change"]["properties"])


def test_hostile_title_is_escaped_and_headers_set(web: TestClient) -> None:
    response = web.get("/changes")
    assert "<script>window.__xss" not in response.text
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in response.text
    assert 'onerror="window' not in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_chinese_labels(web: TestClient) -> None:
    html = web.get("/changes?lang=zh").text
    assert 'href="/changes">变更</a>' in html
    assert "已修改" in html and "已消失" in html and "已恢复" in html


def test_private_vault_needs_token(changed: ChangedSite) -> None:
    from dataclasses import replace

    from feedvault.vault import open_vault
    from feedvault.web import create_app
    from feedvault.web.security import new_api_token

    with open_vault(changed.settings.db, settings=changed.settings) as vault:
        token = new_api_token(vault.store)
    private = replace(changed.settings, raw={"web": {"private": True}})
    with TestClient(create_app(settings=private), follow_redirects=False) as c:
        assert c.get("/changes.atom").status_code == 401
        assert c.get("/api/changes").status_code == 401
        assert c.get("/changes").status_code == 303  # HTML: go and log in
        ok = c.get("/changes.atom", params={"token": token, "kind": "edit"})
        assert ok.status_code == 200
        self_link = etree.fromstring(ok.content).find(A + "link[@rel='self']").get("href")
        assert f"token={token}" in self_link and "kind=edit" in self_link
        bearer = {"Authorization": f"Bearer {token}"}
        assert len(c.get("/api/changes", headers=bearer).json()) == 4
