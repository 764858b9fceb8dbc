"""`feedvault add`, `configure`, `remove`: subscriptions."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from feedvault.cli.args import add_command, positive_int, print_json

if TYPE_CHECKING:
    from feedvault.vault import Vault


def add_parsers(sub: Any) -> None:
    p = add_command(sub, "add", cmd_add, "subscribe to a feed URL or a local feed file")
    p.add_argument("source", help="http(s) URL or path of a feed file")
    p.add_argument("--name", help="display name (default: the feed's title)")
    p.add_argument("--slug", help="short name used in commands and paths")
    p.add_argument("--no-update", action="store_true", help="do not fetch it now")
    p.add_argument(
        "--pick",
        type=positive_int,
        metavar="N",
        help="when a page links to several feeds, take the N-th",
    )
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "configure", cmd_configure, "change a feed's settings")
    p.add_argument("slug")
    p.add_argument(
        "--interval",
        type=positive_int,
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
    p.add_argument(
        "--snapshot",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep each new article's page (and its images) as evidence, again when it changes",
    )
    p.add_argument(
        "--media",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="archive the images its entries show (default: on)",
    )
    p.add_argument(
        "--media-enclosures",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="archive its audio/video enclosures too (default: [media] enclosures)",
    )
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "remove", cmd_remove, "delete a feed and everything kept of it")
    p.add_argument("slug")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")



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
        from feedvault.shapes import feed_json

        print_json(feed_json(feed))
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
    if args.snapshot is not None:
        changes["snapshot"] = args.snapshot
    if args.media is not None:
        changes["media"] = args.media
    if args.media_enclosures is not None:
        changes["media_enclosures"] = args.media_enclosures
    feed = vault.configure_feed(args.slug, **changes)
    if args.json:
        print_json({"slug": feed.slug, "settings": feed.settings})
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
