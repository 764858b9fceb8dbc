"""Reading pages: the feed list, one feed, one entry with its versions, diffs and sources."""

from __future__ import annotations

from datetime import UTC, date, datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedvault.errors import EntryNotFound
from feedvault.models import EntryVersion, Feed
from feedvault.web import security
from feedvault.web.context import Ctx, make_ctx
from feedvault.web.entrymarks import entry_marks, summaries
from feedvault.web.guard import error_page, page, web_state
from feedvault.web.i18n import LANGS
from feedvault.web.media import entry_content
from feedvault.web.textdiff import diff_text, has_changes
from feedvault.web.views import (
    CHART_DAYS,
    Chart,
    chart_bars,
    day_groups,
    fmt_dt,
    page_number,
    path_id,
)

PAGE_SIZE = 50


def feeds_index(ctx: Ctx) -> Response:
    feeds = ctx.vault.feeds()
    charts = {f.id: _chart(ctx, f) for f in feeds}
    return ctx.render("feeds.html", feeds=feeds, charts=charts, fmt_dt=fmt_dt)


def _chart(ctx: Ctx, feed: Feed) -> Chart:
    """Kept while the feed's entry count and last update stay the same (and a few minutes at
    most): counting a quiet feed's days reads all its entries, 3 ms for 10,000 of them."""
    today = datetime.now(tz=UTC).date()
    key = (feed.id, feed.entry_count, feed.last_updated, today)
    return ctx.state.charts.get(key, lambda: _count_chart(ctx, feed))


def _count_chart(ctx: Ctx, feed: Feed) -> Chart:
    """The last 30 days; for a feed quiet that long, the 30 days up to its newest entry."""
    counts = ctx.vault.store.daily_counts(feed.id, CHART_DAYS)
    if counts or not feed.entry_count:
        return chart_bars(counts)
    counts = ctx.vault.store.daily_counts(feed.id, 100 * 365)
    if not counts:
        return chart_bars(counts)
    return chart_bars(counts, today=date.fromisoformat(counts[-1][0]))


def feed_page(ctx: Ctx) -> Response:
    feed = ctx.vault.feed(ctx.request.path_params["slug"])
    number = page_number(ctx.request.query_params.get("page"))
    rows = ctx.vault.entries(feed.slug, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    return ctx.render(
        "feed.html",
        feed=feed,
        groups=day_groups(rows[:PAGE_SIZE]),
        marks=summaries(ctx, [e.id for e in rows[:PAGE_SIZE]]),  # edited / gone badges
        number=number,
        has_next=len(rows) > PAGE_SIZE,
        fmt_dt=fmt_dt,
    )


def _pick(versions: tuple[EntryVersion, ...], value: str | None) -> EntryVersion | None:
    if value is None:
        return None
    for version in versions:
        if str(version.seq) == value:
            return version
    return None


def entry_page(ctx: Ctx) -> Response:
    entry = ctx.vault.entry(path_id(ctx.request.path_params["entry_id"]))
    versions = entry.versions
    params = ctx.request.query_params
    old, new = _pick(versions, params.get("a")), _pick(versions, params.get("b"))
    if old is None and new is None and len(versions) > 1 and "a" not in params:
        old, new = versions[-2], versions[-1]  # show the latest change by default
    segments = diff_text(old.text, new.text) if old and new else None
    feed = ctx.vault.feed(entry.feed_slug)
    return ctx.render(
        "entry.html",
        entry=entry,
        content=entry_content(ctx, entry),  # images from the vault (web/media.py)
        snapshots=ctx.vault.store.media.snapshots(entry.id),  # article pages kept
        marks=entry_marks(ctx, entry.id),  # (count, the latest edits, gone and back)
        summary=summaries(ctx, [entry.id]).get(entry.id),
        feed=feed,
        versions=versions,
        old=old,
        new=new,
        segments=segments,
        changed=bool(segments and has_changes(segments)),
        fmt_dt=fmt_dt,
    )


def source_page(ctx: Ctx) -> Response:
    entry_id = path_id(ctx.request.path_params["entry_id"])
    entry = ctx.vault.entry(entry_id)
    version = _pick(entry.versions, str(ctx.request.path_params["seq"]))
    if version is None:
        raise EntryNotFound(f"{entry_id}/{ctx.request.path_params['seq']}")
    return ctx.render("source.html", entry=entry, version=version, fmt_dt=fmt_dt)


def switch_lang(request: Request) -> Response:
    """GET /lang?set=zh&next=/path: remember the language, go back (same site only)."""
    ctx = make_ctx(request, web_state(request))
    chosen = request.query_params.get("set", "")
    if chosen not in LANGS:
        return error_page(ctx, 400, "unknown language")
    ctx.set_lang = chosen
    target = security.safe_next(request.query_params.get("next"))
    return ctx.finish(RedirectResponse(target, status_code=303))


routes = [
    Route("/", page(feeds_index), name="feeds"),
    Route("/feeds/{slug}", page(feed_page), name="feed"),
    Route("/entries/{entry_id:int}", page(entry_page), name="entry"),
    Route("/entries/{entry_id:int}/versions/{seq:int}/source", page(source_page), name="source"),
    Route("/lang", switch_lang, name="lang"),
]
