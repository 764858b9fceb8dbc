"""Issue #14 item 7: mutants of the corpus feeds, archive files and OPML lists (byte flips,
truncation, duplicated and removed tags, hostile tokens) read directly and through the
user's `update` and `import`: success, or a FeedvaultError with a one-line message, never a
traceback (a bug caught by a safety net and logged counts as one).

A fixed seed and a few hundred mutants keep this to a few CPU-seconds; the long run with
timings and peak memory is ``python -m benchmarks.fuzz --rounds N``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.fuzz import Report, corpus_files, fuzz, mutants

SEED = 14


def describe(report: Report) -> str:
    return "\n\n".join(
        f"{c.where}: {c.mutant.label()}: {c.error}\n{c.trace[-1500:]}" for c in report.crashes
    )


def test_mutants_are_reproducible_and_really_mutated(corpus: Path) -> None:
    files = corpus_files(corpus)
    first = [m.data for m in mutants(SEED, 20, "feed", files["feed"])]
    assert first == [m.data for m in mutants(SEED, 20, "feed", files["feed"])]
    originals = {p.read_bytes() for p in files["feed"]}
    assert sum(data not in originals for data in first) >= 15


def test_corpus_mutants_give_no_traceback_when_read_directly(corpus: Path) -> None:
    report = fuzz(SEED, 400, vault_every=0, corpus=corpus)
    assert report.crashes == [], describe(report)
    assert report.checked == 400 + 400 + 100


def test_corpus_mutants_give_no_traceback_through_update_and_import(
    corpus: Path, db_url: str
) -> None:
    """On each backend: PostgreSQL refuses what SQLite takes (NUL in text, for one)."""
    report = fuzz(SEED + 1, 160, vault_every=8, corpus=corpus, db=db_url)
    assert report.crashes == [], describe(report)
    assert report.through_vault == 20 + 20 + 5
    assert report.statuses.get("ok", 0) > 0  # some mutants are still feeds, and stored
    assert report.imported.get("new", 0) > 0


@pytest.mark.parametrize("kind", ["feed", "archive"])
def test_every_corpus_file_survives_truncation(
    corpus: Path, tmp_path: Path, kind: str
) -> None:
    """Downloads and copies cut short are the commonest damage: cut each file at a quarter,
    half and three quarters."""
    from benchmarks.fuzz import check_archive, check_parsed

    problems = []
    files = corpus_files(corpus)[kind]
    for path in files if kind == "feed" else files[::5]:
        data = path.read_bytes()
        for quarter in (1, 2, 3):
            cut = data[: len(data) * quarter // 4]
            if kind == "feed":
                problem = check_parsed(cut)
            else:
                copy = tmp_path / path.name
                copy.write_bytes(cut)
                problem = check_archive(copy)
            if problem:
                problems.append(f"{path.name} cut at {quarter}/4: {problem}")
    assert problems == []
