"""Archived media on the web: ``GET /media/<sha>``, and entry HTML pointing at it.

A file is served with the type sniffed when it was stored (never the origin's claim, never a
guess from a name), ``nosniff``, and a sandboxing CSP, so an SVG or an HTML page snapshot
shows but never runs script. The URL is the content's hash, so the response never changes:
a strong ETag (the sha) and a year of ``immutable`` caching (``private`` when the vault is).
Who may read a file is who may read the pages (web/guard.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from itertools import chain

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from feedvault.media.files import MediaMissing, is_sha
from feedvault.media.model import MediaLink
from feedvault.media.rewrite import PlaceholderText, link_lookup, rewrite_images
from feedvault.models import Entry, EntryVersion
from feedvault.web.context import Ctx, make_ctx, read_snapshot
from feedvault.web.guard import reader_allowed, web_state

SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
MAX_AGE = 31536000  # a year: the URL names the bytes, so they never change


def media_href(sha: str) -> str:
    return f"/media/{sha}"


def hotlink(ctx: Ctx) -> bool:
    """``[media] hotlink``: an image not archived is shown from its origin."""
    return ctx.state.settings.media.hotlink


def placeholder_text(ctx: Ctx) -> PlaceholderText:
    return PlaceholderText(
        open_original=ctx.t("media_open_original"),
        not_archived=ctx.t("media_not_archived"),
        pending=ctx.t("media_pending"),
        unknown=ctx.t("media_unknown"),
        failed=ctx.t("media_failed"),
        skipped=ctx.t("media_skipped"),
    )


def version_links(ctx: Ctx, versions: Sequence[EntryVersion]) -> dict[int, list[MediaLink]]:
    if not versions:
        return {}
    return ctx.vault.store.media.links_for_versions([v.id for v in versions])


def entry_content(ctx: Ctx, entry: Entry) -> str:
    """The entry's cleaned HTML with its images served from the vault.

    The links of every version are looked at: a URL has one state in the vault whichever
    version shows it, and the current version is always among them."""
    links = version_links(ctx, entry.versions)
    return rewrite_html(ctx, entry.content_html, chain.from_iterable(links.values()))


def rewrite_html(ctx: Ctx, html: str, links: Iterable[MediaLink]) -> str:
    return rewrite_images(
        html, link_lookup(links), href=media_href, hotlink=hotlink(ctx),
        text=placeholder_text(ctx),
    )


def absolute_content(ctx: Ctx, entries: Sequence[Entry]) -> dict[int, str]:
    """Atom: each entry's HTML with archived images at absolute URLs of this app (with the
    request's read token, when it came with one); images not archived stay as they are (a
    feed reader shows them from the origin, as before)."""
    links = ctx.vault.store.media.links_for_entries([e.id for e in entries])
    token = ctx.request.query_params.get("token")
    suffix = "?token=" + _quote(token) if token else ""

    def href(sha: str) -> str:
        return ctx.base_url + media_href(sha) + suffix

    found: dict[int, str] = {}
    for entry in entries:
        found[entry.id] = rewrite_images(
            entry.content_html, link_lookup(links.get(entry.id, ())), href=href, hotlink=True
        )
    return found


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def _headers(sha: str, mime: str, private: bool) -> dict[str, str]:
    return {
        # as stored: Starlette would add "; charset=utf-8" to a text/* media_type, which a
        # page snapshot in GBK is not
        "content-type": mime,
        "etag": f'"{sha}"',
        "cache-control": f"{'private' if private else 'public'}, max-age={MAX_AGE}, immutable",
        "x-content-type-options": "nosniff",
        "content-security-policy": SANDBOX_CSP,
    }


def _matches(header: str | None, sha: str) -> bool:
    """If-None-Match names this file (weak or strong, or ``*``)."""
    if not header:
        return False
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == f'"{sha}"':
            return True
    return False


def _missing(status: int = 404, message: str = "404 Not Found: no such media file") -> Response:
    return PlainTextResponse(message, status_code=status, headers={
        "content-security-policy": SANDBOX_CSP, "cache-control": "no-store"})


def media_file(request: Request) -> Response:
    ctx = make_ctx(request, web_state(request))
    if not reader_allowed(ctx):
        response = _missing(401, "401 Unauthorized: this archive is private")
        response.headers["www-authenticate"] = 'Bearer realm="feedvault"'
        return response
    sha = str(request.path_params.get("sha", ""))
    if not is_sha(sha):
        return _missing()
    with read_snapshot(ctx.vault):
        file = ctx.vault.store.media.get_file(sha)
    if file is None:
        return _missing()
    headers = _headers(sha, file.mime, ctx.state.private())
    if _matches(request.headers.get("if-none-match"), sha):
        headers.pop("content-type")
        return Response(status_code=304, headers=headers)
    files = ctx.vault.media_files
    path = files.path(sha)
    if path is not None:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return _missing()
        return FileResponse(path, headers=headers, stat_result=stat)
    try:
        data = files.read(sha)
    except MediaMissing:
        return _missing()
    return Response(data, headers=headers)


routes = [Route("/media/{sha}", media_file, name="media")]
