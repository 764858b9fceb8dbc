"""A real SQLite vault with the changes package wired in the way the integration note says.

Until the lead pastes the calls into pipeline.py and store.py, the same calls are made here
around the real functions: ``drop_noise`` right after ``decide``, and ``record_update`` after
``apply_update`` (here in a second transaction; in the store it is the same one).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from site_server import Site  # noqa: E402


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


@pytest.fixture
def wired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)
    from feedvault import pipeline
    from feedvault.changes import sqlite as sql
    from feedvault.changes.noise import drop_noise
    from feedvault.config import Settings
    from feedvault.store.base import UpdateBatch, UpdateCounts
    from feedvault.timeutil import to_ms
    from feedvault.vault import open_vault

    settings = Settings(db=str(tmp_path / "vault.db"), allow_networks=("127.0.0.0/8",))
    vault = open_vault(settings.db, settings=settings)
    store: Any = vault.store
    with store.transaction() as conn:
        sql.migrate_changes(conn)
    keys: dict[str, list[str] | None] = {"doc": None}
    decide = pipeline.decide
    apply_update = store.apply_update

    def decide_wired(cands: Any, states: Any) -> Any:
        keys["doc"] = [c.key for c in cands]
        return drop_noise(store, decide(cands, states), rules=vault.rules)

    def apply_wired(feed_id: int, batch: UpdateBatch) -> UpdateCounts:
        counts = apply_update(feed_id, batch)
        doc_keys, keys["doc"] = keys["doc"], None
        with store.transaction() as conn:
            changed = [entry_id for entry_id, _, _ in batch.changed]
            sql.record_update(conn, feed_id, changed, doc_keys, to_ms(batch.seen_at))
        return counts

    monkeypatch.setattr(pipeline, "decide", decide_wired)
    monkeypatch.setattr(store, "apply_update", apply_wired)
    try:
        yield vault
    finally:
        vault.close()
