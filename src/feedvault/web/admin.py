"""Admin pages: log in, add a feed, import OPML/archive uploads, per-feed settings, token.

Every POST here goes through ``form_action``: the CSRF token is checked first, then the
admin session. Logging in replaces the session (new CSRF token) so a token seen before
login is useless after it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedvault.errors import UsageError
from feedvault.naming import slugify
from feedvault.vault import Vault
from feedvault.web import security
from feedvault.web.context import Ctx
from feedvault.web.guard import admin_page, error_page, form_action, page
from feedvault.web.origin import client_address
from feedvault.web.views import BadParam, fmt_dt, int_param

MIN_PASSWORD = 8


def set_admin_password(vault: Vault, password: str) -> None:
    """The password of the admin user ``admin``, made when missing (the CLI's `admin
    set-password`); the pre-accounts hash in the meta table goes (docs/accounts.md)."""
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the admin password needs at least {MIN_PASSWORD} characters")
    vault.users.set_password("admin", password, create_admin=True)
    vault.store.set_meta(security.PASSWORD_KEY, None)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _back(ctx: Ctx, path: str, flash: str | None = None) -> Response:
    if flash:
        ctx.session["flash"] = flash
        ctx.new_session = True
    return ctx.finish(RedirectResponse(path, status_code=303))


def login_form(ctx: Ctx) -> Response:
    next_path = security.safe_next(ctx.request.query_params.get("next"), "/admin")
    return ctx.render("login.html", next_path=next_path, failed=False,
                      configured=security.admin_configured(ctx.vault.store))


def login(ctx: Ctx, form: FormData) -> Response:
    next_path = security.safe_next(_text(form, "next"), "/admin")
    client = client_address(ctx.request, ctx.state.settings.web)
    wait = ctx.state.logins.retry_after(client)
    if wait is not None:
        response = error_page(ctx, 429, ctx.t("login_throttled", seconds=wait))
        response.headers["Retry-After"] = str(wait)
        return response
    if not security.check_admin_password(ctx.vault.store, _text(form, "password")):
        ctx.state.logins.failed(client)
        return ctx.render("login.html", status=403, next_path=next_path, failed=True,
                          configured=security.admin_configured(ctx.vault.store))
    ctx.state.logins.succeeded(client)
    ctx.session.clear()
    ctx.session.update({"admin": True, "csrf": security.new_csrf()})
    ctx.new_session = True
    return ctx.finish(RedirectResponse(next_path, status_code=303))


def logout(ctx: Ctx, form: FormData) -> Response:
    ctx.session.clear()
    ctx.new_session = True
    return ctx.finish(RedirectResponse("/", status_code=303))


def dashboard(ctx: Ctx) -> Response:
    return ctx.render("admin.html", feeds=ctx.vault.feeds(),
                      private=ctx.state.private(), fmt_dt=fmt_dt)


def add_feed(ctx: Ctx, form: FormData) -> Response:
    feed = ctx.vault.add_feed(_text(form, "url"), name=_text(form, "name") or None,
                              slug=_text(form, "slug") or None,
                              update=form.get("fetch") == "1")
    return _back(ctx, f"/feeds/{feed.slug}",
                 ctx.t("added", name=feed.name, n=feed.entry_count))


def import_files(ctx: Ctx, form: FormData) -> Response:
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not uploads:
        raise UsageError("choose at least one file to import")
    hint = slugify(_text(form, "feed")) or "imported"
    with tempfile.TemporaryDirectory(prefix="feedvault-upload-") as tmp:
        folder = Path(tmp) / hint  # the archive reader names the feed after the folder
        folder.mkdir()
        paths = []
        for number, upload in enumerate(uploads):
            name = Path(upload.filename or "").name or f"upload-{number}"
            path = folder / f"{number:04d}-{name}"
            path.write_bytes(upload.file.read())
            paths.append(path)
        result = ctx.vault.import_paths(paths, feed=slugify(_text(form, "feed")) or None)
    summary = ", ".join(f"{k}={v}" for k, v in result.as_dict().items() if k != "errors")
    if result.errors:
        summary += "; " + "; ".join(e.replace(tmp, "") for e in result.errors[:5])
    return _back(ctx, "/admin", ctx.t("imported", summary=summary))


def feed_settings_form(ctx: Ctx) -> Response:
    feed = ctx.vault.feed(ctx.request.path_params["slug"])
    return ctx.render("feed_settings.html", feed=feed)


def save_feed_settings(ctx: Ctx, form: FormData) -> Response:
    feed = ctx.vault.feed(ctx.request.path_params["slug"])
    settings = dict(feed.settings)
    interval = _text(form, "interval")
    if interval:
        try:
            settings["interval"] = int_param(interval, "interval (seconds)", default=0, low=60,
                                             high=30 * 86400)
        except BadParam as exc:
            raise UsageError(str(exc)) from None
    else:
        settings.pop("interval", None)
    settings["full_text"] = form.get("full_text") == "1"
    settings["snapshot"] = form.get("snapshot") == "1"  # keep article pages (docs/media.md)
    selector = _text(form, "selector")
    if selector:
        _check_selector(selector)
        settings["selector"] = selector
    else:
        settings.pop("selector", None)
    ctx.vault.store.set_feed_settings(feed.id, settings)
    return _back(ctx, f"/admin/feeds/{feed.slug}", ctx.t("saved"))


def _check_selector(selector: str) -> None:
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise UsageError(f"selector {selector!r}: {exc}") from None


def new_token(ctx: Ctx, form: FormData) -> Response:
    token = security.new_api_token(ctx.vault.store)
    return _back(ctx, "/admin", ctx.t("token_shown", token=token))


def set_private(ctx: Ctx, form: FormData) -> Response:
    value = "1" if form.get("private") == "1" else None
    ctx.vault.store.set_meta(security.PRIVATE_KEY, value)
    return _back(ctx, "/admin", ctx.t("saved"))


routes = [
    Route("/admin/login", page(login_form, public=True), methods=["GET"], name="login"),
    Route("/admin/login", form_action(login, admin=False), methods=["POST"]),
    Route("/admin/logout", form_action(logout, admin=False), methods=["POST"], name="logout"),
    Route("/admin", admin_page(dashboard), methods=["GET"], name="admin"),
    Route("/admin/feeds", form_action(add_feed), methods=["POST"], name="add_feed"),
    Route("/admin/import", form_action(import_files), methods=["POST"], name="import"),
    Route("/admin/token", form_action(new_token), methods=["POST"], name="token"),
    Route("/admin/private", form_action(set_private), methods=["POST"], name="private"),
    Route("/admin/feeds/{slug}", admin_page(feed_settings_form), methods=["GET"],
          name="feed_settings"),
    Route("/admin/feeds/{slug}", form_action(save_feed_settings), methods=["POST"]),
]
