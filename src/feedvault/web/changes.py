"""What was edited, removed or restored: the changes page, its Atom feed and the JSON list.

Reads the marks the changes package records (SQLite and PostgreSQL); on a backend that keeps
none the page says so with a 501 rather than failing. Edits link to the entry page's diff of the
two versions concerned, disappearances and returns to the entry itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from feedvault.changes import backend as changes_backend
from feedvault.changes.model import KINDS, Change
from feedvault.changes.report import changes_atom
from feedvault.errors import UsageError
from feedvault.export.atom import AtomFeedInfo, entry_urn
from feedvault.shapes import change_json
from feedvault.web.context import Ctx
from feedvault.web.evidence import describe
from feedvault.web.guard import api_error, error_page, feed_reader, json_response, page
from feedvault.web.views import fmt_dt, int_param, page_number

PAGE_SIZE = 50
MAX_PAGES = 100  # list_changes has no offset: deeper pages would read ever more rows
ATOM_SIZE = 50
API_DEFAULT, API_MAX = 100, 500
ATOM_TYPE = "application/atom+xml; charset=utf-8"


class BadParams(ValueError):
    """A filter the user typed that means nothing (unknown kind, malformed date)."""


class Unavailable(Exception):
    """The storage backend keeps no changes."""


@dataclass(frozen=True, slots=True)
class ChangeFilter:
    kind: str | None
    feed: str | None
    since: date | None

    def as_query(self) -> dict[str, str]:
        pairs = {
            "kind": self.kind or "",
            "feed": self.feed or "",
            "since": self.since.isoformat() if self.since else "",
        }
        return {k: v for k, v in pairs.items() if v}

    def since_ms(self) -> int | None:
        if self.since is None:
            return None
        start = datetime(self.since.year, self.since.month, self.since.day, tzinfo=UTC)
        return int(start.timestamp()) * 1000


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One change as the page shows it."""

    change: Change
    href: str
    description: str
    when: str


def read_filter(ctx: Ctx) -> ChangeFilter:
    params = ctx.request.query_params
    kind = params.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise BadParams(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    since_text = params.get("since") or None
    try:
        since = date.fromisoformat(since_text) if since_text else None
    except ValueError:
        raise BadParams(f"since: not a date (use YYYY-MM-DD): {since_text!r}") from None
    return ChangeFilter(kind, params.get("feed") or None, since)


def fetch_changes(ctx: Ctx, f: ChangeFilter, limit: int) -> list[Change]:
    """Newest first; raises Unavailable for a backend without marks, FeedNotFound for a slug."""
    try:
        db = changes_backend.changes_api(ctx.vault.store)
    except UsageError as exc:
        raise Unavailable(str(exc)) from None
    feed_id = ctx.vault.feed(f.feed).id if f.feed else None
    return db.list_changes(f.since_ms(), feed_id, f.kind, limit)


def change_path(change: Change) -> str:
    """The entry page; for an edit, with the diff of the version it made against the one before."""
    seq = change.evidence.get("seq")
    if change.kind == "edit" and isinstance(seq, int) and seq > 1:
        return f"/entries/{change.entry_id}?" + urlencode({"a": seq - 1, "b": seq})
    return f"/entries/{change.entry_id}"


def day_groups(rows: list[ChangeRow]) -> list[tuple[str, list[ChangeRow]]]:
    """Consecutive changes under the UTC day they were noticed (input is newest first)."""
    groups: list[tuple[str, list[ChangeRow]]] = []
    for row in rows:
        day = row.change.at.astimezone(UTC).strftime("%Y-%m-%d")
        if not groups or groups[-1][0] != day:
            groups.append((day, []))
        groups[-1][1].append(row)
    return groups


def _row(ctx: Ctx, change: Change) -> ChangeRow:
    return ChangeRow(
        change,
        change_path(change),
        describe(ctx.t, change.kind, change.how, change.evidence),
        fmt_dt(change.at),
    )


def changes_page(ctx: Ctx) -> Response:
    try:
        f = read_filter(ctx)
    except BadParams as exc:
        return error_page(ctx, 400, str(exc))
    number = min(page_number(ctx.request.query_params.get("page")), MAX_PAGES)
    try:
        found = fetch_changes(ctx, f, number * PAGE_SIZE + 1)
    except Unavailable as exc:
        return _render(ctx, f, [], number, False, unavailable=str(exc), status=501)
    rows = [_row(ctx, c) for c in found[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]]
    has_next = len(found) > number * PAGE_SIZE and number < MAX_PAGES
    return _render(ctx, f, rows, number, has_next)


def _render(
    ctx: Ctx,
    f: ChangeFilter,
    rows: list[ChangeRow],
    number: int,
    has_next: bool,
    unavailable: str | None = None,
    status: int = 200,
) -> Response:
    feeds = ctx.state.feeds_for_filter(ctx.vault)
    return ctx.render(
        "changes.html",
        status=status,
        f=f,
        groups=day_groups(rows),
        number=number,
        has_next=has_next,
        kinds=KINDS,
        feeds=feeds,
        names={x.slug: x.name for x in feeds},
        unavailable=unavailable,
        atom_query=urlencode(f.as_query()),
    )


def _abs(ctx: Ctx, path: str, query: dict[str, str]) -> str:
    return ctx.base_url + path + ("?" + urlencode(query) if query else "")


def _atom_title(ctx: Ctx, f: ChangeFilter) -> str:
    parts = [ctx.t("changes")]
    if f.kind:
        parts.append(ctx.t(f"kind_{f.kind}"))
    if f.feed:
        parts.append(f.feed)
    if f.since:
        parts.append(f"{ctx.t('since')} {f.since.isoformat()}")
    return "feedvault: " + " · ".join(parts)


def changes_feed(ctx: Ctx) -> Response:
    """The newest changes as Atom; the token (private vaults) is kept in the self link."""
    try:
        f = read_filter(ctx)
        found = fetch_changes(ctx, f, ATOM_SIZE)
    except Unavailable as exc:
        return api_error(501, str(exc))
    query = f.as_query()
    token = ctx.request.query_params.get("token")
    info = AtomFeedInfo(
        title=_atom_title(ctx, f),
        self_url=_abs(ctx, "/changes.atom", {**query, **({"token": token} if token else {})}),
        alternate_url=_abs(ctx, "/changes", query),
        feed_id=entry_urn("view", "/changes.atom?" + urlencode(sorted(query.items()))),
    )
    body = changes_atom(found, info, lambda c: _abs(ctx, change_path(c), {}))
    return Response(body, media_type=ATOM_TYPE)


def changes_api(ctx: Ctx) -> Response:
    """A JSON array, the shape of `feedvault changes --json`."""
    f = read_filter(ctx)
    limit = int_param(ctx.request.query_params.get("limit"), "limit", default=API_DEFAULT, low=1,
                      high=API_MAX)
    try:
        found = fetch_changes(ctx, f, limit)
    except Unavailable as exc:
        return api_error(501, str(exc))
    return json_response([change_json(c) for c in found])


routes = [
    Route("/changes", page(changes_page), name="changes"),
    Route("/changes.atom", feed_reader(changes_feed), name="changes_atom"),
    Route("/api/changes", feed_reader(changes_api), name="api_changes"),
]
