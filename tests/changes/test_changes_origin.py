"""The origin watch on loopback: each way an article can disappear, and a network failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from site_server import Site

from feedvault.changes.origin import OriginTarget, OriginWatch, WatchPolicy
from feedvault.fetch import Fetcher, FetchPolicy
from feedvault.timeutil import now_utc, to_ms

STORY = (
    "<p>Rescue teams reached the village late on Sunday after the landslide cut the road.</p>"
    "<p>Three people are still missing, the regional governor told reporters.</p>"
)
OTHER = "<p>The football club announced a new coach for the coming season on Friday.</p>"


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FetchPolicy(timeout=3.0, allow_networks=("127.0.0.0/8",))) as f:
        yield f


def verdicts(site: Site, fetcher: Fetcher, paths: list[str]) -> dict[str, tuple[str, str]]:
    targets = [
        OriginTarget(i, site.url(p), "Landslide " + STORY.replace("<p>", " ").replace("</p>", " "),
                     "news", site.url("/"))
        for i, p in enumerate(paths)
    ]
    watch = OriginWatch(fetcher, WatchPolicy())
    found = watch.check(targets, lambda: to_ms(now_utc()))
    return {paths[v.entry_id]: (v.verdict, v.reason) for v in found}


def test_every_kind_of_disappearance(site: Site, fetcher: Fetcher) -> None:
    site.page("/same", f"<h1>Landslide</h1>{STORY}")
    site.page("/summary-only", f"<h1>Landslide</h1>{STORY}<p>More paragraphs here.</p>" * 2)
    site.page("/other", f"<h1>New coach</h1>{OTHER}")
    site.redirect("/to-other", site.url("/other"))
    site.redirect("/to-front", site.url("/"), 302)
    site.redirect("/moved", site.url("/same"), 308)
    site.page("/rewritten", f"<h1>Landslide</h1>{OTHER}")
    site.status("/removed", 410)
    site.status("/flaky", 500)
    got = verdicts(site, fetcher, [
        "/same", "/summary-only", "/to-other", "/to-front", "/moved", "/rewritten",
        "/missing", "/removed", "/flaky",
    ])
    assert got == {
        "/same": ("ok", "present"),
        "/summary-only": ("ok", "present"),
        "/to-other": ("gone", "other_article"),
        "/to-front": ("gone", "front_page"),
        "/moved": ("ok", "moved"),
        "/rewritten": ("gone", "text_missing"),
        "/missing": ("gone", "not_found"),
        "/removed": ("gone", "not_found"),
        "/flaky": ("unknown", got["/flaky"][1]),
    }
    assert "500" in got["/flaky"][1]


def test_politeness_limits_per_host(site: Site) -> None:
    policy = FetchPolicy(timeout=3.0, allow_networks=("127.0.0.0/8",), per_host=1)
    paths = [f"/p{i}" for i in range(6)]
    for p in paths:
        site.page(p, STORY)
    with Fetcher(policy) as fetcher:
        got = verdicts(site, fetcher, paths)
    assert set(got.values()) == {("ok", "present")}
    assert sorted(site.hits) == sorted(paths)
