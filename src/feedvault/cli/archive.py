"""`feedvault import`, `copy` and `export`: archives, subscription lists, other vaults."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from feedvault.cli.args import add_command, day, print_json

if TYPE_CHECKING:
    from feedvault.vault import Vault


def add_parsers(sub: Any) -> None:
    p = add_command(sub, "import", cmd_import, "import archive files or trees and OPML files")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--feed", metavar="SLUG", help="put all archive files into this feed")
    p.add_argument("--user", metavar="NAME",
                   help="whose folders an OPML file's categories become (default: admin)")
    p.add_argument("--json", action="store_true")

    p = add_command(
        sub,
        "copy",
        cmd_copy,
        "copy the whole vault into another (SQLite <-> PostgreSQL)",
        reading=True,
    )
    p.add_argument(
        "--to",
        required=True,
        metavar="URL_OR_PATH",
        help="an empty destination: postgresql://user@host/db or a SQLite path",
    )
    p.add_argument("--no-verify", action="store_true", help="skip the count/checksum check")
    p.add_argument("--json", action="store_true")

    p = add_command(
        sub, "export", None, "export the archive tree, the subscription list or a web archive"
    )
    exp = p.add_subparsers(title="formats", metavar="FORMAT", required=True)
    q = add_command(
        exp,
        "markdown",
        cmd_export_markdown,
        "the duty-machine tree: articles/, lists/",
        reading=True,
    )
    q.add_argument("dir", metavar="DIR")
    q.add_argument("--feed", action="append", metavar="SLUG", help="only these feeds")
    q.add_argument("--commit", action="store_true", help="git commit the changes in DIR")
    q.add_argument(
        "--media",
        action="store_true",
        help="copy the archived images into DIR/media/ and point the HTML at them",
    )
    q.add_argument("--json", action="store_true")
    q = add_command(exp, "opml", cmd_export_opml, "the subscription list as OPML", reading=True)
    q.add_argument("file", metavar="FILE")
    q.add_argument("--user", metavar="NAME", help="whose folders to write (default: admin)")
    for name, handler, text in (
        ("warc", cmd_export_warc, "feed documents, archived media and page snapshots as WARC 1.1"),
        ("wacz", cmd_export_wacz, "the WARC packaged with its index and pages list (WACZ)"),
    ):
        q = add_command(exp, name, handler, text, reading=True)
        q.add_argument("file", metavar="FILE")
        q.add_argument("--feed", metavar="SLUG", help="only this feed")
        q.add_argument(
            "--since", type=day, metavar="YYYY-MM-DD", help="only what was fetched from that day"
        )
        q.add_argument("--json", action="store_true")


def cmd_import(vault: Vault, args: argparse.Namespace) -> int:
    result = vault.import_paths(args.paths, feed=args.feed, user=args.user)
    if args.json:
        print_json(result.as_dict())
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
        print_json(report.as_dict())
        return 0
    rows = ", ".join(f"{t.rows} {t.name}" for t in report.tables)
    check = "counts and checksums verified" if report.verified else "not verified"
    print(f"copied {rows}; {report.indexed} entries indexed; {check}")
    return 0


def cmd_export_markdown(vault: Vault, args: argparse.Namespace) -> int:
    stats = vault.export_markdown(
        args.dir, feeds=args.feed, commit=args.commit, media=args.media
    )
    if args.json:
        counts = dict(
            written=stats.written,
            updated=stats.updated,
            unchanged=stats.unchanged,
            feeds=stats.feeds,
        )
        print_json({**counts, "media": stats.media} if args.media else counts)
    else:
        copied = f"; {stats.media} media files copied" if args.media else ""
        print(
            f"exported {stats.feeds} feeds: {stats.written} new, {stats.updated} updated, "
            f"{stats.unchanged} unchanged files{copied}"
        )
    return 0


def cmd_export_opml(vault: Vault, args: argparse.Namespace) -> int:
    count = vault.export_opml(args.file, user=args.user)
    print(f"wrote {count} subscriptions to {args.file}")
    return 0


def cmd_export_warc(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.export.warc import export_warc, since_datetime

    feed_id = vault.feed(args.feed).id if args.feed else None
    stats = export_warc(
        vault.store, vault.media_files, args.file, feed_id=feed_id, feed_slug=args.feed,
        since=since_datetime(args.since),
    )
    return _exported(args, stats.as_dict(), "")


def cmd_export_wacz(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.export.wacz import export_wacz
    from feedvault.export.warc import since_datetime

    feed_id = vault.feed(args.feed).id if args.feed else None
    stats = export_wacz(
        vault.store, vault.media_files, args.file, feed_id=feed_id, feed_slug=args.feed,
        since=since_datetime(args.since),
    )
    return _exported(args, stats.as_dict(), f", {stats.pages} pages")


def _exported(args: argparse.Namespace, counts: dict[str, int], extra: str) -> int:
    if args.json:
        print_json(dict(file=args.file, **counts))
        return 0
    print(
        f"wrote {args.file}: {counts['documents']} feed documents, {counts['media']} media "
        f"files, {counts['snapshots']} page snapshots ({counts['records']} records{extra}, "
        f"{counts['size']} bytes)"
    )
    if counts["missing"]:
        print(
            f"feedvault: warning: {counts['missing']} archived files are missing from the "
            "media directory and were left out (feedvault media verify)",
            file=sys.stderr,
        )
    return 0
