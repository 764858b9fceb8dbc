"""Atom feeds of the archive's own views: all entries, any feed page and any search."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from feedvault.export.atom import AtomFeedInfo, entry_urn, write_atom
from feedvault.models import Entry
from feedvault.web.context import Ctx
from feedvault.web.guard import feed_reader
from feedvault.web.media import absolute_content
from feedvault.web.views import page_number

PAGE_SIZE = 50
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def _abs(ctx: Ctx, path: str, query: dict[str, str]) -> str:
    return ctx.base_url + path + ("?" + urlencode(query) if query else "")


def atom_response(ctx: Ctx, title: str, entries: list[Entry], html_path: str,
                  query: dict[str, str], number: int, has_next: bool) -> Response:
    """Write one page of entries; RFC 5005 links reach the rest of the history."""
    atom_path = html_path + ".atom" if html_path != "/" else "/index.atom"
    token = ctx.request.query_params.get("token")
    feed_query = {**query, **({"token": token} if token else {})}
    links: dict[str, str] = {}
    if has_next:
        links["next"] = _abs(ctx, atom_path, {**feed_query, "page": str(number + 1)})
    if number > 1:
        links["previous"] = _abs(ctx, atom_path, {**feed_query, "page": str(number - 1)})
    links["first"] = _abs(ctx, atom_path, feed_query)
    info = AtomFeedInfo(
        title=title,
        self_url=_abs(ctx, atom_path, {**feed_query, **({"page": str(number)}
                                                         if number > 1 else {})}),
        alternate_url=_abs(ctx, html_path, query),
        feed_id=entry_urn("view", atom_path + "?" + urlencode(sorted(query.items()))),
        links=links,
    )
    body = write_atom(info, entries, lambda e: _abs(ctx, f"/entries/{e.id}", {}),
                      absolute_content(ctx, entries))
    return Response(body, media_type=ATOM_TYPE)


def feed_atom(ctx: Ctx) -> Response:
    feed = ctx.vault.feed(ctx.request.path_params["slug"])
    number = page_number(ctx.request.query_params.get("page"))
    rows = ctx.vault.entries(feed.slug, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    return atom_response(ctx, feed.name, rows[:PAGE_SIZE], f"/feeds/{feed.slug}", {},
                         number, len(rows) > PAGE_SIZE)


def index_atom(ctx: Ctx) -> Response:
    """Every feed's entries, newest first: the whole archive as one subscription."""
    number = page_number(ctx.request.query_params.get("page"))
    rows = ctx.vault.entries(None, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    return atom_response(ctx, f"feedvault: {ctx.t('all_entries')}", rows[:PAGE_SIZE], "/", {},
                         number, len(rows) > PAGE_SIZE)


routes = [
    Route("/index.atom", feed_reader(index_atom), name="index_atom"),
    Route("/feeds/{slug}.atom", feed_reader(feed_atom), name="feed_atom"),
]
