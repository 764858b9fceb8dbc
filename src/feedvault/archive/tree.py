"""Export feeds into a duty-machine directory tree, continuing whatever is already there.

Layout: ``articles/<slug>/<id>.md`` (ids count down from 0xFFFFF so a listing shows the newest
first) and ``lists/<name>.md``. A second export into the same root matches items to their
files (manifest first, then canonical link, then title, the way duty-machine rewrote a file
whose link or title it already had), rewrites only files whose text changed, and gives new
items the next lower ids. Files are never deleted.

With ``media`` (``export markdown --media``), the archived images are copied into the tree
as ``media/<sha[:2]>/<sha>.<ext>`` and the exported HTML points at them by relative paths
(archive/treemedia.py); without it the files are byte for byte as duty-machine writes them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from feedvault.archive.reader import read_archive_header
from feedvault.archive.render import LIST_LIMIT, render_item, render_list
from feedvault.errors import ArchiveFormatError, FeedvaultError, UsageError
from feedvault.urls import canonical_url

if TYPE_CHECKING:
    from feedvault.media.files import MediaFiles
    from feedvault.media.model import MediaLink

__all__ = ["FIRST_ID", "ExportFeed", "ExportItem", "ExportStats", "export_tree"]

FIRST_ID = 0xFFFFF
MANIFEST = Path(".feedvault") / "export.json"
_ARTICLE_NAME = re.compile(r"(\d+)(?:_.*)?\.md")


@dataclass(frozen=True)
class ExportItem:
    entry_id: int
    title: str
    link: str | None
    published: datetime
    html: str
    media: Sequence[MediaLink] = ()  # its versions' images, archived or not (--media)


@dataclass(frozen=True)
class ExportFeed:
    slug: str
    name: str
    items: Sequence[ExportItem]


@dataclass
class ExportStats:
    written: int = 0  # new files
    updated: int = 0  # existing files whose text changed
    unchanged: int = 0
    feeds: int = 0  # feeds exported
    media: int = 0  # media files copied into the tree (--media)
    changed_feeds: int = field(default=0, compare=False)  # feeds with a new or updated file


@dataclass
class _Site:
    """The files already in one ``articles/<slug>/`` directory, indexed lazily."""

    directory: Path
    ids: dict[str, int]  # file name -> id
    claimed: set[str] = field(default_factory=set)
    by_link: dict[str, str] | None = None
    by_title: dict[str, str] | None = None

    def index(self) -> tuple[dict[str, str], dict[str, str]]:
        if self.by_link is None or self.by_title is None:
            self.by_link, self.by_title = {}, {}
            for name in sorted(self.ids, key=self.ids.__getitem__, reverse=True):
                try:
                    item = read_archive_header(self.directory / name)
                except ArchiveFormatError:
                    continue  # not ours to judge; its id still counts
                if item.link:
                    self.by_link[canonical_url(item.link)] = name  # latest file wins
                if item.title.strip():
                    self.by_title[item.title.strip()] = name
        return self.by_link, self.by_title


def export_tree(
    root: Path,
    feeds: Iterable[ExportFeed],
    *,
    commit: bool = False,
    media: MediaFiles | None = None,
) -> ExportStats:
    """Write (or continue) the archive tree under ``root``; optionally commit it with git.
    With ``media``, the items' archived images are copied in and their HTML points there."""
    root = Path(root)
    if commit:
        _require_git_tree(root)
    manifest = _load_manifest(root)
    stats = ExportStats()
    slugs: set[str] = set()
    for feed in feeds:
        _check_slug(feed.slug)
        if feed.slug in slugs:
            raise UsageError(f"feed slug {feed.slug!r} given twice")
        slugs.add(feed.slug)
        before = (stats.written, stats.updated)
        _export_feed(root, feed, manifest, stats, media)
        stats.feeds += 1
        stats.changed_feeds += (stats.written, stats.updated) != before
    _save_manifest(root, manifest)
    if commit:
        _git_commit(root, stats)
    return stats


def _export_feed(
    root: Path,
    feed: ExportFeed,
    manifest: dict[str, str],
    stats: ExportStats,
    media: MediaFiles | None = None,
) -> None:
    directory = root / "articles" / feed.slug
    directory.mkdir(parents=True, exist_ok=True)
    site = _Site(directory, _existing_ids(directory))
    items = sorted(feed.items, key=lambda it: (_utc(it.published), it.entry_id))
    files = _match(site, items, manifest, feed.slug)
    rows: dict[str, tuple[datetime, str, str]] = {}
    for item in items:
        name = files[item.entry_id]
        html = item.html if media is None else _offline(root, item, media, stats)
        text = render_item(item.title, item.link, item.published, html)
        target = directory / name
        if name not in site.ids:
            _write(target, text)
            site.ids[name] = int(name.removesuffix(".md"))
            stats.written += 1
        elif _read_bytes(target) != text.encode("utf-8"):
            _write(target, text)
            stats.updated += 1
        else:
            stats.unchanged += 1
        manifest[str(item.entry_id)] = f"articles/{feed.slug}/{name}"
        rows[name] = (_utc(item.published), item.title, name)
    _write_list(root, feed, site, rows)


def _offline(root: Path, item: ExportItem, files: MediaFiles, stats: ExportStats) -> str:
    """The item's HTML pointing at the copies of its archived images (copied on first use;
    an article file is two levels below the root)."""
    from feedvault.archive.treemedia import media_name, offline_html
    from feedvault.media.files import MediaMissing

    def href(link: MediaLink) -> str | None:
        assert link.sha is not None
        name = media_name(link.sha, link.mime)
        target = root / name
        if not target.is_file():
            try:
                data = files.read(link.sha)
            except (MediaMissing, ValueError):
                return None
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_bytes(target, data)
            stats.media += 1
        return f"../../{name}"

    return offline_html(item.html, item.link, item.media, href)


def _match(
    site: _Site, items: Sequence[ExportItem], manifest: dict[str, str], slug: str
) -> dict[int, str]:
    """entry_id -> file name: manifest, then link, then title, then new ids (oldest first)."""
    files: dict[int, str] = {}
    prefix = f"articles/{slug}/"
    for item in items:
        known = manifest.get(str(item.entry_id), "")
        name = known.removeprefix(prefix)
        if known.startswith(prefix) and name in site.ids and name not in site.claimed:
            files[item.entry_id] = name
            site.claimed.add(name)
    _match_existing(site, [it for it in items if it.entry_id not in files], files, manifest)
    next_id = min(site.ids.values(), default=FIRST_ID + 1) - 1
    for item in items:
        if item.entry_id not in files:
            if next_id < 0:
                raise ArchiveFormatError("no file ids left below 0", path=str(site.directory))
            files[item.entry_id] = f"{next_id}.md"
            next_id -= 1
    return files


def _match_existing(
    site: _Site, items: Sequence[ExportItem], files: dict[int, str], manifest: dict[str, str]
) -> None:
    if not items or not site.ids:
        return
    owned = {
        path.rsplit("/", 1)[-1]
        for path in manifest.values()
        if path.startswith(f"articles/{site.directory.name}/")
    }
    by_link, by_title = site.index()
    for index, key_of in ((by_link, _link_key), (by_title, _title_key)):
        for item in items:
            key = key_of(item)
            name = index.get(key) if key else None
            if item.entry_id in files or name is None:
                continue
            if name not in site.claimed and name not in owned:
                files[item.entry_id] = name
                site.claimed.add(name)


def _link_key(item: ExportItem) -> str | None:
    return canonical_url(item.link) if item.link else None


def _title_key(item: ExportItem) -> str | None:
    return item.title.strip() or None


def _write_list(
    root: Path, feed: ExportFeed, site: _Site, rows: dict[str, tuple[datetime, str, str]]
) -> None:
    """Rebuild ``lists/<name>.md`` from the 300 most recently numbered files."""
    latest = sorted(site.ids, key=site.ids.__getitem__)[:LIST_LIMIT]
    for name in latest:
        if name not in rows:
            row = _row_from_file(site.directory / name)
            if row is not None:
                rows[name] = row
    selected = [rows[name] for name in latest if name in rows]
    text = render_list(feed.name, selected, site_dir=feed.slug)
    target = root / "lists" / f"{_safe_name(feed.name) or feed.slug}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    if _read_bytes(target) != text.encode("utf-8"):
        _write(target, text)


def _row_from_file(path: Path) -> tuple[datetime, str, str] | None:
    try:
        item = read_archive_header(path)
    except ArchiveFormatError:
        return None
    published = item.published or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return published, item.title, path.name


def _existing_ids(directory: Path) -> dict[str, int]:
    ids: dict[str, int] = {}
    for entry in os.scandir(directory):
        match = _ARTICLE_NAME.fullmatch(entry.name)
        if match and entry.is_file():
            ids[entry.name] = int(match.group(1))
    return ids


def _check_slug(slug: str) -> None:
    if not slug or slug.startswith(".") or any(c in slug for c in "/\\\0") or slug == "lists":
        raise UsageError(f"feed slug {slug!r} cannot be a directory name")


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[/\\\0\r\n]", "-", name).strip().lstrip(".")
    return cleaned[:200]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _write(path: Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> None:
    """Temp file in the same directory, then rename: readers never see half a file."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _load_manifest(root: Path) -> dict[str, str]:
    path = root / MANIFEST
    raw = _read_bytes(path)
    if raw is None:
        return {}
    try:
        entries = json.loads(raw)["entries"]
        return {str(k): str(v) for k, v in entries.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ArchiveFormatError(f"bad export manifest ({exc})", path=str(path)) from exc


def _save_manifest(root: Path, manifest: dict[str, str]) -> None:
    path = root / MANIFEST
    ordered = dict(sorted(manifest.items(), key=lambda kv: (len(kv[0]), kv[0])))
    text = json.dumps({"version": 1, "entries": ordered}, ensure_ascii=False, indent=1) + "\n"
    if _read_bytes(path) != text.encode("utf-8"):
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, text)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc}") from exc


def _require_git_tree(root: Path) -> None:
    """Checked before anything is written; a root not created yet counts by its parent."""
    existing = root.absolute()
    while not existing.is_dir() and existing != existing.parent:
        existing = existing.parent
    result = _git(existing, "rev-parse", "--is-inside-work-tree")
    if result.returncode != 0 or result.stdout.strip() != "true":
        raise UsageError(f"{root}: not a git work tree (needed for --commit)")


def _git_commit(root: Path, stats: ExportStats) -> None:
    """Stage and commit only this tree; an export that changed nothing makes no commit."""
    _check(_git(root, "add", "-A", "--", "."), root)
    if _git(root, "diff", "--cached", "--quiet", "--", ".").returncode == 0:
        return
    feeds = "feed" if stats.changed_feeds == 1 else "feeds"
    message = (
        f"feedvault export: {stats.written} new, {stats.updated} updated "
        f"in {stats.changed_feeds} {feeds}"
    )
    _check(_git(root, "commit", "--quiet", "-m", message, "--", "."), root)


def _check(result: subprocess.CompletedProcess[str], root: Path) -> None:
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise FeedvaultError(f"{root}: git failed: {detail[-1] if detail else result.args}")
