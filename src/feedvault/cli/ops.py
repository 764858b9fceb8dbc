"""`feedvault status` and `feedvault backup`: what an operator asks of a running vault."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from feedvault.cli.args import add_command, print_json

if TYPE_CHECKING:
    from feedvault.vault import Vault


def add_parsers(sub: Any) -> None:
    p = add_command(
        sub, "status", cmd_status,
        "backlog of due feeds, failing feeds, workers and their leases, media", reading=True,
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--failing", type=int, default=20, metavar="N",
                   help="show at most N failing feeds (default: 20)")

    p = add_command(
        sub, "backup", cmd_backup,
        "a consistent copy of a SQLite vault, safe while `run` writes (PostgreSQL: pg_dump)",
        reading=True,
    )
    p.add_argument("file", metavar="FILE", help="the copy to write (a new SQLite file)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")


def status(vault: Vault, failing: int = 20) -> dict[str, Any]:
    """The `status --json` shape (feedvault.shapes documents the others)."""
    from feedvault.store.sql import ops
    from feedvault.update.runner import LEASE_SECONDS

    db = ops.db_of(vault.store)
    found = ops.overview(db, failing_limit=failing)
    workers: dict[str, list[dict[str, Any]]] = {}
    for lease in found.leases:
        workers.setdefault(lease.owner, []).append({
            "feed": lease.slug,
            "age": round(max(0.0, LEASE_SECONDS - lease.expires_in), 1),
            "expires_in": round(lease.expires_in, 1),
        })
    return {
        "vault": getattr(vault.store, "where", vault.settings.db),
        "feeds": found.feeds,
        "due": found.due,
        "overdue": round(found.overdue, 1),
        "entries": found.entries,
        "versions": found.versions,
        "failing_total": ops.failing_count(db),
        "failing": [
            {"feed": f.slug, "status": f.status, "errors": f.errors, "last_error": f.last_error}
            for f in found.failing
        ],
        "workers": [{"worker": w, "leases": held} for w, held in sorted(workers.items())],
        "media": vault.store.media.counts(),
    }


def cmd_status(vault: Vault, args: argparse.Namespace) -> int:
    report = status(vault, max(0, args.failing))
    if args.json:
        print_json(report)
        return 0
    feeds = report["feeds"]
    by_status = ", ".join(f"{s} {n}" for s, n in sorted(feeds.items()))
    print(f"vault: {report['vault']}")
    late = f" (the most overdue for {_duration(report['overdue'])})" if report["overdue"] else ""
    print(f"feeds: {sum(feeds.values())} ({by_status or 'none'}); due now: {report['due']}{late}")
    print(f"entries: {report['entries']}, versions: {report['versions']}")
    media = report["media"]
    print(f"media: {media.get('pending', 0)} pending, {media.get('failed', 0)} failed, "
          f"{media.get('files', 0)} files ({_size(media.get('bytes', 0))})")
    print(f"failing feeds: {report['failing_total']}")
    for f in report["failing"]:
        print(f"  {f['feed']}: {f['status']}, {f['errors']} in a row: {f['last_error'] or '-'}")
    print(f"workers: {len(report['workers'])}")
    for worker in report["workers"]:
        held = worker["leases"]
        oldest = max(h["age"] for h in held)
        expired = sum(1 for h in held if h["expires_in"] < 0)
        note = f", {expired} expired (the worker died or is stuck)" if expired else ""
        print(f"  {worker['worker']}: {len(held)} leases, oldest held {oldest:.0f} s{note}")
    return 0


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n = n / 1024  # type: ignore[assignment]
    return f"{n} B"


def cmd_backup(vault: Vault, args: argparse.Namespace) -> int:
    from pathlib import Path

    from feedvault.errors import UsageError

    store: Any = vault.store
    backup = getattr(store, "backup", None)
    if backup is None:
        print(f"feedvault: {pg_dump_hint(store)}", file=sys.stderr)
        return 2
    target = Path(args.file).expanduser()
    if target.is_dir():
        raise UsageError(f"{target} is a directory, not a file to write")
    if target.exists() and target.resolve() == Path(store.path).resolve():
        raise UsageError(f"{target} is the vault itself")
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists (--force replaces it)")
    if not target.parent.is_dir():
        raise UsageError(f"directory {target.parent} does not exist")
    size = backup(str(target))
    print(f"backed up {store.path} to {target} ({_size(size)}); media files are not in it: "
          "copy the media directory too (docs/deploy.md)")
    return 0


def pg_dump_hint(store: Any) -> str:
    """One line: how to back up (and restore) a PostgreSQL vault."""
    schema = ""
    db = getattr(store, "db", None)
    if db is not None:
        name = str(db.one("SELECT current_schema()")[0])
        schema = "" if name == "public" else f" --schema={name}"
    url = getattr(store, "where", "URL")
    return (
        "a PostgreSQL vault is backed up with pg_dump: pg_dump --format=custom --no-owner"
        f"{schema} --exclude-table-data=search_doc --file=FILE '{url}' (restore: pg_restore "
        "--no-owner --dbname=URL FILE, then feedvault reindex; docs/deploy.md)"
    )
