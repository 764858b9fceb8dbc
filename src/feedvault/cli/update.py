"""`feedvault update` and `feedvault run`: updating the vault, once or until stopped."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from feedvault.cli.args import add_command, port, positive_float, print_json

if TYPE_CHECKING:
    from feedvault.vault import Vault


def add_parsers(sub: Any) -> None:
    p = add_command(sub, "update", cmd_update, "fetch feeds and store what is new or changed")
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="feeds to update (default: all)")
    p.add_argument("--json", action="store_true")

    p = add_command(
        sub,
        "run",
        cmd_run,
        "keep the vault updated until stopped (the main job)",
        long_running=True,
    )
    p.add_argument("--once", action="store_true", help="update the feeds that are due, then exit")
    p.add_argument("--serve", action="store_true", help="also serve the web app")
    p.add_argument("--host", default="127.0.0.1", help="web app address (with --serve)")
    p.add_argument("--port", type=port, default=8080, help="web app port (with --serve)")
    p.add_argument(
        "--max-sleep",
        type=positive_float,
        default=60.0,
        metavar="SECONDS",
        help="look for due feeds at least this often (default: 60)",
    )


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
    media = vault.updater.last_media  # images archived after the feeds were stored
    if args.json:
        ids = {f.slug: f.id for f in vault.feeds()} if media is not None else {}
        print_json([
            {**r.as_dict(), **({"media": media.feed_dict(ids.get(r.slug, -1))} if media else {})}
            for r in results
        ])
    elif bar or len(results) > 1:
        counts = {k: sum(getattr(r, k) for r in results) for k in ("new", "changed", "unchanged")}
        errors = sum(1 for r in results if r.status in ("error", "gone"))
        print(
            f"{len(results)} feeds: {counts['new']} new, {counts['changed']} changed, "
            f"{counts['unchanged']} unchanged entries; {errors} feeds with errors"
        )
    if media is not None and media.anything and not args.json:
        print(media.summary())
    for warning in media.warnings if media is not None else ():
        print(f"feedvault: warning: {warning}", file=sys.stderr)
    check_written = getattr(vault.store, "check_written", None)
    if check_written is not None and any(r.new or r.changed for r in results):
        # a corrupted vault can take writes silently: say so, exit non-zero. Only after
        # entries were stored: the check reads the whole file (~1 s per GB), and a cron
        # `update` that found nothing new should not pay it every few minutes.
        check_written()
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
    options: dict[str, Any] = {"once": args.once, "max_sleep": args.max_sleep,
                               "report": _summary,
                               "reconnect_for": vault.settings.reconnect_for}
    if not args.serve:
        return run_forever(vault, **options)
    from feedvault.web.app import background_server

    with background_server(vault.settings, args.host, args.port):
        return run_forever(vault, **options)
