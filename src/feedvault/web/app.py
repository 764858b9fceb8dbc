"""The ASGI app: routes, static files, security headers on every response, and `serve`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feedvault.config import Settings, load_settings
from feedvault.web import admin, api, apidocs, atom_routes, changes, health, media, pages, search
from feedvault.web.context import HERE, WebState, make_ctx
from feedvault.web.guard import error_page
from feedvault.web.httpcache import HttpCaching

# img-src 'self': entry images come from the vault (/media/<sha>), so a reader's browser never
# contacts the origin; [media] hotlink lets images not archived load from it (HOTLINK_CSP).
# media-src keeps https: for audio/video not archived, which web/media.py marks
# preload="none": requested only when the reader presses play.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "media-src 'self' https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
HOTLINK_CSP = CSP.replace("img-src 'self';", "img-src 'self' https: http:;")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def security_headers(hotlink: bool = False) -> list[tuple[bytes, bytes]]:
    if not hotlink:
        return SECURITY_HEADERS
    return [(b"content-security-policy", HOTLINK_CSP.encode()), *SECURITY_HEADERS[1:]]


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task overhead) adding the headers to anything."""

    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.app = app
        self.headers = SECURITY_HEADERS if headers is None else headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class FeedvaultApp(Starlette):
    """Starlette whose outermost layer (outside even the 500 handler) adds the headers."""

    hotlink = False  # [media] hotlink: the CSP lets images load from their origin
    compress = True  # [web] compress = false: a proxy in front compresses (web/httpcache.py)

    def build_middleware_stack(self) -> ASGIApp:
        # ETag/304 and gzip/br inside the headers (web/httpcache.py); /media left alone
        return SecurityHeaders(HttpCaching(super().build_middleware_stack(),
                                           compress=self.compress),
                               security_headers(self.hotlink))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/") or request.url.path.endswith(".atom"):
        return JSONResponse({"error": {"status": exc.status_code, "message": exc.detail}},
                            status_code=exc.status_code)
    if exc.status_code != 404:
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
    from starlette.concurrency import run_in_threadpool

    state: WebState = request.app.state.web

    def render() -> Response:
        ctx = make_ctx(request, state)
        return error_page(ctx, 404, request.url.path)

    return await run_in_threadpool(render)


def create_app(db: str | None = None, *, settings: Settings | None = None) -> Starlette:
    """The web app over the vault at ``db`` (or the configured one)."""
    settings = settings or load_settings(db)
    state = WebState(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        state.close()

    routes = [
        *health.routes,
        *atom_routes.routes, *search.routes, *changes.routes, *apidocs.routes, *api.routes,
        *admin.routes,
        *media.routes, *pages.routes,
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = FeedvaultApp(routes=routes, lifespan=lifespan,
                       exception_handlers={HTTPException: _http_error})
    app.state.web = state
    health.install(app, state)  # /metrics, request latencies, 503 while the database is away
    app.hotlink = settings.media.hotlink
    web = settings.raw.get("web")
    app.compress = not (isinstance(web, dict) and web.get("compress") is False)
    return app


@contextmanager
def background_server(settings: Settings, host: str, port: int) -> Iterator[None]:
    """The web app served from a thread while the caller runs (`feedvault run --serve`)."""
    import threading

    import uvicorn

    config = uvicorn.Config(create_app(settings=settings), host=host, port=port,
                            proxy_headers=False, server_header=False, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="feedvault-web", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def serve(db: str | None, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Run the app with uvicorn until interrupted (`feedvault serve`)."""
    import uvicorn

    uvicorn.run(create_app(db), host=host, port=port, proxy_headers=False,
                server_header=False, log_level="info")
