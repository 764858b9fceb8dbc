"""`feedvault changes` and `feedvault watch`: edits, disappearances and the origin watch."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from feedvault.changes.model import KINDS
from feedvault.cli.args import Handler, day, positive_int, print_json

if TYPE_CHECKING:
    from feedvault.vault import Vault

AddCommand = Callable[[Any, str, Handler | None, str], argparse.ArgumentParser]


def add_changes_parsers(sub: Any, add: AddCommand) -> None:
    """Register both commands with the subparsers ``sub`` through ``add``
    (feedvault.cli.args.add_command); `changes` only reads the vault."""
    p = add(sub, "changes", cmd_changes, "list edits and disappearances, newest first")
    p.set_defaults(reading=True)
    p.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="from this UTC day on")
    p.add_argument("--feed", metavar="SLUG")
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--limit", type=positive_int, default=100, metavar="N")
    p.add_argument("--json", action="store_true")

    p = add(sub, "watch", cmd_watch, "re-check recent articles at their origin (404, removed)")
    p.add_argument("--feed", metavar="SLUG")
    p.add_argument("--days", type=float, default=7.0, help="window of recent entries (default 7)")
    p.add_argument("--max-checks", type=positive_int, default=200, metavar="N")
    p.add_argument("--recheck-hours", type=float, default=24.0, metavar="H")
    p.add_argument("--json", action="store_true")


def cmd_changes(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.changes.backend import changes_api
    from feedvault.changes.report import describe
    from feedvault.shapes import change_json

    db = changes_api(vault.store)
    feed_id = vault.feed(args.feed).id if args.feed else None
    since = _day_ms(args.since) if args.since else None
    changes = db.list_changes(since, feed_id, args.kind, args.limit)
    if args.json:
        print_json([change_json(c) for c in changes])
        return 0
    for c in changes:
        print(
            f"{c.at.astimezone(UTC):%Y-%m-%d %H:%M}\t{c.kind}\t{c.entry_id}\t{c.feed}\t"
            f"{c.title}\t{describe(c.kind, c.how, c.evidence)}"
        )
    return 0


def cmd_watch(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.changes.origin import WatchPolicy
    from feedvault.changes.watch import run_origin_watch
    from feedvault.errors import UsageError

    try:
        policy = WatchPolicy(args.days, args.max_checks, args.recheck_hours)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    feed_id = vault.feed(args.feed).id if args.feed else None
    report = run_origin_watch(
        vault.store, vault.fetcher, policy, rules=vault.rules, feed_id=feed_id,
        media_files=vault.media_files,
    )
    if args.json:
        print_json(report.as_dict())
    else:
        kept = f"; {report.snapshots} changed pages kept" if report.snapshots else ""
        print(
            f"checked {report.checked}: {len(report.gone)} gone, {len(report.back)} back, "
            f"{report.unknown} could not be checked{kept}"
        )
    for warning in report.warnings:
        print(f"feedvault: warning: {warning}", file=sys.stderr)
    return 0


def _day_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1000


