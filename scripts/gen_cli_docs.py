"""Write docs/cli.md from the argparse help of every command (checked by a test)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def render() -> str:
    os.environ["COLUMNS"] = "100"
    from feedvault.cli import build_parser

    parser = build_parser()
    parts = ["# Command line reference\n",
             "Generated from `--help` by `scripts/gen_cli_docs.py`; a test checks it is current.\n",
             "```\n" + parser.format_help() + "```\n"]
    for name, sub in _subcommands(parser):
        parts.append(f"## feedvault {name}\n\n```\n{sub.format_help()}```\n")
    return "\n".join(parts)


def _subcommands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((prefix + name, sub))
                found.extend(_subcommands(sub, prefix + name + " "))
    return found


if __name__ == "__main__":
    (ROOT / "docs" / "cli.md").write_text(render(), encoding="utf-8")
    print("wrote docs/cli.md")
