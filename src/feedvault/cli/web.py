"""`feedvault serve` and `feedvault admin`: the web app."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from feedvault.cli.args import add_command, port

if TYPE_CHECKING:
    from feedvault.vault import Vault


def add_parsers(sub: Any) -> None:
    p = add_command(
        sub, "serve", cmd_serve, "serve the web app, JSON API and Atom feeds", long_running=True
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=port, default=8080, help="port (default 8080)")

    p = add_command(sub, "admin", None, "web admin account")
    adm = p.add_subparsers(title="actions", metavar="ACTION", required=True)
    q = add_command(adm, "set-password", cmd_admin_password, "set the web admin password")
    q.add_argument("--stdin", action="store_true", help="read the password from standard input")


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
