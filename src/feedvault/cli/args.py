"""What every command module shares: registering a command, argument types, JSON output.

Only the standard library at import time: `feedvault --help` imports every command module.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feedvault.vault import Vault

Handler = Callable[["Vault", argparse.Namespace], int]


def add_command(
    sub: Any,
    name: str,
    handler: Handler | None,
    help_text: str,
    *,
    reading: bool = False,
    long_running: bool = False,
) -> argparse.ArgumentParser:
    """A subcommand. ``reading``: it needs an existing vault (never creates one);
    ``long_running``: a vault it creates is announced at once, not when it ends."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    if handler is not None:
        p.set_defaults(handler=handler, reading=reading, long_running=long_running)
    return p


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def port(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a port: {text!r}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def day(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def print_json(value: object) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
