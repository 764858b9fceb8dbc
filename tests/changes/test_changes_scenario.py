"""Edits, retitles, moves, deletions and a restore on a loopback site, through a real vault."""

from __future__ import annotations

import json
from typing import Any

from site_server import Item, Site

from feedvault.changes.backend import changes_api
from feedvault.changes.origin import WatchPolicy
from feedvault.changes.watch import run_origin_watch
from feedvault.shapes import change_json

TEXT = {
    1: "<p>The council approved the new budget on Monday after a long debate.</p>"
    '<p><img src="/img/1.jpg" alt="Council" width="600"> Members voted <b>12 to 3</b>.</p>',
    2: "<p>Floods closed the river road for a third day, officials said on Tuesday.</p>"
    "<p>Residents were told to avoid the lower town until the water goes down.</p>",
    3: "<p>The museum will reopen its east wing in June after two years of repairs.</p>",
    4: "<p>A new rail line will link the airport with the city centre by next spring.</p>",
    5: "<p>The minister resigned after reports about his use of public funds.</p>"
    "<p>He denied any wrongdoing in a short statement to reporters.</p>",
    6: "<p>Schools in the north will start the term a week later because of the heat.</p>",
}
TITLES = {
    1: "Council approves budget",
    2: "Floods close river road",
    3: "Museum east wing to reopen",
    4: "Airport rail line announced",
    5: "Minister resigns over funds",
    6: "Northern schools delay term",
}


def items(**overrides: Any) -> list[Item]:
    out = []
    for n in range(1, 7):
        base = {"guid": f"story-{n}", "title": TITLES[n], "path": f"/a/{n}",
                "hours_ago": n * 3, "body": TEXT[n]}
        base.update(overrides.get(f"a{n}", {}))
        if base.pop("drop", False):
            continue
        out.append(Item(**base))
    return out


def publish(site: Site, feed_items: list[Item]) -> None:
    site.feed(feed_items)
    for it in feed_items:
        if it.path not in site.pages:
            site.page(it.path, f"<h1>{it.title}</h1>{it.body}")


def marks(vault: Any) -> list[tuple[str, str, str]]:
    rows = vault.store.conn.execute(
        "SELECT v.title, m.kind, m.how FROM marks m JOIN entries e ON e.id = m.entry_id "
        "JOIN versions v ON v.entry_id = e.id AND v.seq = 1 ORDER BY m.id"
    )
    return [tuple(r) for r in rows]


def versions(vault: Any) -> dict[str, int]:
    return {e.title: e.version_count for e in vault.entries(limit=None)}


# The item as a re-rendering CMS sends it: other whitespace, attribute order, tracking params.
NOISY_1 = (
    "\n  <p>The council approved the new budget on Monday\n   after a long debate.</p>\n"
    '<p><img width="600" alt="Council" src="/img/1.jpg?utm_source=rss&amp;utm_medium=feed">'
    "  Members voted <b>12 to 3</b>.  </p>\n"
)


def test_edits_moves_deletions_and_restores(site: Site, wired: Any) -> None:
    vault = wired
    publish(site, items())
    vault.add_feed(site.url("/feed.xml"), slug="news")
    assert sum(versions(vault).values()) == 6 and marks(vault) == []

    # Between updates: an edit, a retitle, a move, a deletion and pure re-render noise.
    edited = TEXT[2].replace("third day", "fourth day").replace("officials said", "police said")
    moved = {"path": "/new/4"}
    publish(site, items(
        a1={"body": NOISY_1},
        a2={"body": edited},
        a3={"title": "Museum east wing reopens in July"},
        a4=moved,
        a5={"drop": True},
    ))
    site.redirect("/a/4", site.url("/new/4"))
    site.status("/a/5", 404)
    site.redirect("/a/6", site.url("/"), 302)
    [result] = vault.update()
    assert (result.status, result.changed) == ("ok", 3), result

    assert versions(vault) == {
        TITLES[1]: 1,  # the re-render is not an edit
        TITLES[2]: 2,
        "Museum east wing reopens in July": 2,
        TITLES[4]: 2,
        TITLES[5]: 1,
        TITLES[6]: 1,
    }
    assert marks(vault) == [
        (TITLES[2], "edit", "feed"),
        (TITLES[3], "edit", "feed"),
        (TITLES[4], "edit", "feed"),
        (TITLES[5], "gone", "feed"),
    ]
    edits = {c.title: c.evidence for c in changes_api(vault.store).list_changes(kind="edit")}
    assert edits["Museum east wing reopens in July"]["fields"] == ["title"]
    assert edits[TITLES[4]]["fields"] == ["link"]
    assert edits[TITLES[2]]["fields"] == ["text"]
    assert edits[TITLES[2]]["size"] == len("thirdofficials") + len("fourthpolice")

    policy = WatchPolicy(window_days=100_000, max_checks=50, recheck_hours=0)
    report = run_origin_watch(vault.store, vault.fetcher, policy, rules=vault.rules)
    assert report.checked == 6 and report.unknown == 0
    found = changes_api(vault.store).list_changes()
    origin = {c.title: c.evidence for c in found if c.how == "origin"}
    assert set(origin) == {TITLES[5], TITLES[6]}
    assert origin[TITLES[5]]["status"] == 404 and origin[TITLES[5]]["reason"] == "not_found"
    assert origin[TITLES[6]]["reason"] == "front_page"
    assert origin[TITLES[6]]["final_url"] == site.url("/")

    # The deleted story comes back, in the feed and on its page; the redirect is lifted.
    publish(site, items(a1={"body": NOISY_1}, a2={"body": edited},
                        a3={"title": "Museum east wing reopens in July"}, a4=moved))
    site.page("/a/5", f"<h1>{TITLES[5]}</h1>{TEXT[5]}")
    site.page("/a/6", f"<h1>{TITLES[6]}</h1>{TEXT[6]}")
    [result] = vault.update()
    assert (result.new, result.changed) == (0, 0)
    run_origin_watch(vault.store, vault.fetcher, policy, rules=vault.rules)

    # One watch run fetches in parallel: its marks follow the order the answers came in.
    found = marks(vault)
    assert found[:4] + found[6:7] == [
        (TITLES[2], "edit", "feed"),
        (TITLES[3], "edit", "feed"),
        (TITLES[4], "edit", "feed"),
        (TITLES[5], "gone", "feed"),
        (TITLES[5], "back", "feed"),
    ]
    assert sorted(found[4:6]) == [(TITLES[5], "gone", "origin"), (TITLES[6], "gone", "origin")]
    assert sorted(found[7:]) == [(TITLES[5], "back", "origin"), (TITLES[6], "back", "origin")]
    assert sum(versions(vault).values()) == 9  # nothing was ever deleted

    # A third identical update notices nothing new.
    vault.update()
    assert len(marks(vault)) == 9
    out = [change_json(c) for c in changes_api(vault.store).list_changes(kind="gone")]
    assert {o["title"] for o in out} == {TITLES[5], TITLES[6]}
    json.dumps(out)
