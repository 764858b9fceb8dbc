"""The `feedvault` command: thin wrappers over :mod:`feedvault.vault`, one module per group
of commands (subscriptions, update, web, browse, changes, archive, media, users); `args` holds
what they share, `feedvault.shapes` their `--json` shapes.

Imports are lazy so that `feedvault --help` starts fast. A FeedvaultError becomes one line on
stderr and exit status 1; argparse's usage errors exit with 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from feedvault.cli import archive, browse, media, ops, reparse, subscriptions, update, users, web
from feedvault.cli.args import add_command
from feedvault.cli.changes import add_changes_parsers

__all__ = ["build_parser", "main"]


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
        reading = bool(getattr(args, "reading", False))
        new_at = _check_vault_path(settings.db, reading=reading)
        with open_vault(settings=settings) as vault:
            if new_at and getattr(args, "long_running", False):  # say it now, not at the end
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
    subscriptions.add_parsers(sub)
    update.add_parsers(sub)
    web.add_parsers(sub)
    browse.add_parsers(sub)
    add_changes_parsers(sub, add_command)
    archive.add_parsers(sub)
    media.add_parsers(sub)
    ops.add_parsers(sub)
    reparse.add_parsers(sub)
    users.add_parsers(sub)
    return parser


def _version() -> str:
    from feedvault import __version__

    return f"feedvault {__version__}"
