"""`feedvault feeds`, `entries`, `show`, `search`: what the vault holds; `reindex` and
`reclean`: derived data rebuilt from it."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from feedvault.cli.args import add_command, day, positive_int, print_json

if TYPE_CHECKING:
    from feedvault.vault import Vault


def add_parsers(sub: Any) -> None:
    p = add_command(sub, "feeds", cmd_feeds, "list feeds", reading=True)
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "entries", cmd_entries, "list entries, newest first", reading=True)
    p.add_argument("--feed", metavar="SLUG")
    p.add_argument("--limit", type=positive_int, default=20, metavar="N")
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "show", cmd_show, "show one entry with its versions", reading=True)
    p.add_argument("entry_id", type=positive_int, metavar="ENTRY_ID")
    p.add_argument("--json", action="store_true")

    p = add_command(
        sub, "search", cmd_search, "search titles and text (Chinese and English)", reading=True
    )
    p.add_argument(
        "query",
        metavar="QUERY",
        help='words (AND), "exact phrase", OR, -exclude, word*, feed:SLUG, '
        "since:YYYY-MM-DD, until:YYYY-MM-DD",
    )
    p.add_argument("--feed", metavar="SLUG")
    p.add_argument("--since", type=day, metavar="YYYY-MM-DD")
    p.add_argument("--until", type=day, metavar="YYYY-MM-DD")
    p.add_argument("--limit", type=positive_int, default=20, metavar="N")
    p.add_argument("--sort", choices=("newest", "relevance"), default="newest")
    p.add_argument("--json", action="store_true")

    add_command(sub, "reindex", cmd_reindex, "rebuild the search index from stored versions")
    p = add_command(
        sub, "reclean", cmd_reclean, "recompute cleaned HTML and text after rule changes"
    )
    p.add_argument("--feed", metavar="SLUG")


def cmd_feeds(vault: Vault, args: argparse.Namespace) -> int:
    feeds = vault.feeds()
    if args.json:
        from feedvault.shapes import feed_json

        print_json([feed_json(f) for f in feeds])
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
        from feedvault.shapes import entry_json

        print_json([entry_json(e) for e in entries])
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
        from feedvault.shapes import entry_json, mark_json, version_json

        data = entry_json(entry)
        data.update(
            raw_html=entry.raw_html,
            content_html=entry.content_html,
            versions=[version_json(v) for v in entry.versions],
            marks=[mark_json(m) for m in marks],
        )
        print_json(data)
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
        from feedvault.shapes import hit_json

        print_json([hit_json(h.entry, h.snippet) for h in hits])
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
