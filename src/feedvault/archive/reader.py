"""Read archive-format markdown files (duty-machine/news and its two older variants).

Three shapes are in the wild (see shared/corpus/archive-format):

* ``duty-machine``: ``<!--ms-->``, ``[title](link)``, ``------``, blank line, HTML body;
* ``jekyll``: a ``---`` front-matter block, then the same;
* ``dated``: no ``<!--ms-->`` line; ``[title](link)``, ``------``, ``日期：<RFC 822 date>``.

Files are decoded without newline translation: duty-machine split bodies on ``\\n`` only, so
bare ``\\r`` inside a body line is content and must survive a round trip byte for byte.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

from feedvault.errors import ArchiveFormatError

__all__ = [
    "ArchivedItem",
    "iter_archive_paths",
    "looks_like_opml",
    "read_archive_file",
    "read_archive_header",
    "read_archive_text",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS_LINE = re.compile(r"<!--\s*(-?\d+)\s*-->")
_DATED_PREFIXES = ("日期：", "日期:")
_ARCHIVE_SUFFIXES = (".md", ".txt")
_SKIPPED_NAMES = frozenset({"readme.md", "manifest.tsv", "license.md", "changelog.md"})
_HEAD_BYTES = 16384


@dataclass(frozen=True)
class ArchivedItem:
    """One archived item as read from disk; ``html`` is the body exactly as in the file."""

    path: str
    title: str
    link: str | None
    published: datetime | None
    html: str
    front_matter: dict[str, str] = field(hash=False)
    variant: str  # "duty-machine" | "jekyll" | "dated"


def read_archive_file(path: str | Path) -> ArchivedItem:
    """Read and parse one archive file; any problem is an ArchiveFormatError naming it."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ArchiveFormatError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    return read_archive_text(_decode(data, str(path)), str(path))


def read_archive_header(path: str | Path) -> ArchivedItem:
    """Like read_archive_file but reads only the first 16 KiB when that holds the header.

    Continuing a large tree needs every file's title and link, not its body; ``html`` of the
    result may be cut short.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise ArchiveFormatError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    if len(head) < _HEAD_BYTES:
        return read_archive_text(_decode(head, str(path)), str(path))
    cut = head[: head.rfind(b"\n") + 1]
    try:
        return read_archive_text(cut.decode("utf-8"), str(path))
    except (UnicodeDecodeError, ArchiveFormatError):
        return read_archive_file(path)


def read_archive_text(text: str, path: str = "<text>") -> ArchivedItem:
    """Parse the text of an archive file (any of the three variants). NUL characters
    become U+FFFD: no text column of PostgreSQL can hold them, and no HTML means them."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    front_matter: dict[str, str] = {}
    body = text
    if text.startswith("---\n") or text.startswith("---\r\n"):
        front_matter, body = _split_front_matter(text, path)
    lines = body.split("\n", 5)
    published: datetime | None = None
    index = 0
    has_ms = bool(lines) and lines[0].startswith("<!--")
    if has_ms:
        published = _parse_ms(lines[0].rstrip("\r"), path)
        index = 1
    title, link = _parse_link_line(_line(lines, index), path)
    if _line(lines, index + 1).rstrip("\r") != "------":
        raise ArchiveFormatError("missing '------' line after the title", path=path)
    index += 2
    dated = _line(lines, index).rstrip("\r")
    if not has_ms and dated.startswith(_DATED_PREFIXES):
        published = _parse_rfc822(dated[3:])
        index += 1
    if index < len(lines) and lines[index].rstrip("\r") == "":
        index += 1
    html = "\n".join(lines[index:]).removesuffix("\n") if index < len(lines) else ""
    if published is None and "date" in front_matter:
        published = _parse_iso(front_matter["date"])
    if not title and front_matter.get("title"):
        title = front_matter["title"]
    variant = "jekyll" if front_matter else ("duty-machine" if has_ms else "dated")
    return ArchivedItem(path, title, link, published, html, front_matter, variant)


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArchiveFormatError(f"not UTF-8 text (byte {exc.start})", path=path) from exc


def _line(lines: list[str], index: int) -> str:
    return lines[index] if index < len(lines) else ""


def _split_front_matter(text: str, path: str) -> tuple[dict[str, str], str]:
    match = re.search(r"\r?\n---\r?\n", text[3:])
    if match is None:
        raise ArchiveFormatError("front matter '---' block is not closed", path=path)
    block = text[3 : 3 + match.start()]
    values: dict[str, str] = {}
    for raw in block.splitlines():
        key, sep, value = raw.partition(":")
        if sep and key.strip() and not raw.startswith((" ", "\t", "#")):
            values[key.strip()] = _unquote(value.strip())
    return values, text[3 + match.end() :]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


def _parse_ms(line: str, path: str) -> datetime | None:
    match = _MS_LINE.fullmatch(line.strip())
    if match is None:
        # duty-machine wrote whatever pubDate was; a non-number is no date, not a bad file.
        inner = line.strip().removeprefix("<!--").removesuffix("-->").strip()
        return _parse_iso(inner) or _parse_rfc822(inner)
    digits = match.group(1)
    if len(digits.lstrip("-")) > 18:  # no real date; int() refuses 4,300+ digits anyway
        return None
    try:
        return _EPOCH + timedelta(milliseconds=int(digits))
    except OverflowError:
        return None


def _parse_link_line(line: str, path: str) -> tuple[str, str | None]:
    line = line.rstrip("\r")
    split = line.rfind("](")
    if not line.startswith("[") or not line.endswith(")") or split < 0:
        raise ArchiveFormatError("not an archive file: no '[title](link)' line", path=path)
    link = line[split + 2 : -1].strip()
    return line[1:split], link or None


def _parse_rfc822(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return _as_utc(parsed)


def _parse_iso(value: str) -> datetime | None:
    value = value.strip()
    for parse in (datetime.fromisoformat, _jekyll_date):
        try:
            return _as_utc(parse(value))
        except ValueError:
            continue
    return None


def _jekyll_date(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S %z")


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iter_archive_paths(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str]]:
    """Yield ``(file, feed_hint)`` for archive candidates under ``paths``, sorted.

    ``feed_hint`` is the parent directory's name (``articles/<site>/<id>.md`` gives ``<site>``).
    A file named explicitly is always yielded; a directory walk skips hidden entries,
    ``lists/`` (generated indexes), README/MANIFEST files and other suffixes.
    """
    seen: set[Path] = set()
    for given in paths:
        root = Path(given)
        found = [root] if root.is_file() else sorted(_walk(root))
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                yield file, file.absolute().parent.name


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "lists"]
        for name in filenames:
            lowered = name.lower()
            if (
                not name.startswith(".")
                and lowered.endswith(_ARCHIVE_SUFFIXES)
                and lowered not in _SKIPPED_NAMES
            ):
                yield Path(dirpath) / name


def looks_like_opml(path: str | Path) -> bool:
    """A cheap sniff (suffix, then an ``<opml`` tag in the first 2 KiB) to route imports."""
    if str(path).lower().endswith(".opml"):
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(2048)
    except OSError:
        return False
    return re.search(rb"<opml[\s>]", head, re.IGNORECASE) is not None
