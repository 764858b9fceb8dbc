"""Per-app state (one Vault per worker thread, the template engine) and per-request context.

SQLite connections must not cross threads, and Starlette runs plain ``def`` endpoints on a
thread pool, so each worker thread opens its own Vault once and keeps it. GET handlers read
inside one deferred transaction: every query of a page sees the same snapshot, so a feed
update committing mid-request can never show half of itself.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from feedvault.config import Settings
from feedvault.export.links import http_link
from feedvault.models import Feed
from feedvault.vault import Vault, open_vault
from feedvault.web import security
from feedvault.web.cache import Lru, SnippetCache
from feedvault.web.i18n import LANG_COOKIE, choose_lang, translate
from feedvault.web.origin import public_base
from feedvault.web.throttle import LoginThrottle
from feedvault.web.views import Chart

HERE = Path(__file__).parent
FEED_LIST_SECONDS = 10.0  # a feed added by another process shows in filter menus this late
CHART_SECONDS = 300.0  # front page charts also renew whenever a feed's count or update changes


class WebState:
    """Everything the app shares between requests; vaults are per thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._lock = threading.RLock()
        self._secret: bytes | None = None
        self._all: list[Vault] = []
        self._generation = 0  # bumped when a request lost the database (web/health.py)
        self.snippets = SnippetCache()
        self.logins = LoginThrottle(settings.web.login_failures, settings.web.login_window)
        self.feed_list: Lru[list[Feed]] = Lru(1, ttl=FEED_LIST_SECONDS)
        self.charts: Lru[Chart] = Lru(1000, ttl=CHART_SECONDS)
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["http_link"] = http_link

    def vault(self) -> Vault:
        vault: Vault | None = getattr(self._local, "vault", None)
        if vault is None:
            vault = open_vault(self.settings.db, settings=self.settings)
            store: Any = vault.store  # both stores have it; the Storage protocol does not
            store.search_budget = self.settings.web.search_budget
            self._local.vault = vault
            self._local.generation = self._generation
            with self._lock:
                self._all.append(vault)
        elif self._local.generation != self._generation:  # a request lost the server
            generation = self._generation
            again = getattr(vault.store, "reconnect", None)
            if again is not None:  # ConnectionLost while it is still away: 503, retry later
                again()
            self._local.generation = generation
        return vault

    def lost(self) -> None:
        """The database connection was lost (a restart): every thread's vault reconnects
        before its next request (their connections died too, unnoticed so far)."""
        with self._lock:
            self._generation += 1

    def feeds_for_filter(self, vault: Vault) -> list[Feed]:
        """The feeds for a page's filter menu: slugs and names, up to seconds old (listing
        them counts every feed's entries, a fifth of a search page at 100,000 entries)."""
        return self.feed_list.get("feeds", vault.feeds)

    def changed(self) -> None:
        """Forget what a change made here (an admin POST) may have made stale."""
        self.feed_list.clear()
        self.charts.clear()

    def secret(self) -> bytes:
        if self._secret is None:
            with self._lock:
                if self._secret is None:
                    self._secret = security.session_secret(self.vault().store)
        return self._secret

    def private(self) -> bool:
        web = self.settings.raw.get("web", {})
        if isinstance(web, dict) and web.get("private"):
            return True
        return self.vault().store.get_meta(security.PRIVATE_KEY) == "1"

    def close(self) -> None:
        with self._lock:
            for vault in self._all:
                with contextlib.suppress(Exception):  # other threads' vaults: best effort
                    vault.close()
            self._all.clear()


@dataclass
class Ctx:
    """One request: its language, session, CSRF token and the thread's vault."""

    request: Request
    state: WebState
    vault: Vault
    lang: str
    session: dict[str, object]
    new_session: bool = False
    set_lang: str | None = None
    extra_cookies: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """This app's public ``scheme://host`` for absolute links (origin.py)."""
        return public_base(self.request, self.state.settings.web)

    @property
    def is_admin(self) -> bool:
        return self.session.get("admin") is True

    @property
    def csrf(self) -> str:
        token = self.session.get("csrf")
        if not isinstance(token, str):
            token = security.new_csrf()
            self.session["csrf"] = token
            self.new_session = True
        return token

    @property
    def lang_switch_url(self) -> str:
        other = "en" if self.lang == "zh" else "zh"
        here = self.url_with(lang=None)
        from urllib.parse import urlencode

        return "/lang?" + urlencode({"set": other, "next": here})

    def take_flash(self) -> str | None:
        """The one-time message a POST left for the page after its redirect."""
        flash = self.session.pop("flash", None)
        if flash is not None:
            self.new_session = True
        return flash if isinstance(flash, str) else None

    def t(self, key: str, **args: object) -> str:
        return translate(self.lang, key, **args)

    def url_with(self, **changes: object) -> str:
        """This page's URL with some query parameters replaced (None removes one)."""
        params = dict(self.request.query_params)
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = str(value)
        from urllib.parse import urlencode

        query = urlencode(params)
        return self.request.url.path + ("?" + query if query else "")

    def finish(self, response: Response) -> Response:
        """Write the session and language cookies the request changed."""
        if self.new_session:
            response.set_cookie(
                security.SESSION_COOKIE,
                security.sign_session(self.state.secret(), self.session),
                max_age=security.SESSION_AGE,
                httponly=True,
                samesite="lax",
                secure=self.base_url.startswith("https://"),
                path="/",
            )
        if self.set_lang:
            response.set_cookie(
                LANG_COOKIE, self.set_lang, max_age=365 * 86400, samesite="lax", path="/",
                secure=self.base_url.startswith("https://"),
            )
        return response

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        page = self.state.templates.get_template(template).render(
            ctx=self, t=self.t, lang=self.lang, **values
        )
        return self.finish(HTMLResponse(page, status_code=status))


def make_ctx(request: Request, state: WebState) -> Ctx:
    query_lang = request.query_params.get("lang")
    lang = choose_lang(
        query_lang, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )
    session = security.read_session(state.secret(), request.cookies.get(security.SESSION_COOKIE))
    ctx = Ctx(request, state, state.vault(), lang, session)
    if query_lang == lang and request.cookies.get(LANG_COOKIE) != lang:
        ctx.set_lang = lang
    return ctx


@contextmanager
def read_snapshot(vault: Vault) -> Iterator[None]:
    """One read transaction around a page where the store offers one (SQLite); else none."""
    snapshot = getattr(vault.store, "read_snapshot", None)
    if snapshot is None:
        yield
        return
    with snapshot():
        yield


Handler = Callable[[Ctx], Response]
