"""Mutation fuzzing of everything that reads outside input: feeds, archive files, OPML.

    python -m benchmarks.fuzz [--seed 14] [--rounds 2000] [--vault-every 20] [--out DIR]

Mutants of the shared corpus (byte flips, truncation, duplicated and removed tags, the
hostile tokens of issue #14) go through parse_feed, the archive reader and read_opml
directly, and every ``--vault-every``-th one also through the user's paths (``add`` of a
local file + ``update``, ``import`` of an archive tree) on a throw-away SQLite vault.
The only acceptable outcomes are success or a FeedvaultError with a one-line message;
anything else, or a "bug" log record, is a crash, saved with its input under ``--out``.
Reports crashes, time per file (median, worst) and peak memory (process RSS, and the
largest traced allocation of one direct parse).

tests/fuzz runs the same mutants with a fixed seed and a small count (no timings there).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the corpus-derived items show real images on public hosts: never archive them here
os.environ["FEEDVAULT_MEDIA"] = "0"
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from feedvault.errors import FeedvaultError  # noqa: E402

CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()

# Tokens that broke or could break a reader: issue #14's crash classes and their cousins.
HOSTILE_TOKENS: tuple[bytes, ...] = (
    b"<ite:x/>", b"<x:div>", b"</x:div>", b"<a:feed>", b"<x:rss>", b"&nbsp;", b"&#0;",
    b"&#xD800;", b"&#x110000;", b"<![CDATA[", b"]]>", b'<!DOCTYPE x [<!ENTITY a "b">]>', b"&a;",
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xed\xa0\x80", b"\xc0\xaf", b'xmlns:x="urn:x"',
    b'xmlns=""', b"javascript:alert(1)", b"data:text/html,x", b"<" * 500, b"<a>" * 3000,
    b"<b>" * 300, b"\\ud800", b'"\\udfff"', b"[" * 3000, b'{"a":' * 3000, b"9" * 5000,
    b"-1e99999", b"1" * 400 + b".5", b'"items": 7', b'"items": [1, "x", null]',
    b'"version": {}', b'xml:base="javascript:x"', b'xml:base="http://[::1"', b"http://[::1",
    b'type="xhtml"', b'mode="base64"', b'encoding="utf-16"', b'encoding="x-unknown"',
    b"<?xml version='1.1'?>", b"\r", "\u2028".encode(), b"\xe9", b"<!---->",
    b'rel="alternate" href="//x"', b"<pubDate>Mon, 99 Foo 99999 99:99:99 +9999</pubDate>",
    b"<updated>99999-99-99T99:99:99Z</updated>", b"<dc:date>0000-00-00</dc:date>",
    # HTML inside CDATA or JSON strings reaches the cleaner
    b"<svg><math><style><!--</style><img src=x onerror=alert(1)>", b"<pre>" * 400,
    b"<table><tr><td>" * 300, b'<a href="javascript:alert(1)">x</a>', b"<p>\\u0000</p>",
    b"<time datetime=\"99999-99-99\">", "日期：2020年13月45日 99:99".encode(),
    b'<img srcset="' + b"x " * 5000 + b'">', b"<br>" * 20000, b"&#x1F600;" * 100,
)
ARCHIVE_TOKENS: tuple[bytes, ...] = (
    b"<!-- " + b"9" * 5000 + b" -->\n", b"<!-- -99999999999999999999999 -->\n",
    b"<!-- 1e999 -->\n", b"------\n", b"---\n", b"---\r\n", b"[t](javascript:alert(1))\n",
    b"[](\n", b"](", "日期：".encode(), "日期：Mon, 32 Dec 99999 25:61:61 +9999\n".encode(),
    b"date: 99999-01-01\n", b'title: "\\"\n', b"\r\n", b"\xff", b"\x00",
)
ROOT_SWAPS: tuple[tuple[bytes, bytes], ...] = (
    (b"<rss", b"<x:rss"), (b"</rss>", b"</x:rss>"), (b"<feed", b"<a:feed"),
    (b"<div", b"<x:div"), (b"<content", b"<ite:content"), (b"<link>", b"<link>javascript:"),
    (b'href="', b'href="data:'), (b'"url": "', b'"url": "vbscript:'),
    (b'"id": "', b'"id": "\\ud800'), (b'"title": "', b'"title": "\\udc00'),
    (b"<![CDATA[", b""), (b"]]>", b""), (b"xmlns", b"xmlnz"), (b"<?xml", b"junk<?xml"),
)


@dataclass(frozen=True)
class Mutant:
    kind: str  # "feed" | "archive" | "opml"
    source: Path
    ops: tuple[str, ...]
    data: bytes

    def label(self) -> str:
        return f"{self.kind} {self.source.name} [{', '.join(self.ops)}]"


@dataclass
class Crash:
    mutant: Mutant
    where: str  # "parse" | "archive" | "opml" | "update" | "import"
    error: str  # type and first line
    trace: str


@dataclass
class Report:
    checked: int = 0
    through_vault: int = 0
    crashes: list[Crash] = field(default_factory=list)
    seconds: dict[str, list[float]] = field(default_factory=dict)
    traced_peak: tuple[int, str] = (0, "")
    statuses: dict[str, int] = field(default_factory=dict)  # update results: ok, error...
    imported: dict[str, int] = field(default_factory=dict)  # files, new, errors

    slowest: dict[str, tuple[float, str]] = field(default_factory=dict)

    def timing(self, where: str, seconds: float, label: str) -> None:
        self.seconds.setdefault(where, []).append(seconds)
        if seconds > self.slowest.get(where, (0.0, ""))[0]:
            self.slowest[where] = (seconds, label)


def corpus_files(corpus: Path = CORPUS) -> dict[str, list[Path]]:
    feeds = sorted(p for p in (corpus / "feeds").rglob("*") if p.is_file())
    archive = sorted(p for p in (corpus / "archive-format").rglob("*.md") if p.is_file())
    opml = sorted((corpus / "opml").glob("*.opml"))
    return {"feed": feeds, "archive": archive, "opml": opml}


# --- mutation -----------------------------------------------------------------------------

def _tag_starts(data: bytes, rng: random.Random) -> list[int]:
    starts = [m.start() for m in re.finditer(rb"<", data[:2_000_000])]
    return starts or [rng.randrange(len(data) + 1)]


def _flip(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _span(data: bytes, rng: random.Random) -> tuple[int, int]:
    starts = _tag_starts(data, rng)
    i = rng.randrange(len(starts))
    j = min(len(starts) - 1, i + rng.randint(1, 6))
    end = starts[j] if j > i else len(data)
    return starts[i], end


def _duplicate(data: bytes, rng: random.Random) -> bytes:
    start, end = _span(data, rng)
    chunk = data[start:end] * rng.choice((1, 1, 2, 50))
    at = rng.choice((end, rng.choice(_tag_starts(data, rng))))
    return data[:at] + chunk + data[at:]


def _remove(data: bytes, rng: random.Random) -> bytes:
    start, end = _span(data, rng)
    return data[:start] + data[end:]


def _lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    choice = rng.randrange(3)
    if choice == 0:
        del lines[i]
    elif choice == 1:
        lines.insert(i, lines[rng.randrange(len(lines))])
    else:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _inject(tokens: tuple[bytes, ...]) -> Callable[[bytes, random.Random], bytes]:
    def inject(data: bytes, rng: random.Random) -> bytes:
        token = rng.choice(tokens)
        at = rng.choice((rng.randrange(len(data) + 1), rng.choice(_tag_starts(data, rng)), 0))
        return data[:at] + token + data[at:]

    return inject


JSON_TEXT_TOKENS: tuple[bytes, ...] = (
    b"\\u0000", b"\\ud800", b"\\udfff\\ud800", b"javascript:", b"data:,x", b'\\"', b"\\\\",
    b"\\u2028", b"\xed\xb0\x80", b"\xc3", b"\xf4\x90\x80\x80", b"\x00",
)
XML_TEXT_TOKENS: tuple[bytes, ...] = (
    b"&#xD800;", b"&#0;", b"&#1;", b"&#xFFFE;", b"&#x10FFFF;", b"javascript:", b"data:,x",
    b"&lt;script&gt;", b"&amp;#0;", b"\xed\xb0\x80", b"\xc3", b"\x00", b"\x1b[31m",
)


def _in_text(data: bytes, rng: random.Random) -> bytes:
    """Hostile tokens at the start of up to 8 text nodes or JSON string values."""
    json = data.lstrip()[:1] == b"{"
    pattern = rb'":\s*"' if json else rb">(?=[^<\s])"
    starts = [m.end() for m in re.finditer(pattern, data[:2_000_000])] or [len(data) // 2]
    tokens = JSON_TEXT_TOKENS if json else XML_TEXT_TOKENS
    for at in sorted({rng.choice(starts) for _ in range(rng.randint(1, 8))}, reverse=True):
        data = data[:at] + rng.choice(tokens) + data[at:]
    return data


def _swap(data: bytes, rng: random.Random) -> bytes:
    old, new = rng.choice(ROOT_SWAPS)
    return data.replace(old, new, rng.choice((1, -1)))


OPS: dict[str, dict[str, Callable[[bytes, random.Random], bytes]]] = {
    "feed": {"flip": _flip, "truncate": _truncate, "duplicate": _duplicate, "remove": _remove,
             "inject": _inject(HOSTILE_TOKENS), "swap": _swap, "in_text": _in_text},
    "archive": {"flip": _flip, "truncate": _truncate, "duplicate": _duplicate,
                "remove": _remove, "lines": _lines, "inject": _inject(ARCHIVE_TOKENS + (
                    b"<x:div>", b"<a>" * 3000, b"&#0;", b"\xed\xa0\x80", b"javascript:x"))},
}
OPS["opml"] = OPS["feed"]


def mutants(seed: int, count: int, kind: str, files: list[Path]) -> Iterator[Mutant]:
    """``count`` mutants of ``files``, the same for the same seed."""
    rng = random.Random(f"{seed}:{kind}")
    cache: dict[Path, bytes] = {}
    ops = OPS[kind]
    for _ in range(count):
        source = rng.choice(files)
        data = cache.get(source)
        if data is None:
            data = cache[source] = source.read_bytes()
        names = tuple(rng.choice(sorted(ops)) for _ in range(rng.choice((1, 1, 2, 3))))
        for name in names:
            data = ops[name](data, rng)
        yield Mutant(kind, source, names, data)


# --- checks -------------------------------------------------------------------------------

class BugLog(logging.Handler):
    """Collects the records that mean a bug was caught by a safety net (tracebacks)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or "unexpected" in record.getMessage() or record.levelno >= 40:
            self.records.append(record)

    def take(self) -> list[str]:
        found = [_record_text(r) for r in self.records]
        self.records.clear()
        return found


def _record_text(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        text += "\n" + "".join(traceback.format_exception(record.exc_info[1]))
    return text


def _one_line(error: FeedvaultError) -> str | None:
    """Why ``error`` is not an acceptable user-facing error, or None when it is."""
    text = str(error)
    if not text.strip():
        return "empty message"
    if "\n" in text or "\r" in text:
        return "message of more than one line"
    return None


def check_parsed(data: bytes) -> str | None:
    """What is wrong with parse_feed's outcome for ``data`` (None: nothing)."""
    from feedvault.errors import ParseError
    from feedvault.parse import parse_feed

    try:
        feed = parse_feed(data, url="https://fuzz.example/feed.xml")
    except ParseError as error:
        return _one_line(error)
    for text in (feed.title, feed.link or "", *feed.warnings):
        text.encode("utf-8")  # a lone surrogate could not be stored: raises
    if feed.link and not feed.link[:8].lower().startswith(("http://", "https://")):
        return f"feed link kept: {feed.link[:80]!r}"
    for entry in feed.entries:
        for text in (entry.guid or "", entry.link or "", entry.title, entry.content_html,
                     entry.summary_html or "", entry.author or "", *entry.enclosures):
            text.encode("utf-8")
        if entry.link and not entry.link[:8].lower().startswith(("http://", "https://")):
            return f"entry link kept: {entry.link[:80]!r}"
    return None


def check_archive(path: Path) -> str | None:
    from feedvault.archive.reader import read_archive_file, read_archive_header

    for read in (read_archive_file, read_archive_header):
        try:
            item = read(path)
        except FeedvaultError as error:
            problem = _one_line(error)
            if problem:
                return problem
            continue
        for text in (item.title, item.link or "", item.html):
            text.encode("utf-8")
    return None


def check_opml(data: bytes) -> str | None:
    from feedvault.archive.opml import read_opml

    try:
        read_opml(data, path="fuzz.opml")
    except FeedvaultError as error:
        return _one_line(error)
    return None


def _run(where: str, mutant: Mutant, report: Report, bugs: BugLog,
         call: Callable[[], str | None]) -> None:
    started = time.perf_counter()
    try:
        problem = call()
        trace = ""
    except Exception as error:  # noqa: BLE001 - what the fuzzer is looking for
        problem = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        trace = traceback.format_exc()
    report.timing(where, time.perf_counter() - started, mutant.label())
    logged = bugs.take()
    if logged and not problem:
        problem, trace = "bug logged: " + logged[0].splitlines()[0], "\n".join(logged)
    if problem:
        report.crashes.append(Crash(mutant, where, problem[:300], trace))


def check_direct(mutant: Mutant, work: Path, report: Report, bugs: BugLog) -> None:
    """One mutant through its reader, in this process."""
    report.checked += 1
    if mutant.kind == "feed":
        _run("parse", mutant, report, bugs, lambda: check_parsed(mutant.data))
    elif mutant.kind == "opml":
        _run("opml", mutant, report, bugs, lambda: check_opml(mutant.data))
    else:
        path = work / "direct.md"
        path.write_bytes(mutant.data)
        _run("archive", mutant, report, bugs, lambda: check_archive(path))


def check_update(
    batch: list[Mutant], work: Path, report: Report, bugs: BugLog, db: str | None = None
) -> None:
    """Feed mutants as local files: ``add`` (no fetch) each, then one ``update`` of all,
    then each through update_from_bytes (the path of a downloaded document)."""
    from feedvault.vault import open_vault

    folder = work / "feeds"
    folder.mkdir(exist_ok=True)
    with open_vault(db or str(work / "update.db")) as vault:
        for i, mutant in enumerate(batch):
            path = folder / f"m{i}{mutant.source.suffix}"
            path.write_bytes(mutant.data)
            vault.add_feed(str(path), slug=f"m{i}-{report.through_vault}", update=False)

        def update_all() -> str | None:
            for result in vault.update():
                report.statuses[result.status] = report.statuses.get(result.status, 0) + 1
                if result.status == "error" and "\n" in (result.error or ""):
                    return f"{result.slug}: error of more than one line"
            return None

        _run("update", Mutant("feed", Path("batch"), (f"{len(batch)} feeds",), b""),
             report, bugs, update_all)
        for i in range(len(batch)):  # the next mutant's bytes: the feed "changed"
            after = batch[(i + 1) % len(batch)]

            def from_bytes(i: int = i, data: bytes = after.data) -> str | None:
                try:
                    result = vault.update_from_bytes(f"m{i}-{report.through_vault}", data)
                except FeedvaultError as error:
                    return _one_line(error)
                report.statuses[result.status] = report.statuses.get(result.status, 0) + 1
                return "error of more than one line" if "\n" in (result.error or "") else None

            _run("update", after, report, bugs, from_bytes)
    report.through_vault += len(batch)
    for path in work.glob("update.db*"):
        path.unlink()


def check_import(
    batch: list[Mutant], work: Path, report: Report, bugs: BugLog, db: str | None = None
) -> None:
    """Archive and OPML mutants as a tree imported with ``import``."""
    from feedvault.vault import open_vault

    tree = work / "tree"
    for i, mutant in enumerate(batch):
        site = tree / "articles" / f"site-{i % 3}"
        site.mkdir(parents=True, exist_ok=True)
        suffix = ".opml" if mutant.kind == "opml" else ".md"
        (site / f"{i}{suffix}").write_bytes(mutant.data)
    with open_vault(db or str(work / "import.db")) as vault:
        def run_import() -> str | None:
            try:
                result = vault.import_paths([tree])
            except FeedvaultError as error:
                return _one_line(error)
            for name, value in (("files", result.files), ("new", result.new),
                                ("errors", len(result.errors))):
                report.imported[name] = report.imported.get(name, 0) + value
            bad = [e for e in result.errors if "\n" in e]
            return f"error of more than one line: {bad[0][:200]!r}" if bad else None

        _run("import", Mutant("archive", tree, (f"{len(batch)} files",), b""), report, bugs,
             run_import)
    report.through_vault += len(batch)
    for path in [*work.glob("import.db*"), *sorted(tree.rglob("*"), reverse=True), tree]:
        path.unlink() if path.is_file() else path.rmdir()


def fuzz(seed: int, rounds: int, *, vault_every: int = 20, trace_memory: bool = False,
         corpus: Path = CORPUS, db: str | None = None) -> Report:
    """``rounds`` mutants of each kind directly; every ``vault_every``-th also through the
    vault (0: none), at ``db`` (default: throw-away SQLite files). Installs the bug-log
    handler on feedvault's loggers while it runs."""
    files = corpus_files(corpus)
    report = Report()
    bugs = BugLog()
    logger = logging.getLogger("feedvault")
    old_level = logger.level
    logger.addHandler(bugs)
    logger.setLevel(logging.DEBUG)
    try:
        with tempfile.TemporaryDirectory(prefix="fv-fuzz-") as tmp:
            work = Path(tmp)
            for kind in ("feed", "archive", "opml"):
                count = rounds if kind != "opml" else max(1, rounds // 4)
                batch: list[Mutant] = []
                for n, mutant in enumerate(mutants(seed, count, kind, files[kind])):
                    if trace_memory:
                        tracemalloc.start()
                    check_direct(mutant, work, report, bugs)
                    if trace_memory:
                        peak = tracemalloc.get_traced_memory()[1]
                        tracemalloc.stop()
                        if peak > report.traced_peak[0]:
                            report.traced_peak = (peak, mutant.label())
                    if vault_every and n % vault_every == 0:
                        batch.append(mutant)
                if batch and kind == "feed":
                    check_update(batch, work, report, bugs, db)
                elif batch:
                    check_import(batch, work, report, bugs, db)
    finally:
        logger.removeHandler(bugs)
        logger.setLevel(old_level)
    return report


def _save(report: Report, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for n, crash in enumerate(report.crashes):
        (out / f"crash-{n}.bin").write_bytes(crash.mutant.data)
        (out / f"crash-{n}.txt").write_text(
            f"{crash.where}: {crash.mutant.label()}\n{crash.error}\n\n{crash.trace}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--rounds", type=int, default=2000, help="mutants per kind")
    parser.add_argument("--vault-every", type=int, default=20,
                        help="every N-th mutant also through update/import (0: none)")
    parser.add_argument("--trace-memory", action="store_true",
                        help="tracemalloc peak per direct check (slower)")
    parser.add_argument("--db", help="vault for the update/import paths, e.g. a PostgreSQL "
                        "URL of an empty schema (default: throw-away SQLite files)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "fuzz")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    cpu = time.process_time()
    report = fuzz(args.seed, args.rounds, vault_every=args.vault_every,
                  trace_memory=args.trace_memory, db=args.db)
    summary: dict[str, object] = {
        "seed": args.seed, "rounds": args.rounds, "checked": report.checked,
        "through_vault": report.through_vault, "crashes": len(report.crashes),
        "wall_s": round(time.perf_counter() - started, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
        "update_statuses": report.statuses, "imported": report.imported,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    for where, times in sorted(report.seconds.items()):
        summary[f"{where}_ms"] = {"n": len(times),
                                  "median": round(statistics.median(times) * 1000, 2),
                                  "max": round(max(times) * 1000, 1),
                                  "slowest": report.slowest[where][1]}
    if args.trace_memory:
        summary["traced_peak_mb"] = round(report.traced_peak[0] / 2**20, 1)
        summary["traced_peak_input"] = report.traced_peak[1]
    for crash in report.crashes:
        print(f"CRASH {crash.where}: {crash.mutant.label()}: {crash.error}")
    if report.crashes:
        _save(report, args.out)
        print(f"inputs and tracebacks in {args.out}")
    print(json.dumps(summary, indent=1))
    return 1 if report.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
