"""Search: the HTML page, the JSON results and the Atom feed of any query.

Built on ``Vault.search`` (the query language of the search stage). Until a vault has it,
the page says search is unavailable instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from starlette.responses import Response
from starlette.routing import Route

from feedvault.errors import SearchError
from feedvault.models import Entry
from feedvault.shapes import entry_json
from feedvault.vault import Vault
from feedvault.web.context import Ctx
from feedvault.web.guard import feed_reader, json_response, page
from feedvault.web.views import fmt_dt, int_param, page_number

PAGE_SIZE = 20
SORTS = ("newest", "relevance")


class Hit(Protocol):
    @property
    def entry(self) -> Entry: ...
    @property
    def snippet(self) -> str: ...
    @property
    def score(self) -> float: ...


@dataclass(frozen=True, slots=True)
class SearchParams:
    q: str
    feed: str | None
    since: date | None
    until: date | None
    sort: str
    page: int

    def as_query(self) -> dict[str, str]:
        pairs = {
            "q": self.q,
            "feed": self.feed or "",
            "sort": self.sort,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in pairs.items() if v}


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SearchError(f"{name}: not a date (use YYYY-MM-DD): {value!r}") from None


def read_params(ctx: Ctx) -> SearchParams:
    params = ctx.request.query_params
    sort = params.get("sort") or "newest"
    if sort not in SORTS:
        raise SearchError(f"sort must be one of {', '.join(SORTS)}")
    return SearchParams(
        q=(params.get("q") or "").strip(),
        feed=params.get("feed") or None,
        since=_date(params.get("since"), "since"),
        until=_date(params.get("until"), "until"),
        sort=sort,
        page=page_number(params.get("page")),
    )


def search_available(vault: Vault) -> bool:
    return hasattr(vault, "search")


def run_search(ctx: Ctx, p: SearchParams, size: int) -> list[Hit]:
    """One page of hits plus one more (to know whether there is a next page).

    Snippets come from the app's cache: building one folds the whole article text, two
    thirds of a search page's time when each is built anew.
    """
    vault = ctx.vault
    if not p.q or not search_available(vault):
        return []
    if p.feed:
        vault.feed(p.feed)  # unknown feed -> 404, not an empty list
    search: Any = vault.search
    hits: list[Hit] = search(
        p.q,
        feed=p.feed,
        since=p.since,
        until=p.until,
        limit=size + 1,
        offset=(p.page - 1) * size,
        sort=p.sort,
        snippet=ctx.state.snippets.maker(p.q),
    )
    return hits


def search_page(ctx: Ctx) -> Response:
    p = read_params(ctx)
    hits = run_search(ctx, p, PAGE_SIZE)
    return ctx.render(
        "search.html",
        p=p,
        q=p.q,
        number=p.page,
        hits=hits[:PAGE_SIZE],
        has_next=len(hits) > PAGE_SIZE,
        feeds=ctx.state.feeds_for_filter(ctx.vault),
        available=search_available(ctx.vault),
        fmt_dt=fmt_dt,
    )


def search_api(ctx: Ctx) -> Response:
    p = read_params(ctx)
    if not search_available(ctx.vault):
        return json_response({"error": {"status": 501, "message": "search unavailable"}}, 501)
    limit = int_param(ctx.request.query_params.get("limit"), "limit", default=PAGE_SIZE, low=1,
                      high=100)
    hits = run_search(ctx, p, limit)
    return json_response(
        {
            "query": p.q,
            "page": p.page,
            "has_next": len(hits) > limit,
            "results": [
                {
                    "entry": entry_json(h.entry, web=True, content=False),
                    "snippet": h.snippet,
                    "score": h.score,
                }
                for h in hits[:limit]
            ],
        }
    )


def search_atom(ctx: Ctx) -> Response:
    from feedvault.web.atom_routes import atom_response

    p = read_params(ctx)
    hits = run_search(ctx, p, PAGE_SIZE)
    title = f"{ctx.t('search')}: {p.q}"
    return atom_response(
        ctx,
        title,
        [h.entry for h in hits[:PAGE_SIZE]],
        "/search",
        p.as_query(),
        p.page,
        len(hits) > PAGE_SIZE,
    )


routes = [
    Route("/search.atom", feed_reader(search_atom), name="search_atom"),
    Route("/search", page(search_page), name="search"),
    Route("/api/search", feed_reader(search_api), name="api_search"),
]
