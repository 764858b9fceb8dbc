"""`feedvault media fetch|verify|status`: the archived images (docs/media.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from feedvault.cli.args import add_command, day, print_json

if TYPE_CHECKING:
    from feedvault.vault import Vault


def add_parsers(sub: Any) -> None:
    group = add_command(sub, "media", None, "archived images: fetch what is missing, verify")
    media = group.add_subparsers(title="media commands", metavar="COMMAND")

    p = add_command(
        media, "fetch", cmd_fetch,
        "archive the images of stored versions that are missing (a backfill), and retry due ones",
        long_running=True,
    )
    p.add_argument("--feed", metavar="SLUG", help="only this feed's entries")
    p.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="versions seen from this day")
    p.add_argument("--json", action="store_true")

    p = add_command(
        media, "verify", cmd_verify, "re-hash every archived file; exit 1 if any is missing or "
        "damaged", reading=True,
    )
    p.add_argument("--json", action="store_true")

    p = add_command(media, "status", cmd_status, "counts, bytes and quotas", reading=True)
    p.add_argument("--json", action="store_true")


def cmd_fetch(vault: Vault, args: argparse.Namespace) -> int:
    since = datetime.combine(args.since, datetime.min.time(), UTC) if args.since else None
    if args.feed:
        vault.feed(args.feed)  # an unknown slug is one line before anything is fetched
    bar = sys.stderr.isatty() and not args.json

    def progress(done: int, known: int) -> None:
        width = 30
        filled = width * done // max(known, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{known} files")
        sys.stderr.flush()

    result = vault.archive_media(feed=args.feed, since=since, progress=progress if bar else None)
    if bar:
        sys.stderr.write("\r" + " " * 60 + "\r")
    if args.json:
        print_json(result.as_dict())
    else:
        print(f"{result.scanned} versions looked at, {result.linked} new image URLs; "
              f"{result.summary()}")
    for warning in result.warnings:
        print(f"feedvault: warning: {warning}", file=sys.stderr)
    return 0


def cmd_verify(vault: Vault, args: argparse.Namespace) -> int:
    report = vault.verify_media()
    if args.json:
        print_json(report.as_dict())
    else:
        for sha in report.missing:
            print(f"missing: {sha}")
        for sha in report.damaged:
            print(f"damaged: {sha}")
        print(
            f"{report.checked} files checked in {report.where}: {len(report.missing)} missing, "
            f"{len(report.damaged)} damaged"
        )
    return 1 if report.missing or report.damaged else 0


def cmd_status(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.update.media import human_size

    counts = vault.store.media.counts()
    limits = vault.settings.media
    status: dict[str, object] = {
        "enabled": limits.enabled,
        "dir": str(vault.media_files.root) if hasattr(vault.media_files, "root") else None,
        "files": counts["files"],
        "bytes": counts["bytes"],
        "urls": {k: counts[k] for k in ("pending", "ok", "failed", "skipped")},
        "max_file_bytes": limits.max_file_bytes,
        "max_entry_bytes": limits.max_entry_bytes,
        "max_total_bytes": limits.max_total_bytes,
    }
    if args.json:
        print_json(status)
        return 0
    total = limits.max_total_bytes
    quota = f" of {human_size(total)} allowed" if total else " (no total limit)"
    print(f"media archiving: {'on' if limits.enabled else 'off'}; files in {status['dir']}")
    print(f"{counts['files']} files, {human_size(counts['bytes'])}{quota}")
    print(
        f"image URLs: {counts['ok']} archived, {counts['pending']} pending, "
        f"{counts['failed']} failed, {counts['skipped']} skipped"
    )
    print(
        f"per file at most {human_size(limits.max_file_bytes)}, per entry "
        f"{human_size(limits.max_entry_bytes) if limits.max_entry_bytes else 'no limit'}"
    )
    return 0
