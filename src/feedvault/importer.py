"""`feedvault import`: archive files, archive trees and OPML subscription lists into a vault.

Archive files become entries with versions of source "archive"; the feed of each file is the
name of its folder (``articles/<site>/<id>.md`` gives ``<site>``) unless one is given.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from feedvault.clean import RuleSet
from feedvault.errors import FeedNotFound, FeedvaultError, UsageError, VaultFault
from feedvault.models import Feed
from feedvault.naming import slugify
from feedvault.parse.model import ParsedEntry
from feedvault.store import FeedSpec, Storage
from feedvault.timeutil import now_utc
from feedvault.update.pipeline import store_entries
from feedvault.urls import is_http

Subscribe = Callable[[str, str | None], Feed]  # (feed URL, title): the feed added
FileUnder = Callable[[dict[str, str | None]], int]  # feed URL -> OPML folder, for a user

BATCH = 500  # entries per transaction
log = logging.getLogger(__name__)


@dataclass
class ImportResult:
    files: int = 0
    feeds_added: int = 0
    subscriptions_added: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True, slots=True)
class _Target:
    """Where an import goes: what it needs of the API, and no more (no `Vault` import)."""

    store: Storage
    rules: RuleSet | None
    subscribe: Subscribe
    file_under: FileUnder | None = None


def import_paths(
    store: Storage,
    paths: list[Path],
    *,
    rules: RuleSet | None,
    subscribe: Subscribe,
    feed_slug: str | None = None,
    file_under: FileUnder | None = None,
) -> ImportResult:
    """Import into ``store``; an OPML subscription is added through ``subscribe`` (the API's
    add_feed: slugs and URL checks are its business), archive entries through the pipeline;
    ``file_under`` files the OPML feeds in their outline folders (a user's subscriptions)."""
    from feedvault.archive.reader import iter_archive_paths, looks_like_opml

    target = _Target(store, rules, subscribe, file_under)

    for path in paths:
        if not path.exists():
            raise UsageError(f"cannot import {path}: no such file or directory")
    result = ImportResult()
    opml = [p for p in paths if p.is_file() and looks_like_opml(p)]
    for path in opml:
        _import_opml(target, path, result)
    groups: dict[str, list[Path]] = defaultdict(list)
    for file, hint in iter_archive_paths([p for p in paths if p not in opml]):
        groups[feed_slug or hint].append(file)
    for hint, files in groups.items():
        _import_archive_group(target, hint, files, result, explicit=feed_slug is not None)
    return result


def _import_opml(target: _Target, path: Path, result: ImportResult) -> None:
    from feedvault.archive.opml import read_opml

    try:
        subscriptions = read_opml(path.read_bytes(), path=str(path))
    except (OSError, FeedvaultError) as exc:
        result.errors.append(f"{path}: {exc}")
        return
    result.files += 1
    known = {f.url for f in target.store.list_feeds()}
    for sub in subscriptions:
        if sub.xml_url in known:
            continue
        try:
            target.subscribe(sub.xml_url, sub.title or None)
        except VaultFault:
            raise  # the vault itself (full, read-only, corrupted): the next one fails too
        except FeedvaultError as exc:
            result.errors.append(f"{path}: {sub.xml_url}: {exc}")
            continue
        known.add(sub.xml_url)
        result.subscriptions_added += 1
    if target.file_under is not None:  # the outline folders, also of feeds already there
        target.file_under({s.xml_url: s.category for s in subscriptions if s.xml_url in known})


def _import_archive_group(
    target: _Target, hint: str, files: list[Path], result: ImportResult, *, explicit: bool
) -> None:
    from feedvault.archive.reader import read_archive_file

    feed = _feed_for(target, hint, result, explicit=explicit)
    entries: list[ParsedEntry] = []
    for file in files:
        try:
            item = read_archive_file(file)
        except FeedvaultError as exc:
            result.errors.append(str(exc))
            continue
        result.files += 1
        entries.append(
            ParsedEntry(
                guid=None,
                link=_web_link(item.link, file),
                title=item.title,
                content_html=item.html,
                summary_html=None,
                published=item.published,
                updated=None,
            )
        )
        if len(entries) >= BATCH:
            _store(target, feed, entries, result)
            entries = []
    if entries:
        _store(target, feed, entries, result)


def _web_link(link: str | None, file: Path) -> str | None:
    """Only http(s) links become entry links, as from feeds (parse.elements.web_link):
    readers follow them, and other readers take our exports as they are."""
    if link is None or is_http(link):
        return link
    log.warning("%s: link dropped, not http(s): %.40r", file, link)
    return None


def _store(target: _Target, feed: Feed, entries: list[ParsedEntry], result: ImportResult) -> None:
    counts = store_entries(
        target.store, feed, entries, seen_at=now_utc(), rules=target.rules, source="archive"
    )
    result.new += counts.new
    result.changed += counts.changed
    result.unchanged += counts.unchanged


def _feed_for(target: _Target, hint: str, result: ImportResult, *, explicit: bool) -> Feed:
    slug = hint if explicit else (slugify(hint) or "archive")
    try:
        return target.store.get_feed(slug)
    except FeedNotFound:
        if explicit and slugify(slug) != slug:
            raise UsageError(f"bad slug {slug!r}") from None
        result.feeds_added += 1
        return target.store.add_feed(FeedSpec(slug=slug, name=hint, url=None))
