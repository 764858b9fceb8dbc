"""Two writers on one vault at once (two `update`s; `run --once` and an `update`), real CLI.

Before the re-check under the write lock, one of them died with ``UNIQUE constraint failed:
entries.feed_id, entries.key`` and an edit was recorded twice. The feeds change between rounds
(edits every round, new items every third). scripts/concurrent_writers.py runs 25 rounds.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow  # rounds of two real writers: only in CI or with FEEDVAULT_TEST_ALL=1

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "concurrent_writers", ROOT / "scripts" / "concurrent_writers.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_two_writers_never_crash_nor_record_a_version_twice(db_url: str, tmp_path: Path) -> None:
    writers = _script()
    report = writers.run_rounds(db_url, tmp_path, rounds=4)
    assert report.failures == []
    assert report.rounds == 4
    # every item of every feed is there, and the edits were recorded (once each)
    assert report.entries == writers.FEEDS * (writers.ITEMS + 1)
    assert report.versions > report.entries
