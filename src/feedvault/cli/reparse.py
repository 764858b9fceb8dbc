"""`feedvault reparse`: re-read the stored feed documents with today's parser and correct
what an older one stored (feedvault.update.reparse says how, and what is never touched)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from feedvault.cli.args import add_command, print_json

if TYPE_CHECKING:
    from feedvault.vault import Vault


def add_parsers(sub: Any) -> None:
    p = add_command(
        sub,
        "reparse",
        cmd_reparse,
        "re-read stored feed documents and correct titles, links, HTML, dates, authors "
        "(as new versions; nothing is lost)",
    )
    p.add_argument("--feed", metavar="SLUG", help="only this feed")
    p.add_argument("--dry-run", action="store_true", help="say what would change, write nothing")
    p.add_argument("--json", action="store_true", help="the report, each field's old and new value")


def cmd_reparse(vault: Vault, args: argparse.Namespace) -> int:
    report = vault.reparse(args.feed, dry_run=args.dry_run)
    if args.json:
        print_json(report.as_dict())
        return 0
    for c in report.corrections:
        names = ", ".join(c.fields)
        more = "\t(new version)" if c.new_version else ""
        print(f"{c.feed}\tentry {c.entry_id}\t{names}{more}")
    for feed, entry_id, key in report.unmatched:
        print(f"{feed}\tentry {entry_id}\tnot found again in its document (key {key})")
    for failure in report.failed:
        print(f"failed: {failure}")
    print(report.summary())
    return 0
