"""Endpoint wrappers: who may read, who may change, and how errors look in each format.

Reading is public unless the vault is private; then HTML needs the admin session and the
API/Atom need the read token (``?token=`` or ``Authorization: Bearer``). Every POST needs
the session's CSRF token, checked before anything else, and changes need the admin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from feedvault.errors import EntryNotFound, FeedNotFound, FeedvaultError, SearchError
from feedvault.web import security
from feedvault.web.context import Ctx, WebState, make_ctx, read_snapshot
from feedvault.web.views import BadParam

Endpoint = Callable[[Request], Response]
AsyncEndpoint = Callable[[Request], Awaitable[Response]]


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query_params.get("token")


def _reader_allowed(ctx: Ctx) -> bool:
    if not ctx.state.private() or ctx.is_admin:
        return True
    return security.check_api_token(ctx.vault.store, bearer(ctx.request))


def reader_allowed(ctx: Ctx) -> bool:
    """The rule every page, the API and /media/<sha> share (web/media.py)."""
    return _reader_allowed(ctx)


def _login_redirect(ctx: Ctx) -> Response:
    target = quote(
        ctx.request.url.path + ("?" + ctx.request.url.query if ctx.request.url.query else ""),
        safe="",
    )
    return ctx.finish(RedirectResponse(f"/admin/login?next={target}", status_code=303))


def error_page(ctx: Ctx, status: int, message: str) -> Response:
    titles = {404: "not_found", 403: "forbidden", 400: "bad_request", 429: "too_many"}
    return ctx.render(
        "error.html", status=status, title=ctx.t(titles.get(status, "error")), message=message
    )


def page(handler: Callable[[Ctx], Response], *, public: bool = False) -> Endpoint:
    """An HTML page that reads: snapshot, private check, 404 for unknown feeds/entries."""

    def endpoint(request: Request) -> Response:
        ctx = make_ctx(request, web_state(request))
        if not public and not _reader_allowed(ctx):
            return _login_redirect(ctx)
        try:
            with read_snapshot(ctx.vault):
                return handler(ctx)
        except (FeedNotFound, EntryNotFound) as exc:
            return error_page(ctx, 404, str(exc))
        except (SearchError, BadParam) as exc:
            return error_page(ctx, 400, str(exc))
        except OverflowError:  # a number no check above caught: still the client's
            return error_page(ctx, 400, "a number in the request is too large")

    endpoint.__name__ = handler.__name__
    return endpoint


def api_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


def feed_reader(handler: Callable[[Ctx], Response]) -> Endpoint:
    """JSON API and Atom: token when private, errors as JSON (Atom clients read the status)."""

    def endpoint(request: Request) -> Response:
        ctx = make_ctx(request, web_state(request))
        if not _reader_allowed(ctx):
            response = api_error(401, "this archive is private: a read token is needed")
            response.headers["WWW-Authenticate"] = 'Bearer realm="feedvault"'
            return response
        try:
            with read_snapshot(ctx.vault):
                return handler(ctx)
        except (FeedNotFound, EntryNotFound) as exc:
            return api_error(404, str(exc))
        except (SearchError, ValueError) as exc:
            return api_error(400, str(exc))
        except OverflowError:
            return api_error(400, "a number in the request is too large")

    endpoint.__name__ = handler.__name__
    return endpoint


def admin_page(handler: Callable[[Ctx], Response]) -> Endpoint:
    """A GET page for the admin only; others are sent to the login form."""

    def endpoint(request: Request) -> Response:
        ctx = make_ctx(request, web_state(request))
        if not ctx.is_admin:
            return _login_redirect(ctx)
        try:
            return handler(ctx)
        except FeedNotFound as exc:
            return error_page(ctx, 404, str(exc))
        except BadParam as exc:
            return error_page(ctx, 400, str(exc))

    endpoint.__name__ = handler.__name__
    return endpoint


def form_action(
    handler: Callable[[Ctx, FormData], Response], *, admin: bool = True
) -> AsyncEndpoint:
    """A POST: CSRF first (403 without it), then the admin check, then the change."""

    async def endpoint(request: Request) -> Response:
        async with request.form(max_files=50, max_part_size=1024 * 1024) as form:
            return await run_in_threadpool(_run_form, request, form, handler, admin)

    endpoint.__name__ = handler.__name__
    return endpoint


def _run_form(
    request: Request, form: FormData, handler: Callable[[Ctx, FormData], Response], admin: bool
) -> Response:
    ctx = make_ctx(request, web_state(request))
    if not security.same_token(ctx.session.get("csrf"), form.get("csrf")):
        return PlainTextResponse("403 Forbidden: missing or wrong CSRF token", status_code=403)
    if admin and not ctx.is_admin:
        return PlainTextResponse("403 Forbidden: log in as the admin first", status_code=403)
    try:
        return handler(ctx, form)
    except FeedvaultError as exc:
        return error_page(ctx, 400, str(exc))
    finally:
        ctx.state.changed()


def json_response(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)
