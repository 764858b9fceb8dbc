"""Operations: /healthz, /readyz, /metrics, and `serve` living through a lost database.

/healthz says the process answers (no database work: a liveness probe must not restart a
server because the database is away). /readyz says the database answers and its schema is
this feedvault's (503 otherwise: a load balancer sends readers elsewhere). /metrics is the
Prometheus text format (prometheus_client), read from the vault at scrape time, plus this
process's request latencies and, under `run --serve`, its feed updates by outcome; `[web]
metrics = false` turns it off, `[web] metrics_token` wants ``Authorization: Bearer``. None
of them needs a login, even in a private archive.

A request that loses the database connection (PostgreSQL restarted) makes every thread
reconnect before its next request (WebState.lost); a GET or HEAD is tried once more at once,
anything else, or a retry that fails too, gets 503 with Retry-After. No restart is needed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feedvault.bugs import one_line
from feedvault.errors import ConnectionLost, FeedvaultError
from feedvault.store.sql import ops
from feedvault.update import runner
from feedvault.web import security
from feedvault.web.context import WebState
from feedvault.web.guard import bearer, web_state

log = logging.getLogger("feedvault.web")
RETRY_AFTER = 5  # seconds a client is asked to wait while the database is away
UNAVAILABLE = "503 Service Unavailable: the database cannot be reached; try again shortly"


async def healthz(request: Request) -> Response:
    """Liveness: answered on the event loop, without the database."""
    return PlainTextResponse("ok\n", headers={"Cache-Control": "no-store"})


def readyz(request: Request) -> Response:
    """Readiness: the database answers and holds this feedvault's schema."""
    state = web_state(request)
    try:
        have, want = state.vault().store.schema_versions()  # type: ignore[attr-defined]
    except ConnectionLost:
        raise  # Reconnecting: tried again at once, else 503 with Retry-After
    except FeedvaultError as exc:
        return _not_ready(f"the database cannot be read: {one_line(exc)}")
    if have != want:
        return _not_ready(
            f"vault schema version {have}, this feedvault's is {want}: "
            + ("run any feedvault command once to upgrade it" if have < want
               else "this feedvault is older than the vault; upgrade it")
        )
    return PlainTextResponse("ready\n", headers={"Cache-Control": "no-store"})


def _not_ready(message: str) -> Response:
    return PlainTextResponse(f"not ready: {message}\n", status_code=503,
                             headers={"Cache-Control": "no-store"})


def metrics(request: Request) -> Response:
    state = web_state(request)
    web = state.settings.web
    if not web.metrics:
        return PlainTextResponse("404 Not Found: metrics are off ([web] metrics)",
                                 status_code=404)
    if web.metrics_token and not security.same_token(web.metrics_token, bearer(request)):
        return PlainTextResponse("401 Unauthorized: /metrics needs its token", status_code=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    registry: CollectorRegistry = request.app.state.metrics
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [
    Route("/healthz", healthz, methods=["GET", "HEAD"]),
    Route("/readyz", readyz, methods=["GET", "HEAD"]),
    Route("/metrics", metrics, methods=["GET"]),
]


class VaultCollector(Collector):
    """The vault's state, read at scrape time on the scraping thread's connection."""

    def __init__(self, state: WebState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("feedvault_database_up", "1 when the vault's database answers")
        try:
            store: Any = self.state.vault().store
            found = ops.overview(ops.db_of(store), failing_limit=0)
            failing = ops.failing_count(ops.db_of(store))
            media = store.media.counts()
        except FeedvaultError as exc:
            if isinstance(exc, ConnectionLost):
                self.state.lost()
            log.warning("metrics: %s", one_line(exc))
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from _vault_metrics(found, failing, media)


def _vault_metrics(found: ops.Overview, failing: int, media: dict[str, int]) -> Iterator[Metric]:
    feeds = GaugeMetricFamily("feedvault_feeds", "feeds by status", labels=["status"])
    for status, n in sorted(found.feeds.items()):
        feeds.add_metric([status], n)
    yield feeds
    yield GaugeMetricFamily("feedvault_feeds_due", "feeds whose next check has come",
                            value=found.due)
    yield GaugeMetricFamily("feedvault_backlog_oldest_seconds",
                            "how long the most overdue feed has waited", value=found.overdue)
    yield GaugeMetricFamily("feedvault_feeds_failing", "feeds whose last update failed",
                            value=failing)
    yield GaugeMetricFamily("feedvault_entries_stored", "entries in the vault",
                            value=found.entries)
    yield GaugeMetricFamily("feedvault_versions_stored", "entry versions in the vault",
                            value=found.versions)
    yield GaugeMetricFamily("feedvault_leases", "feeds leased to a worker", value=len(found.leases))
    expired = sum(1 for lease in found.leases if lease.expires_in < 0)
    yield GaugeMetricFamily("feedvault_leases_expired",
                            "leases past their deadline (a worker died or is stuck)",
                            value=expired)
    yield GaugeMetricFamily(
        "feedvault_oldest_lease_age_seconds",
        "how long the oldest lease has been held (from `run`'s lease length); 0: none",
        value=max((lease_age(lease) for lease in found.leases), default=0.0),
    )
    urls = GaugeMetricFamily("feedvault_media_urls", "media URLs by state", labels=["state"])
    for state, n in sorted(media.items()):
        if state not in ("files", "bytes"):
            urls.add_metric([state], n)
    yield urls
    yield GaugeMetricFamily("feedvault_media_files", "archived media files",
                            value=media.get("files", 0))
    yield GaugeMetricFamily("feedvault_media_bytes", "bytes of archived media files",
                            value=media.get("bytes", 0))


def lease_age(lease: ops.Lease) -> float:
    """Seconds since the lease was taken, for leases of `run` (LEASE_SECONDS long)."""
    return max(0.0, runner.LEASE_SECONDS - lease.expires_in)


class OutcomeCollector(Collector):
    """Feed updates of this process by outcome: `run --serve` (a bare `serve` has none)."""

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily("feedvault_fetch_outcomes",
                                     "feed updates by this process, by outcome",
                                     labels=["outcome"])
        for outcome in ("ok", "not_modified", "error", "gone"):
            family.add_metric([outcome], runner.OUTCOMES.get(outcome, 0))
        for outcome, n in sorted(runner.OUTCOMES.items()):
            if outcome not in ("ok", "not_modified", "error", "gone"):
                family.add_metric([outcome], n)
        yield family


class RequestTimer:
    """Pure ASGI middleware: request latencies by route template (not by URL: a label per
    entry id would grow without end) and method."""

    def __init__(self, app: ASGIApp, histogram: Histogram, names: dict[Any, str]) -> None:
        self.app = app
        self.histogram = histogram
        self.names = names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            route = self.names.get(scope.get("endpoint"), "other")
            self.histogram.labels(route, scope["method"]).observe(time.perf_counter() - start)


class Reconnecting:
    """Pure ASGI middleware: a request that lost the database connection makes every thread
    reconnect; a GET/HEAD is tried once more, else (or if that fails too) 503 + Retry-After."""

    def __init__(self, app: ASGIApp, state: WebState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        original = dict(scope)
        retry = scope["method"] in ("GET", "HEAD")
        while True:
            try:
                await self.app(scope, receive, tracked)
                return
            except ConnectionLost as exc:
                self.state.lost()
                if started:
                    raise
                if retry:
                    retry = False
                    scope.clear()
                    scope.update(original)  # routed again from the start
                    continue
                log.warning("%s %s: %s", scope["method"], scope["path"], one_line(exc))
                await _unavailable(scope)(scope, receive, send)
                return


def _unavailable(scope: Scope) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
    path = str(scope.get("path", ""))
    if path.startswith("/api/") or path.endswith(".atom"):
        return JSONResponse({"error": {"status": 503, "message": UNAVAILABLE}},
                            status_code=503, headers=headers)
    return PlainTextResponse(UNAVAILABLE, status_code=503, headers=headers)


def install(app: Any, state: WebState) -> None:
    """The middleware and the metrics registry of one app (create_app calls it)."""
    registry = CollectorRegistry()
    registry.register(VaultCollector(state))
    registry.register(OutcomeCollector())
    histogram = Histogram("feedvault_http_request_duration_seconds",
                          "time to answer a request, by route", ["route", "method"],
                          registry=registry)
    app.state.metrics = registry
    app.add_middleware(Reconnecting, state=state)
    app.add_middleware(RequestTimer, histogram=histogram, names=_route_names(app.routes))


def _route_names(found: list[BaseRoute]) -> dict[Any, str]:
    names: dict[Any, str] = {}
    for route in found:
        if isinstance(route, Route):
            names.setdefault(route.endpoint, route.path)
        elif isinstance(route, Mount):
            names.setdefault(route.app, route.path + "/*")
    return names
