"""The `feedvault` command: thin wrappers over :mod:`feedvault.vault`.

Imports are lazy so that `feedvault --help` starts fast. A FeedvaultError becomes one line on
stderr and exit status 1; argparse's usage errors exit with 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feedvault.models import Entry, EntryVersion, Feed
    from feedvault.vault import Vault

Handler = Callable[["Vault", argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    from feedvault.errors import FeedvaultError

    try:
        from feedvault.config import load_settings
        from feedvault.vault import open_vault

        settings = load_settings(args.db)
        reading = args.handler in _READING or args.handler.__name__ == "cmd_changes"
        new_at = _check_vault_path(settings.db, reading=reading)
        with open_vault(settings=settings) as vault:
            if new_at and args.handler in (cmd_run, cmd_serve):  # they run for long: say now
                print(f"feedvault: created a new vault at {new_at}", file=sys.stderr)
                new_at = None
            code = int(args.handler(vault, args))
        if new_at:
            print(f"feedvault: created a new vault at {new_at}", file=sys.stderr)
        return code
    except FeedvaultError as exc:
        print(f"feedvault: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("feedvault: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _check_vault_path(db: str, *, reading: bool) -> str | None:
    """A reading command needs a vault that exists; a new vault is only made where the
    user's directory exists (the default location is created). Returns the path of a vault
    about to be made at a place the user chose, to be announced on stderr."""
    from pathlib import Path

    from feedvault.config import default_data_dir
    from feedvault.errors import UsageError

    if db.startswith(("postgresql://", "postgres://")) or db == ":memory:":
        return None
    path = Path(db.removeprefix("sqlite:///").removeprefix("sqlite://")).expanduser()
    if path.is_dir():
        raise UsageError(f"{path} is a directory, not a vault file")
    if path.exists():
        return None
    if reading:
        raise UsageError(
            f"no vault at {path} (check --db or FEEDVAULT_DB; `feedvault add URL` makes one)"
        )
    if path.absolute() == (default_data_dir() / "vault.db").absolute():
        return None
    if not path.parent.is_dir():
        raise UsageError(
            f"will not create a vault at {path}: directory {path.parent} does not exist"
        )
    return str(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedvault",
        description="Keep news feeds forever: every item, every edit, the original bytes.",
        epilog=(
            "Exit status 0 on success, 1 on an error (one line: 'feedvault: error: ...'), 2 on "
            "a bad argument. A fault of the vault itself (disk full, a read-only, corrupted or "
            "truncated file, another application's database, a lost PostgreSQL server) stops "
            "a command; one bad feed never does. A read-only vault still serves the reading "
            "commands and `serve`. Reading commands need an existing vault; a new one is made "
            "only where its directory exists (the default location is created)."
        ),
    )
    parser.add_argument(
        "--db",
        metavar="URL_OR_PATH",
        help="vault database (default: FEEDVAULT_DB or $XDG_DATA_HOME/feedvault/vault.db)",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = _cmd(sub, "add", cmd_add, "subscribe to a feed URL or a local feed file")
    p.add_argument("source", help="http(s) URL or path of a feed file")
    p.add_argument("--name", help="display name (default: the feed's title)")
    p.add_argument("--slug", help="short name used in commands and paths")
    p.add_argument("--no-update", action="store_true", help="do not fetch it now")
    p.add_argument(
        "--pick",
        type=_positive_int,
        metavar="N",
        help="when a page links to several feeds, take the N-th",
    )
    p.add_argument("--json", action="store_true")

    p = _cmd(sub, "configure", cmd_configure, "change a feed's settings")
    p.add_argument("slug")
    p.add_argument(
        "--interval",
        type=_positive_int,
        metavar="SECONDS",
        help="poll every SECONDS instead of the learnt interval",
    )
    p.add_argument("--learn-interval", action="store_true", help="back to the learnt interval")
    p.add_argument(
        "--full-text",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fetch each new article's page and keep its full text",
    )
    p.add_argument("--selector", metavar="CSS", help="where the article is on the page")
    p.add_argument("--json", action="store_true")

    p = _cmd(sub, "remove", cmd_remove, "delete a feed and everything kept of it")
    p.add_argument("slug")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    p = _cmd(sub, "update", cmd_update, "fetch feeds and store what is new or changed")
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="feeds to update (default: all)")
    p.add_argument("--json", action="store_true")

    p = _cmd(sub, "run", cmd_run, "keep the vault updated until stopped (the main job)")
    p.add_argument("--once", action="store_true", help="update the feeds that are due, then exit")
    p.add_argument("--serve", action="store_true", help="also serve the web app")
    p.add_argument("--host", default="127.0.0.1", help="web app address (with --serve)")
    p.add_argument("--port", type=_port, default=8080, help="web app port (with --serve)")
    p.add_argument(
        "--max-sleep",
        type=_positive_float,
        default=60.0,
        metavar="SECONDS",
        help="look for due feeds at least this often (default: 60)",
    )

    p = _cmd(sub, "serve", cmd_serve, "serve the web app, JSON API and Atom feeds")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8080, help="port (default 8080)")

    p = _cmd(sub, "admin", None, "web admin account")
    adm = p.add_subparsers(title="actions", metavar="ACTION", required=True)
    q = _cmd(adm, "set-password", cmd_admin_password, "set the web admin password")
    q.add_argument("--stdin", action="store_true", help="read the password from standard input")

    p = _cmd(sub, "feeds", cmd_feeds, "list feeds")
    p.add_argument("--json", action="store_true")

    p = _cmd(sub, "entries", cmd_entries, "list entries, newest first")
    p.add_argument("--feed", metavar="SLUG")
    p.add_argument("--limit", type=_positive_int, default=20, metavar="N")
    p.add_argument("--json", action="store_true")

    p = _cmd(sub, "show", cmd_show, "show one entry with its versions")
    p.add_argument("entry_id", type=_positive_int, metavar="ENTRY_ID")
    p.add_argument("--json", action="store_true")

    p = _cmd(sub, "search", cmd_search, "search titles and text (Chinese and English)")
    p.add_argument(
        "query",
        metavar="QUERY",
        help='words (AND), "exact phrase", OR, -exclude, word*, feed:SLUG, '
        "since:YYYY-MM-DD, until:YYYY-MM-DD",
    )
    p.add_argument("--feed", metavar="SLUG")
    p.add_argument("--since", type=_date, metavar="YYYY-MM-DD")
    p.add_argument("--until", type=_date, metavar="YYYY-MM-DD")
    p.add_argument("--limit", type=_positive_int, default=20, metavar="N")
    p.add_argument("--sort", choices=("newest", "relevance"), default="newest")
    p.add_argument("--json", action="store_true")

    _cmd(sub, "reindex", cmd_reindex, "rebuild the search index from stored versions")
    p = _cmd(sub, "reclean", cmd_reclean, "recompute cleaned HTML and text after rule changes")
    p.add_argument("--feed", metavar="SLUG")

    from feedvault.changes.cli import add_changes_parsers

    add_changes_parsers(sub, _cmd)

    p = _cmd(sub, "import", cmd_import, "import archive files or trees and OPML files")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--feed", metavar="SLUG", help="put all archive files into this feed")
    p.add_argument("--json", action="store_true")

    p = _cmd(sub, "copy", cmd_copy, "copy the whole vault into another (SQLite <-> PostgreSQL)")
    p.add_argument(
        "--to",
        required=True,
        metavar="URL_OR_PATH",
        help="an empty destination: postgresql://user@host/db or a SQLite path",
    )
    p.add_argument("--no-verify", action="store_true", help="skip the count/checksum check")
    p.add_argument("--json", action="store_true")

    p = _cmd(sub, "export", None, "export the archive tree or the subscription list")
    exp = p.add_subparsers(title="formats", metavar="FORMAT", required=True)
    q = _cmd(exp, "markdown", cmd_export_markdown, "the duty-machine tree: articles/, lists/")
    q.add_argument("dir", metavar="DIR")
    q.add_argument("--feed", action="append", metavar="SLUG", help="only these feeds")
    q.add_argument("--commit", action="store_true", help="git commit the changes in DIR")
    q.add_argument("--json", action="store_true")
    q = _cmd(exp, "opml", cmd_export_opml, "the subscription list as OPML")
    q.add_argument("file", metavar="FILE")
    return parser


def _cmd(sub: Any, name: str, handler: Handler | None, help_text: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    if handler is not None:
        p.set_defaults(handler=handler)
    return p


def _version() -> str:
    from feedvault import __version__

    return f"feedvault {__version__}"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a port: {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _date(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _print_json(value: object) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# ---- commands ------------------------------------------------------------------------------


def cmd_add(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.errors import FeedvaultError

    source = args.source
    if source.startswith(("http://", "https://")) and not args.no_update:
        source = _choose_feed(vault, source, args.pick)
    feed = vault.add_feed(source, name=args.name, slug=args.slug, update=False)
    if not args.no_update:
        result = vault.update([feed.slug])[0]
        if result.status == "error" and vault.feed(feed.slug).entry_count == 0:
            vault.remove_feed(feed.slug)
            raise FeedvaultError(result.error or f"{feed.slug}: update failed")
        feed = vault.feed(feed.slug)
    if args.json:
        _print_json(feed_json(feed))
    else:
        print(f"added {feed.slug}: {feed.name} ({feed.entry_count} entries)")
    return 0


def _choose_feed(vault: Vault, url: str, pick: int | None) -> str:
    """The feed URL to subscribe to: the URL itself or one of the feeds its page links to."""
    from feedvault.errors import UsageError

    found = vault.discover_feeds(url)
    if not found:
        raise UsageError(f"no feed found at {url}")
    if pick is not None:
        if pick > len(found):
            raise UsageError(f"--pick {pick}: only {len(found)} feeds found at {url}")
        return found[pick - 1][0]
    if len(found) == 1:
        return found[0][0]
    listing = "; ".join(f"{i}) {title or '?'} <{u}>" for i, (u, title) in enumerate(found, 1))
    if not sys.stdin.isatty():
        raise UsageError(f"{len(found)} feeds found at {url}, pass --pick N: {listing}")
    for i, (u, title) in enumerate(found, 1):
        print(f"{i}) {title or '(no title)'}  {u}")
    answer = input(f"Which feed? [1-{len(found)}] ").strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(found):
        raise UsageError(f"no feed chosen (expected 1-{len(found)})")
    return found[int(answer) - 1][0]


def cmd_configure(vault: Vault, args: argparse.Namespace) -> int:
    changes: dict[str, object] = {}
    if args.interval is not None:
        changes["interval"] = args.interval
    if args.learn_interval:
        changes["interval"] = None
    if args.full_text is not None:
        changes["full_text"] = args.full_text
    if args.selector is not None:
        changes["selector"] = args.selector or None
    feed = vault.configure_feed(args.slug, **changes)
    if args.json:
        _print_json({"slug": feed.slug, "settings": feed.settings})
    else:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(feed.settings.items())) or "defaults"
        print(f"{feed.slug}: {shown}")
    return 0


def cmd_remove(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.errors import UsageError

    feed = vault.feed(args.slug)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("refusing to remove without confirmation; pass --yes")
        answer = input(f"Remove {feed.slug} and its {feed.entry_count} entries for good? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing removed")
            return 1
    count = vault.remove_feed(feed.slug)
    print(f"removed {feed.slug} ({count} entries)")
    return 0


def cmd_update(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.update.pipeline import UpdateResult

    total = len(args.slugs) if args.slugs else sum(1 for f in vault.feeds() if f.url)
    bar = sys.stderr.isatty() and not args.json
    done = 0

    def show(result: UpdateResult) -> None:
        nonlocal done
        done += 1
        if args.json:
            return
        if bar:
            width = 30
            filled = width * done // max(total, 1)
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {result.slug[:30]:<30}"
            )
            sys.stderr.flush()
            if result.error:
                sys.stderr.write("\r" + " " * 80 + "\r")
                print(_summary(result), flush=True)
        else:
            print(_summary(result), flush=True)

    results = vault.update(args.slugs or None, on_result=show)
    if bar:
        sys.stderr.write("\r" + " " * 80 + "\r")
    if args.json:
        _print_json([r.as_dict() for r in results])
    elif bar or len(results) > 1:
        counts = {k: sum(getattr(r, k) for r in results) for k in ("new", "changed", "unchanged")}
        errors = sum(1 for r in results if r.status in ("error", "gone"))
        print(
            f"{len(results)} feeds: {counts['new']} new, {counts['changed']} changed, "
            f"{counts['unchanged']} unchanged entries; {errors} feeds with errors"
        )
    check_written = getattr(vault.store, "check_written", None)
    if results and check_written is not None:
        check_written()  # a corrupted vault can take writes silently: say so, exit non-zero
    failed = [r for r in results if r.status == "error"]
    return 1 if results and len(failed) == len(results) else 0


def _summary(result: Any) -> str:
    if result.error:
        return f"{result.slug}: error: {result.error.removeprefix(result.slug + ': ')}"
    if result.status == "not_modified":
        return f"{result.slug}: not modified"
    return (
        f"{result.slug}: {result.new} new, {result.changed} changed, {result.unchanged} unchanged"
    )


def cmd_run(vault: Vault, args: argparse.Namespace) -> int:
    import logging

    from feedvault.update.runner import run_forever

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S"
    )
    if not args.serve:
        return run_forever(vault, once=args.once, max_sleep=args.max_sleep, report=_summary)
    from feedvault.web.app import background_server

    with background_server(vault.settings, args.host, args.port):
        return run_forever(vault, once=args.once, max_sleep=args.max_sleep, report=_summary)


def cmd_serve(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.web import serve

    db = vault.settings.db
    vault.close()  # the web app opens its own connections, one per thread
    serve(db, host=args.host, port=args.port)
    return 0


def cmd_admin_password(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.errors import UsageError
    from feedvault.web import set_admin_password

    if args.stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        import getpass

        password = getpass.getpass("New admin password: ")
        if getpass.getpass("Again: ") != password:
            raise UsageError("the passwords differ; nothing changed")
    set_admin_password(vault, password)
    print("admin password set")
    return 0


def cmd_feeds(vault: Vault, args: argparse.Namespace) -> int:
    feeds = vault.feeds()
    if args.json:
        _print_json([feed_json(f) for f in feeds])
        return 0
    for f in feeds:
        state = f.status if not f.error_count else f"{f.status} ({f.error_count} errors)"
        updated = f.last_updated.strftime("%Y-%m-%d %H:%M") if f.last_updated else "never"
        due = f.next_check.strftime("%Y-%m-%d %H:%M") if f.next_check else "now"
        print(f"{f.slug}\t{f.entry_count} entries\tupdated {updated}\tnext {due}\t{state}"
              f"\t{f.name}")
        if f.last_error:
            print(f"\tlast error: {f.last_error}")
    return 0


def cmd_entries(vault: Vault, args: argparse.Namespace) -> int:
    entries = vault.entries(args.feed, limit=args.limit)
    if args.json:
        _print_json([entry_json(e) for e in entries])
        return 0
    for e in entries:
        print(f"{e.id}\t{e.published:%Y-%m-%d %H:%M}\t{e.feed_slug}\t{e.title}")
    return 0


def _marks(vault: Vault, entry_id: int) -> list[Any]:
    """Disappearance and edit marks of an entry (none on a backend that records none)."""
    from feedvault.changes.backend import changes_api
    from feedvault.errors import UsageError

    try:
        db = changes_api(vault.store)
    except UsageError:
        return []
    return db.marks_for_entry(entry_id)


def cmd_show(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.changes.report import format_marks

    entry = vault.entry(args.entry_id)
    marks = _marks(vault, entry.id)
    if args.json:
        from feedvault.timeutil import iso

        data = entry_json(entry)
        data.update(
            raw_html=entry.raw_html,
            content_html=entry.content_html,
            versions=[version_json(v) for v in entry.versions],
            marks=[
                {"kind": m.kind, "at": iso(m.at), "how": m.how, "evidence": m.evidence}
                for m in marks
            ],
        )
        _print_json(data)
        return 0
    print(
        f"{entry.title}\n{entry.link or ''}\nfeed: {entry.feed_slug}   published: "
        f"{entry.published:%Y-%m-%d %H:%M} UTC ({entry.published_source})   first seen: "
        f"{entry.first_seen:%Y-%m-%d %H:%M} UTC\n"
    )
    print(entry.text)
    print(f"\nversions ({len(entry.versions)}):")
    for v in entry.versions:
        print(f"  {v.seq}\t{v.seen_at:%Y-%m-%d %H:%M}\t{v.source}\t{v.title}")
    if marks:
        print(f"\nmarks ({len(marks)}):")
        print("\n".join(format_marks(marks)))
    return 0


def cmd_search(vault: Vault, args: argparse.Namespace) -> int:
    hits = vault.search(
        args.query,
        feed=args.feed,
        since=args.since,
        until=args.until,
        limit=args.limit,
        sort=args.sort,
    )
    if args.json:
        from feedvault.timeutil import iso

        _print_json(
            [
                {
                    "id": h.entry.id,
                    "feed": h.entry.feed_slug,
                    "title": h.entry.title,
                    "link": h.entry.link,
                    "published": iso(h.entry.published),
                    "snippet": h.snippet,
                }
                for h in hits
            ]
        )
        return 0
    import html
    import re

    for h in hits:
        snippet = html.unescape(re.sub(r"</?mark>", "**", h.snippet))
        print(f"{h.entry.id}\t{h.entry.published:%Y-%m-%d}\t{h.entry.feed_slug}\t{h.entry.title}")
        print(f"\t{snippet}")
    if not hits:
        print("no matches", file=sys.stderr)
    return 0


def cmd_reindex(vault: Vault, args: argparse.Namespace) -> int:
    print(f"indexed {vault.reindex()} entries")
    return 0


def cmd_reclean(vault: Vault, args: argparse.Namespace) -> int:
    print(f"recleaned {vault.reclean(args.feed)} versions")
    return 0


def cmd_import(vault: Vault, args: argparse.Namespace) -> int:
    result = vault.import_paths(args.paths, feed=args.feed)
    if args.json:
        _print_json(result.as_dict())
    else:
        print(
            f"imported {result.files} files: {result.new} new, {result.changed} changed, "
            f"{result.unchanged} unchanged entries; {result.feeds_added} feeds and "
            f"{result.subscriptions_added} subscriptions added"
        )
    for error in result.errors:
        print(f"feedvault: error: {error}", file=sys.stderr)
    return 1 if result.errors and result.files == 0 else 0


def cmd_copy(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.store import open_storage
    from feedvault.store.copy import copy_vault

    dest = open_storage(args.to)
    try:
        report = copy_vault(vault.store, dest, verify=not args.no_verify)
    finally:
        dest.close()
    if args.json:
        _print_json(report.as_dict())
        return 0
    rows = ", ".join(f"{t.rows} {t.name}" for t in report.tables)
    check = "counts and checksums verified" if report.verified else "not verified"
    print(f"copied {rows}; {report.indexed} entries indexed; {check}")
    return 0


def cmd_export_markdown(vault: Vault, args: argparse.Namespace) -> int:
    stats = vault.export_markdown(args.dir, feeds=args.feed, commit=args.commit)
    if args.json:
        _print_json(
            dict(
                written=stats.written,
                updated=stats.updated,
                unchanged=stats.unchanged,
                feeds=stats.feeds,
            )
        )
    else:
        print(
            f"exported {stats.feeds} feeds: {stats.written} new, {stats.updated} updated, "
            f"{stats.unchanged} unchanged files"
        )
    return 0


def cmd_export_opml(vault: Vault, args: argparse.Namespace) -> int:
    count = vault.export_opml(args.file)
    print(f"wrote {count} subscriptions to {args.file}")
    return 0


# ---- JSON shapes -------------------------------------------------------------------------


def feed_json(feed: Feed) -> dict[str, object]:
    from feedvault.timeutil import iso

    return {
        "slug": feed.slug,
        "name": feed.name,
        "url": feed.url,
        "entries": feed.entry_count,
        "last_updated": iso(feed.last_updated),
        "last_error": feed.last_error,
        "status": feed.status,
        "error_count": feed.error_count,
        "next_check": iso(feed.next_check),
    }


def entry_json(entry: Entry) -> dict[str, object]:
    from feedvault.timeutil import iso

    return {
        "id": entry.id,
        "feed": entry.feed_slug,
        "title": entry.title,
        "link": entry.link,
        "published": iso(entry.published),
        "text": entry.text,
    }


def version_json(version: EntryVersion) -> dict[str, object]:
    from feedvault.timeutil import iso

    return {
        "seq": version.seq,
        "seen_at": iso(version.seen_at),
        "source": version.source,
        "title": version.title,
        "link": version.link,
        "raw_html": version.raw_html,
        "content_html": version.content_html,
        "text": version.text,
        "content_hash": version.content_hash,
    }


# Commands that only read: on a path with no vault they say so rather than create one.
_READING: frozenset[Callable[..., int]] = frozenset(
    {cmd_feeds, cmd_entries, cmd_show, cmd_search, cmd_copy, cmd_export_markdown,
     cmd_export_opml}
)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
