"""An update where every item was edited: how much of it the single writer does.

    python benchmarks/bench_edits.py                  # 1,000 entries in feeds of 50
    python benchmarks/bench_edits.py --entries 3000 --rounds 5

A SQLite vault (serial: prepare and commit in this process) ingests generated Chinese feeds,
then the same items with their paragraphs reordered (benchmarks/data.py, another seed). The
second pass is timed: CPU seconds of the whole pass and of ``apply_update`` alone (the write
transaction, the part a vault's one writer cannot share with the preparing workers). Since
issue #19 the noise verdict and the edit summary are computed in ``prepare`` and travel in
the batch, so the writer only inserts the marks. CPU seconds, best of ``--rounds``: the
machine is shared and wall time swings.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
# the corpus-derived items show real images on public hosts: never archive them here
os.environ["FEEDVAULT_MEDIA"] = "0"

from benchmarks.data import write_feeds  # noqa: E402
from feedvault.vault import open_vault  # noqa: E402


def one_round(entries: int) -> tuple[float, float, int]:
    """(pass CPU s, apply_update CPU s, entries changed) of the all-edits pass."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths = write_feeds(work / "feeds", entries, seed=11)
        vault = open_vault(str(work / "vault.db"))
        vault.settings = dataclasses.replace(vault.settings, workers=0)
        for path in paths:
            vault.add_feed(str(path), slug=path.stem, update=False)
        vault.update()
        write_feeds(work / "feeds", entries, seed=12)  # same keys, paragraphs reordered
        store: Any = vault.store
        in_writer = [0.0]
        apply_update = store.apply_update

        def timed(feed_id: int, batch: Any) -> Any:
            start = time.process_time()
            try:
                return apply_update(feed_id, batch)
            finally:
                in_writer[0] += time.process_time() - start

        store.apply_update = timed
        start = time.process_time()
        results = vault.update()
        total = time.process_time() - start
        vault.close()
    return total, in_writer[0], sum(r.changed for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs = [one_round(args.entries) for _ in range(args.rounds)]
    total, writer, changed = min(runs)
    print(
        f"{changed} of {args.entries} entries edited: pass {total:.2f} CPU s, "
        f"apply_update {writer:.2f} CPU s ({writer / total:.0%} in the writer)"
    )


if __name__ == "__main__":
    main()
