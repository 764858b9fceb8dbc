"""docs/cli.md is generated from --help; this fails when a command changed and it did not."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fv_testpaths import ROOT


def test_cli_reference_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == module.render(), "run: python scripts/gen_cli_docs.py"


def test_help_starts_fast_without_heavy_imports() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from feedvault.cli import build_parser; build_parser(); "
        "heavy = [m for m in ('lxml', 'sqlite3', 'httpx', 'opencc', 'nh3') if m in sys.modules];"
        " print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert Path(ROOT / "README.md").read_text(encoding="utf-8").count("scripts/test") >= 1
