"""Cleaning throughput on the shared corpus: clean_entry vs plain nh3.clean, same bodies.

    .venv/bin/python benchmarks/bench_clean.py [--rounds N]

nh3 alone is the floor: clean_entry also parses with lxml, applies the site rules, fixes
links and images, and extracts the plain text.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "clean")]

import nh3  # noqa: E402
from clean_corpus import Body, corpus_bodies  # noqa: E402

from feedvault.clean import clean_entry  # noqa: E402
from feedvault.clean.ruleset import builtin_ruleset  # noqa: E402


def best_rate(work: Callable[[], None], count: int, rounds: int) -> float:
    """Entries per second of the fastest round (the others met noise, not the code)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return count / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bodies: list[Body] = corpus_bodies()
    size = sum(len(b.html.encode("utf-8")) for b in bodies)
    builtin_ruleset()  # loading the rule files is a one-off, not per entry

    def run_clean() -> None:
        for body in bodies:
            clean_entry(body.html, link=body.link)

    def run_nh3() -> None:
        for body in bodies:
            nh3.clean(body.html)

    ours = best_rate(run_clean, len(bodies), args.rounds)
    floor = best_rate(run_nh3, len(bodies), args.rounds)
    print(f"corpus: {len(bodies)} bodies, {size / 1e6:.1f} MB")
    print(f"clean_entry: {ours:10.0f} entries/s  ({ours * size / len(bodies) / 1e6:.1f} MB/s)")
    print(f"nh3.clean:   {floor:10.0f} entries/s  ({floor * size / len(bodies) / 1e6:.1f} MB/s)")
    print(f"ratio:       {floor / ours:10.1f}x")


if __name__ == "__main__":
    main()
