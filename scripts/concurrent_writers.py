"""Rounds of two writers at once on one vault, through the real CLI (issue #14's acceptance).

Each round rewrites the feed files (some items edited, one added per feed), then starts two
`feedvault update`s at the same moment, or a `feedvault run --once` and an `update`, and
waits for both. Afterwards the vault must hold no two consecutive identical versions of any
entry, every entry's version count must match its versions, and SQLite's integrity check must
pass; no writer may print a traceback or exit non-zero.

    python scripts/concurrent_writers.py --rounds 25              # a SQLite vault in a temp dir
    python scripts/concurrent_writers.py --rounds 25 --db postgresql://127.0.0.1:5432/test

The test suite runs a few rounds of the same code (tests/core/test_core_concurrent_writers.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# the corpus-derived items show real images on public hosts: never archive them here
os.environ["FEEDVAULT_MEDIA"] = "0"
FEEDS = 14  # over the 12 documents that start the preparing workers: both update paths run
ITEMS = 15


@dataclass
class Report:
    rounds: int = 0
    failures: list[str] = field(default_factory=list)  # one line per problem found
    versions: int = 0
    entries: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        verdict = "OK" if self.ok else f"{len(self.failures)} problems"
        return (
            f"{self.rounds} rounds, {self.entries} entries, {self.versions} versions, "
            f"{self.seconds:.1f}s: {verdict}"
        )


def write_feeds(directory: Path, round_no: int) -> list[Path]:
    """The feed files as of ``round_no``: item k of feed f is edited in the rounds where
    (k + f) % 3 == round % 3, and every third round adds one item (the others only edit:
    two writers racing on edits is what recorded a version twice)."""
    paths = []
    for f in range(FEEDS):
        items = []
        for k in range(ITEMS + round_no // 3):
            edit = sum(1 for r in range(1, round_no + 1) if (k + f) % 3 == r % 3)
            items.append(
                f"<item><title>Feed {f} item {k} (edit {edit})</title>"
                f"<link>https://example.org/{f}/{k}</link><guid>https://example.org/{f}/{k}</guid>"
                f"<description>Body of item {k} of feed {f}, edit {edit}.</description>"
                f"<pubDate>Sat, 03 Feb 2024 {k % 24:02d}:00:00 GMT</pubDate></item>"
            )
        path = directory / f"feed{f:02d}.xml"
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Feed {f}</title><link>https://example.org/{f}</link>"
            + "".join(items)
            + "</channel></rss>",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def cli_env(home: Path) -> dict[str, str]:
    env = dict(os.environ, XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"))
    env.pop("FEEDVAULT_DB", None)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    return env


def feedvault(db: str, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "feedvault.cli", "--db", db, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def finish(proc: subprocess.Popen[str], what: str, failures: list[str]) -> None:
    out, err = proc.communicate(timeout=300)
    if proc.returncode != 0 or "Traceback" in err or "Traceback" in out:
        tail = " | ".join((err or out).strip().splitlines()[-3:])
        failures.append(f"{what}: exit {proc.returncode}: {tail}")


def make_due(db: str) -> None:
    """Every feed due now, so that `run --once` has work (its schedule would wait minutes)."""
    with _connect(db) as conn:
        conn.execute("UPDATE feeds SET next_check = NULL")
        if not db.startswith("postgres"):
            conn.commit()


def check_vault(db: str) -> tuple[list[str], int, int]:
    """(problems, entries, versions): consecutive identical versions, counts that disagree,
    SQLite's integrity check."""
    problems: list[str] = []
    with _connect(db) as conn:
        twice = conn.execute(
            "SELECT a.entry_id, a.seq FROM versions a JOIN versions b "
            "ON b.entry_id = a.entry_id AND b.seq = a.seq + 1 "
            "WHERE a.content_hash = b.content_hash AND a.source = b.source"
        ).fetchall()
        problems += [f"entry {e}: versions {s} and {s + 1} are the same" for e, s in twice]
        counts = conn.execute(
            "SELECT e.id FROM entries e WHERE e.version_count != "
            "(SELECT count(*) FROM versions v WHERE v.entry_id = e.id) OR e.current_version != "
            "(SELECT v.id FROM versions v WHERE v.entry_id = e.id ORDER BY v.seq DESC LIMIT 1)"
        ).fetchall()
        problems += [f"entry {e}: version count or current version wrong" for (e,) in counts]
        if not db.startswith("postgres"):
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                problems.append(f"integrity_check: {verdict}")
        entries = int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])
        versions = int(conn.execute("SELECT count(*) FROM versions").fetchone()[0])
    return problems, entries, versions


def _connect(db: str) -> Any:
    if db.startswith("postgres"):
        import psycopg

        return psycopg.connect(db, autocommit=True)
    import sqlite3

    conn = sqlite3.connect(db, timeout=60)
    conn.execute("PRAGMA busy_timeout=60000")
    return conn


def run_rounds(db: str, workdir: Path, rounds: int) -> Report:
    """Add the feeds, then ``rounds`` rounds alternating two `update`s and `run --once` +
    `update`; the vault is checked after every round."""
    start = time.monotonic()
    report = Report()
    env = cli_env(workdir)
    feeds_dir = workdir / "feeds"
    feeds_dir.mkdir(parents=True, exist_ok=True)
    for path in write_feeds(feeds_dir, 0):
        finish(feedvault(db, env, "add", str(path), "--no-update"), f"add {path.name}", [])
    for round_no in range(1, rounds + 1):
        write_feeds(feeds_dir, round_no)
        if round_no % 2:
            pair = [feedvault(db, env, "update"), feedvault(db, env, "update")]
            names = ["update", "update"]
        else:
            make_due(db)
            pair = [feedvault(db, env, "run", "--once"), feedvault(db, env, "update")]
            names = ["run --once", "update"]
        for proc, name in zip(pair, names, strict=True):
            finish(proc, f"round {round_no}: {name}", report.failures)
        problems, report.entries, report.versions = check_vault(db)
        report.failures += [f"round {round_no}: {p}" for p in problems]
        report.rounds = round_no
    report.seconds = time.monotonic() - start
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--db", help="a PostgreSQL URL (a fresh schema is used); default SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fv-writers-") as tmp:
        workdir = Path(tmp)
        if args.db:
            import uuid

            import psycopg

            schema = "fvwriters_" + uuid.uuid4().hex[:12]
            with psycopg.connect(args.db, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}".encode())
            sep = "&" if "?" in args.db else "?"
            db = f"{args.db}{sep}options=-csearch_path%3D{schema}"
            try:
                report = run_rounds(db, workdir, args.rounds)
            finally:
                with psycopg.connect(args.db, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE".encode())
        else:
            report = run_rounds(str(workdir / "vault.db"), workdir, args.rounds)
    for line in report.failures:
        print(line)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
