"""Edit and disappearance marks beside entries (issue #18 part 4): the entry page, the feed
page and the JSON API say "edited N times" / "gone since ...", linking to the evidence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from conftest import WebVault, rss

ITEMS = [
    ("w-3", "Newest story", "<p>three</p>", "Wed, 04 Jun 2025 08:00:00 GMT"),
    ("w-2", "Taken down", "<p>two</p>", "Tue, 03 Jun 2025 08:00:00 GMT"),
    ("w-1", "Oldest story", "<p>one</p>", "Mon, 02 Jun 2025 08:00:00 GMT"),
]


@pytest.fixture(scope="module")
def watched(web_vault: WebVault) -> dict[str, int]:
    """A feed whose middle item leaves while an older one stays (a removal), and whose
    newest item is edited twice."""
    from feedvault.vault import open_vault

    source = web_vault.tmp / "watched.xml"
    source.write_text(rss(ITEMS, "Watched"), "utf-8")
    with open_vault(web_vault.db) as vault:
        vault.add_feed(str(source), slug="watched", update=True)
        for body in ("<p>three, corrected</p>", "<p>three, corrected again</p>"):
            source.write_text(rss([(ITEMS[0][0], ITEMS[0][1], body, ITEMS[0][3]),
                                   ITEMS[2]], "Watched"), "utf-8")
            vault.update(["watched"])
        return {e.title: e.id for e in vault.entries("watched", limit=None)}


@pytest.fixture
def web(client: TestClient, watched: dict[str, int]) -> Iterator[TestClient]:
    yield client


def test_api_entries_carry_a_marks_summary(web: TestClient, watched: dict[str, int]) -> None:
    listed = {e["title"]: e for e in web.get("/api/feeds/watched/entries").json()["entries"]}
    gone = listed["Taken down"]["marks"]
    assert gone["gone_since"] and gone["gone_how"] == "feed" and gone["edits"] == 0
    assert gone["evidence"] == f"/entries/{watched['Taken down']}#marks"
    edited = listed["Newest story"]["marks"]
    assert edited["edits"] == 2 and edited["last_edit"] and edited["gone_since"] is None
    assert listed["Oldest story"]["marks"] == {
        "edits": 0, "last_edit": None, "gone_since": None, "gone_how": None,
        "evidence": f"/entries/{watched['Oldest story']}#marks"}
    one = web.get(f"/api/entries/{watched['Newest story']}").json()
    assert one["marks"]["edits"] == 2


def test_feed_page_shows_badges_linking_to_the_evidence(web: TestClient,
                                                         watched: dict[str, int]) -> None:
    page = web.get("/feeds/watched").text
    assert (f'<a class="badge mark kind-gone" href="/entries/{watched["Taken down"]}#marks">'
            "gone since ") in page
    assert (f'<a class="badge mark kind-edit" href="/entries/{watched["Newest story"]}#marks">'
            "edited 2 times</a>") in page
    assert page.count("badge mark") == 2
    zh = web.get("/feeds/watched?lang=zh").text
    assert "修改过 2 次" in zh and "起已消失" in zh


def test_entry_page_lists_the_marks_with_their_evidence(web: TestClient,
                                                        watched: dict[str, int]) -> None:
    page = web.get(f"/entries/{watched['Taken down']}").text
    assert 'href="#marks">gone since ' in page and "(noticed in the feed)" in page
    assert '<section class="marks" id="marks">' in page
    assert "left the feed while 1 older item(s) stayed" in page
    assert 'href="/changes?feed=watched"' in page
    edited = web.get(f"/entries/{watched['Newest story']}").text
    assert edited.count('<span class="badge kind-edit">Edited</span>') == 2
    assert "edited 2 times" in edited
    plain = web.get(f"/entries/{watched['Oldest story']}").text
    assert 'id="marks"' not in plain and "badge mark" not in plain


def test_openapi_describes_the_marks(web: TestClient) -> None:
    doc = web.get("/api/openapi.json").json()
    assert doc["components"]["schemas"]["Entry"]["properties"]["marks"] == {
        "$ref": "#/components/schemas/Marks"}
    assert "gone_since" in doc["components"]["schemas"]["Marks"]["properties"]


def test_entry_page_shows_the_latest_marks_of_many(web: TestClient, watched: dict[str, int],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from feedvault.web import entrymarks

    monkeypatch.setattr(entrymarks, "SHOWN", 1)
    page = web.get(f"/entries/{watched['Newest story']}").text
    assert "<h2>Changes (2)</h2>" in page
    assert page.count('<span class="badge kind-edit">Edited</span>') == 1
