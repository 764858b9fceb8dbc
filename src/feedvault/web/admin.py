"""Admin pages: log in, add, rename, refresh, configure and remove feeds, import OPML and
archive uploads (the result as a table), export OPML, the read token.

Feeds are added by URL only: a path typed in the web form is a file on the server, so it
is refused unless it lies under ``[web] local_feeds_dir`` (docs/web.md).

Every POST here goes through ``form_action``: the CSRF token is checked first, then the
admin session. Logging in replaces the session (new CSRF token) so a token seen before
login is useless after it.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedvault.config import Settings
from feedvault.errors import FeedvaultError, UsageError
from feedvault.models import Feed
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


def feed_host(feed: Feed) -> str:
    """What tells two feeds of one name apart: the host of its URL (or the site's)."""
    for url in (feed.url, feed.site_url):
        if url and url.startswith(("http://", "https://")):
            try:
                host = urlsplit(url).hostname
            except ValueError:
                continue
            if host:
                return host.removeprefix("www.")
    return ""


def _by_name(feeds: list[Feed]) -> list[Feed]:
    return sorted(feeds, key=lambda f: (f.name.casefold(), feed_host(f), f.slug))


def dashboard(ctx: Ctx) -> Response:
    return ctx.render("admin.html", feeds=_by_name(ctx.vault.feeds()), host=feed_host,
                      private=ctx.state.private(), fmt_dt=fmt_dt)


def local_feeds_dir(settings: Settings) -> Path | None:
    """``[web] local_feeds_dir`` (or FEEDVAULT_LOCAL_FEEDS_DIR): the one directory whose
    files the web form may subscribe to (none by default: a web visitor names no file on
    the server)."""
    web = settings.raw.get("web", {})
    value = os.environ.get("FEEDVAULT_LOCAL_FEEDS_DIR") or (
        web.get("local_feeds_dir") if isinstance(web, dict) else None)
    return Path(str(value)).expanduser().resolve() if value else None


def web_source(settings: Settings, source: str) -> str:
    """A feed source typed in the web form or listed in an uploaded OPML file: an http(s)
    URL, or a file under ``local_feeds_dir`` (as a path the resolver cannot leave)."""
    source = source.strip()
    if source.startswith(("http://", "https://")):
        return source
    root = local_feeds_dir(settings)
    if root is None or "://" in source or not source:
        raise UsageError(f"{source[:200]!r}: only http(s) feed URLs can be added from the web"
                         " (local files only under [web] local_feeds_dir)")
    path = (root / source).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise UsageError(f"{source[:200]!r}: no such file under the local feeds directory")
    return str(path)


def add_feed(ctx: Ctx, form: FormData) -> Response:
    """Subscribe and fetch once; a feed whose first fetch fails is removed again, so a
    mistyped URL leaves nothing behind."""
    source = web_source(ctx.state.settings, _text(form, "url"))
    vault = ctx.vault
    feed = vault.add_feed(source, name=_text(form, "name") or None,
                          slug=_text(form, "slug") or None, update=False)
    try:
        results = vault.update([feed.slug])
    except BaseException:
        vault.remove_feed(feed.slug)
        raise
    failed = [r for r in results if r.status in ("error", "gone")]
    if failed or not results:
        vault.remove_feed(feed.slug)
        reason = (failed[0].error or failed[0].status) if failed else "not fetched"
        raise UsageError(ctx.t("add_failed", url=_text(form, "url")[:200], error=reason))
    feed = vault.feed(feed.slug)
    return _back(ctx, f"/feeds/{feed.slug}",
                 ctx.t("added", name=feed.name, n=feed.entry_count))


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One line of the import result table."""

    item: str  # a subscription's title and URL, or an archive group
    outcome: str  # added | skipped | failed | imported
    detail: str


def import_files(ctx: Ctx, form: FormData) -> Response:
    from feedvault.archive.opml import read_opml
    from feedvault.archive.reader import looks_like_opml
    from feedvault.importer import import_paths

    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not uploads:
        raise UsageError("choose at least one file to import")
    hint = slugify(_text(form, "feed")) or "imported"
    vault = ctx.vault
    added: dict[str, str] = {}  # URL -> slug
    failed: dict[str, str] = {}  # URL -> why

    def subscribe(url: str, name: str | None) -> Feed:
        try:
            feed = vault.add_feed(web_source(ctx.state.settings, url), name=name,
                                  update=False)
        except FeedvaultError as exc:
            failed[url] = str(exc)
            raise
        added[url] = feed.slug
        return feed

    known = {f.url for f in vault.feeds()}
    with tempfile.TemporaryDirectory(prefix="feedvault-upload-") as tmp:
        folder = Path(tmp) / hint  # the archive reader names the feed after the folder
        folder.mkdir()
        paths = []
        for number, upload in enumerate(uploads):
            name = Path(upload.filename or "").name or f"upload-{number}"
            path = folder / f"{number:04d}-{name}"
            path.write_bytes(upload.file.read())
            paths.append(path)
        before = {f.slug for f in vault.feeds()}
        result = import_paths(vault.store, paths, rules=vault.rules, subscribe=subscribe,
                              feed_slug=slugify(_text(form, "feed")) or None)
        rows: list[ImportRow] = []
        for path in paths:
            if not looks_like_opml(path):
                continue
            try:
                subs = read_opml(path.read_bytes(), path=path.name)
            except FeedvaultError:
                continue  # in result.errors
            for sub in subs:
                item = f"{sub.title} <{sub.xml_url}>" if sub.title else sub.xml_url
                if sub.xml_url in added:
                    rows.append(ImportRow(item, "added", added[sub.xml_url]))
                elif sub.xml_url in failed:
                    rows.append(ImportRow(item, "failed", failed[sub.xml_url]))
                else:
                    rows.append(ImportRow(item, "skipped", ctx.t("already_subscribed")
                                          if sub.xml_url in known else ""))
        if result.new or result.changed or result.unchanged or result.feeds_added:
            targets = sorted({f.slug for f in vault.feeds()} - before - set(added.values()))
            rows.append(ImportRow(
                ", ".join(targets) or slugify(_text(form, "feed")) or hint, "imported",
                ctx.t("archive_counts", new=result.new, changed=result.changed,
                      unchanged=result.unchanged)))
        errors = [e.replace(str(folder) + "/", "").replace(tmp, "") for e in result.errors
                  if not any(url in e for url in failed)]
    rows.extend(ImportRow(ctx.t("files"), "failed", e) for e in errors)
    return ctx.render("admin_import.html", rows=rows)


def feed_settings_form(ctx: Ctx) -> Response:
    feed = ctx.vault.feed(ctx.request.path_params["slug"])
    from feedvault.update.media import feed_enclosures_on, feed_media_on

    return ctx.render("feed_settings.html", feed=feed, host=feed_host(feed),
                      media_on=feed_media_on(feed),
                      enclosures_on=feed_enclosures_on(feed, ctx.state.settings.media),
                      fmt_dt=fmt_dt)


def remove_form(ctx: Ctx) -> Response:
    feed = ctx.vault.feed(ctx.request.path_params["slug"])
    return ctx.render("admin_remove.html", feed=feed, host=feed_host(feed))


def remove_feed(ctx: Ctx, form: FormData) -> Response:
    feed = ctx.vault.feed(ctx.request.path_params["slug"])
    if _text(form, "confirm") != feed.slug:
        raise UsageError(f"feed {feed.slug}: not removed (the removal was not confirmed)")
    removed = ctx.vault.remove_feed(feed.slug)
    return _back(ctx, "/admin", ctx.t("removed", name=feed.name, n=removed))


def refresh_feed(ctx: Ctx, form: FormData) -> Response:
    feed = ctx.vault.feed(ctx.request.path_params["slug"])
    results = ctx.vault.update([feed.slug])
    if not results:
        message = ctx.t("refresh_failed", name=feed.name, error=ctx.t("no_url"))
    elif results[0].status in ("error", "gone"):
        message = ctx.t("refresh_failed", name=feed.name,
                        error=results[0].error or results[0].status)
    else:
        message = ctx.t("refreshed", name=feed.name, new=results[0].new,
                        changed=results[0].changed)
    return _back(ctx, f"/admin/feeds/{feed.slug}", message)


def export_opml(ctx: Ctx) -> Response:
    from feedvault.exporter import opml_document

    owner = ctx.vault.users.opml_user()  # the admin's folders (docs/accounts.md)
    folders = None if owner is None else ctx.vault.users.folder_of_feeds(owner)
    _, data = opml_document(ctx.vault.store, folders=folders)
    return Response(data, media_type="text/x-opml; charset=utf-8", headers={
        "content-disposition": 'attachment; filename="feedvault-subscriptions.opml"',
        "cache-control": "private, no-store"})


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
    if "media_form" in form:  # forms from before the media boxes leave them as they are
        # media is on unless set false; enclosures follow [media] enclosures unless set
        if form.get("media") == "1":
            settings.pop("media", None)
        else:
            settings["media"] = False
        enclosures = form.get("media_enclosures") == "1"
        if enclosures == ctx.state.settings.media.enclosures:
            settings.pop("media_enclosures", None)
        else:
            settings["media_enclosures"] = enclosures
    selector = _text(form, "selector")
    if selector:
        _check_selector(selector)
        settings["selector"] = selector
    else:
        settings.pop("selector", None)
    name = _text(form, "name")
    if len(name) > 300:
        raise UsageError(f"feed {feed.slug}: the name is longer than 300 characters")
    ctx.vault.store.set_feed_settings(feed.id, settings)
    if name and name != feed.name:
        ctx.vault.store.rename_feed(feed.id, name)
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
    Route("/admin/feeds/{slug}/remove", admin_page(remove_form), methods=["GET"],
          name="remove_feed"),
    Route("/admin/feeds/{slug}/remove", form_action(remove_feed), methods=["POST"]),
    Route("/admin/feeds/{slug}/refresh", form_action(refresh_feed), methods=["POST"],
          name="refresh_feed"),
    Route("/admin/subscriptions.opml", admin_page(export_opml), methods=["GET"],
          name="export_opml"),
]
