"""Numbers a client can type into any route: too large for the database, negative, not
numbers at all. Each gets a 400 naming the parameter or a 404, never a 500."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from conftest import WebVault

HUGE = "99999999999999999999"  # above SQLite's and PostgreSQL's largest integer
BAD_NUMBERS = [HUGE, "-1", "0", "abc", "1e3", "٣", " 7", "9" * 400]


def _paths(web_vault: WebVault) -> list[tuple[str, str | None]]:
    """(path, the parameter a 400 must name; None where only 404 makes sense)."""
    slug, entry = "edited", web_vault.edited_id
    out: list[tuple[str, str | None]] = [
        (f"/entries/{HUGE}", None),
        (f"/entries/{HUGE}/versions/1/source", None),
        (f"/entries/{entry}/versions/{HUGE}/source", None),
        (f"/api/entries/{HUGE}", None),
        (f"/api/entries/{HUGE}/versions", None),
        (f"/entries/{entry}?a={HUGE}&b=-1", None),
    ]
    for value in BAD_NUMBERS:
        out += [
            (f"/feeds/{slug}?page={value}", "page"),
            (f"/feeds/{slug}.atom?page={value}", "page"),
            (f"/search?q=news&page={value}", "page"),
            (f"/search.atom?q=news&page={value}", "page"),
            (f"/api/search?q=news&page={value}", "page"),
            (f"/api/search?q=news&limit={value}", "limit"),
            (f"/changes?page={value}", "page"),
            (f"/api/changes?limit={value}", "limit"),
            (f"/api/feeds/{slug}/entries?limit={value}", "limit"),
        ]
        if value != "0":
            out.append((f"/api/feeds/{slug}/entries?offset={value}", "offset"))
    return out


def test_every_numeric_parameter_is_checked(client: TestClient, web_vault: WebVault) -> None:
    failures = []
    for path, name in _paths(web_vault):
        response = client.get(path)
        wanted = {404} if name is None else {400}
        if path.startswith(f"/entries/{web_vault.edited_id}?"):
            wanted = {200}  # unknown versions to compare: the entry without a diff
        if response.status_code not in wanted or (name and name not in response.text):
            failures.append((path[:80], response.status_code, response.text[:120]))
    assert not failures


def test_good_numbers_still_work(client: TestClient) -> None:
    assert client.get("/feeds/edited?page=1").status_code == 200
    data = client.get("/api/feeds/dw-chinese-1/entries?limit=5&offset=3").json()
    assert data["offset"] == 3 and len(data["entries"]) == 5


@pytest.mark.parametrize("interval", [HUGE, "²", "-60", "60.5", "abc"])
def test_admin_interval_is_a_plain_number(admin_client: tuple[TestClient, str],
                                          interval: str) -> None:
    client, csrf = admin_client
    response = client.post("/admin/feeds/edited", data={"csrf": csrf, "interval": interval})
    assert response.status_code == 400 and "interval" in response.text
