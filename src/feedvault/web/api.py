"""The read-only JSON API under /api/ and its OpenAPI 3.1 description."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from feedvault.shapes import entry_json, feed_json, version_json
from feedvault.web.context import Ctx
from feedvault.web.entrymarks import marks_json, summaries
from feedvault.web.guard import feed_reader, json_response
from feedvault.web.media import version_links
from feedvault.web.openapi import openapi_document
from feedvault.web.views import int_param, path_id

MAX_LIMIT = 500
MAX_OFFSET = 10**12


def _limit(ctx: Ctx, default: int = 50) -> int:
    return int_param(ctx.request.query_params.get("limit"), "limit", default=default, low=1,
                     high=MAX_LIMIT)


def api_feeds(ctx: Ctx) -> Response:
    return json_response({"feeds": [feed_json(f, web=True) for f in ctx.vault.feeds()]})


def api_feed(ctx: Ctx) -> Response:
    return json_response(feed_json(ctx.vault.feed(ctx.request.path_params["slug"]), web=True))


def api_feed_entries(ctx: Ctx) -> Response:
    feed = ctx.vault.feed(ctx.request.path_params["slug"])
    limit = _limit(ctx)
    offset = int_param(ctx.request.query_params.get("offset"), "offset", default=0, low=0,
                       high=MAX_OFFSET)
    rows = ctx.vault.entries(feed.slug, limit=limit + 1, offset=offset)
    marks = summaries(ctx, [e.id for e in rows[:limit]])
    return json_response({
        "feed": feed.slug, "offset": offset, "limit": limit, "has_next": len(rows) > limit,
        "entries": [{**entry_json(e, web=True, content=False),
                     "marks": marks_json(marks.get(e.id), e.id)} for e in rows[:limit]],
    })


def api_entry(ctx: Ctx) -> Response:
    entry = ctx.vault.entry(path_id(ctx.request.path_params["entry_id"]))
    current = entry.versions[-1:]  # the newest version is the current one
    links = version_links(ctx, current)
    media = links.get(current[0].id, []) if current else []
    marks = marks_json(summaries(ctx, [entry.id]).get(entry.id), entry.id)
    return json_response({**entry_json(entry, web=True, media=media), "marks": marks})


def api_versions(ctx: Ctx) -> Response:
    entry = ctx.vault.entry(path_id(ctx.request.path_params["entry_id"]))
    raw = ctx.request.query_params.get("raw") in ("1", "true")
    links = version_links(ctx, entry.versions)
    return json_response({"entry": entry.id, "versions": [
        version_json(v, web=True, raw=raw, media=links.get(v.id, [])) for v in entry.versions]})


def api_openapi(ctx: Ctx) -> Response:
    return json_response(openapi_document(ctx.base_url))


routes = [
    Route("/api/openapi.json", feed_reader(api_openapi), name="api_openapi"),
    Route("/api/feeds", feed_reader(api_feeds), name="api_feeds"),
    Route("/api/feeds/{slug}", feed_reader(api_feed), name="api_feed"),
    Route("/api/feeds/{slug}/entries", feed_reader(api_feed_entries), name="api_feed_entries"),
    Route("/api/entries/{entry_id:int}", feed_reader(api_entry), name="api_entry"),
    Route("/api/entries/{entry_id:int}/versions", feed_reader(api_versions),
          name="api_versions"),
]
