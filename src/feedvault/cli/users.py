"""`feedvault user add|list|remove|passwd|set`: accounts (docs/accounts.md)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from feedvault.cli.args import add_command, print_json

if TYPE_CHECKING:
    from feedvault.vault import Vault


def add_parsers(sub: Any) -> None:
    group = add_command(sub, "user", None, "accounts: who can log in, and their reading state")
    users = group.add_subparsers(title="user commands", metavar="COMMAND", required=True)

    p = add_command(users, "add", cmd_add, "create a user")
    p.add_argument("name")
    p.add_argument("--admin", action="store_true", help="may run the admin pages")
    p.add_argument("--follow-all", action="store_true",
                   help="follow every feed, now and when added (what is stored counts as read)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input (one line)")

    p = add_command(users, "list", cmd_list, "list users", reading=True)
    p.add_argument("--json", action="store_true")

    p = add_command(users, "remove", cmd_remove, "delete a user and their reading state")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    p = add_command(users, "passwd", cmd_passwd, "change a user's password")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input (one line)")

    p = add_command(users, "set", cmd_set, "change a user's options")
    p.add_argument("name")
    p.add_argument("--unread-on-edit", action=argparse.BooleanOptionalAction, default=None,
                   help="an entry becomes unread again when it is edited")
    p.add_argument("--follow-new", action=argparse.BooleanOptionalAction, default=None,
                   help="follow every feed added from now on")
    p.add_argument("--admin", action=argparse.BooleanOptionalAction, default=None,
                   help="may run the admin pages")


def _password(args: argparse.Namespace) -> str:
    from feedvault.errors import UsageError

    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    password = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != password:
        raise UsageError("the passwords differ; nothing changed")
    return password


def cmd_add(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.accounts import check_name

    check_name(args.name)  # before asking for a password
    user = vault.users.add(args.name, _password(args), admin=args.admin,
                           follow_all=args.follow_all)
    print(f"added user {user.name}{' (admin)' if user.is_admin else ''}")
    return 0


def cmd_list(vault: Vault, args: argparse.Namespace) -> int:
    users = vault.users.all()
    if args.json:
        print_json([u.as_dict() for u in users])
        return 0
    for user in users:
        flags = [f for f, on in (("admin", user.is_admin),
                                 ("unread-on-edit", user.options.get("unread_on_edit")),
                                 ("follow-new", user.options.get("follow_new"))) if on]
        print(f"{user.name}\t{user.created_at:%Y-%m-%d}\t{','.join(flags)}")
    return 0


def cmd_remove(vault: Vault, args: argparse.Namespace) -> int:
    from feedvault.errors import UsageError

    user = vault.users.get(args.name)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("refusing to remove a user without confirmation; pass --yes")
        answer = input(f"Remove user {user.name} and their reading state? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing removed")
            return 1
    vault.users.remove(user.name)
    print(f"removed user {user.name}")
    return 0


def cmd_passwd(vault: Vault, args: argparse.Namespace) -> int:
    user = vault.users.get(args.name)
    vault.users.set_password(user.name, _password(args))
    print(f"password of {user.name} changed")
    return 0


def cmd_set(vault: Vault, args: argparse.Namespace) -> int:
    user = vault.users.get(args.name)
    options = {k: v for k, v in (("unread_on_edit", args.unread_on_edit),
                                 ("follow_new", args.follow_new)) if v is not None}
    if options:
        user = vault.users.set_options(user.name, **options)
    if args.admin is not None:
        vault.users.set_admin(user.name, args.admin)
        user = vault.users.get(user.name)
    print(f"{user.name}: admin={'yes' if user.is_admin else 'no'}, "
          f"unread-on-edit={'yes' if user.options.get('unread_on_edit') else 'no'}, "
          f"follow-new={'yes' if user.options.get('follow_new') else 'no'}")
    return 0
