"""``feedvault reparse``: re-read the stored feed documents with today's parser and correct
what an older parser made of them.

The archive's rules hold: no version and no document is ever changed or removed.

- What a version holds (title, link, the item's raw HTML) is corrected by a NEW version,
  source ``reparse``, from the same document (its document_sha), added after the entry's
  current feed version when re-reading that version's document gives something else. It is
  cleaned and indexed like any new version. Its content hash is today's parser's, so the
  next fetch of an unchanged item finds it unchanged instead of recording a false edit.
- What the entry holds once (published, updated, author: set from its first document) is
  corrected in place, read again from the document of its first version. Dates follow the
  pipeline's rule: a feed date the parser is not sure of any more is no date, so the entry
  falls back to its article's date line or to when it was first seen.
- Every run that writes keeps what it changed, each field's old and new value, as JSON in
  the vault's meta table (``reparse:<feed id>:<ms>``), in the same transaction.

Entries are found again by key. An item whose key the new parser computes differently (its
link was corrupted by the old parser, and no guid) cannot be matched: it is reported as
``unmatched`` and left alone (re-keying would break the archive's identities). An entry
whose current version is a full-text page keeps it: only its entry fields are corrected.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from feedvault.clean import clean_entry
from feedvault.clean.ruleset import RuleSet
from feedvault.decide.decider import Candidate, candidates
from feedvault.errors import FeedvaultError
from feedvault.models import Entry, EntryVersion, Feed
from feedvault.parse import ParsedEntry, parse_feed
from feedvault.store.base import NewVersion, ReparseFix, Storage
from feedvault.timeutil import iso
from feedvault.update.pipeline import item_version

SOURCE = "reparse"


@dataclass(slots=True)
class Correction:
    """What reparse changes in one entry: each field's (old, new), and whether a version
    is added for it."""

    feed: str
    entry_id: int
    key: str
    fields: dict[str, tuple[object, object]]
    new_version: bool

    def as_dict(self) -> dict[str, Any]:
        """The HTML is named by its length and hash: both texts are in the versions."""
        return {
            "feed": self.feed, "entry": self.entry_id, "key": self.key,
            "new_version": self.new_version,
            "fields": {
                k: [_plain(k, old), _plain(k, new)] for k, (old, new) in self.fields.items()
            },
        }


@dataclass(slots=True)
class ReparseReport:
    dry_run: bool
    feeds: int = 0
    documents: int = 0  # stored documents read again
    entries: int = 0  # entries looked at
    corrected: int = 0  # entries corrected (or that would be, on a dry run)
    versions: int = 0  # versions added
    no_document: int = 0  # entries with no stored document (imported, or stored before 0.x)
    unmatched: list[tuple[str, int, str]] = field(default_factory=list)  # feed, entry, key
    failed: list[str] = field(default_factory=list)  # documents that no longer parse
    corrections: list[Correction] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run, "feeds": self.feeds, "documents": self.documents,
            "entries": self.entries, "corrected": self.corrected, "versions": self.versions,
            "no_document": self.no_document,
            "unmatched": [{"feed": f, "entry": e, "key": k} for f, e, k in self.unmatched],
            "failed": self.failed,
            "corrections": [c.as_dict() for c in self.corrections],
        }

    def summary(self) -> str:
        verb = "would correct" if self.dry_run else "corrected"
        return (
            f"reparse: {self.documents} documents of {self.feeds} feeds read again, "
            f"{self.entries} entries checked, {verb} {self.corrected} "
            f"({self.versions} new versions); {len(self.unmatched)} unmatched, "
            f"{self.no_document} without a stored document, {len(self.failed)} documents failed"
        )


def reparse(
    store: Storage,
    feeds: Iterable[Feed],
    *,
    now: datetime,
    rules: RuleSet | None = None,
    dry_run: bool = False,
) -> ReparseReport:
    """Re-read each feed's stored documents and correct its entries (see the module doc)."""
    report = ReparseReport(dry_run)
    for feed in feeds:
        report.feeds += 1
        fixes = _feed(store, feed, rules, report)
        if fixes and not dry_run:
            mine = [c.as_dict() for c in report.corrections if c.feed == feed.slug]
            record = json.dumps({"at": iso(now), "corrections": mine}, ensure_ascii=False)
            store.apply_reparse(feed.id, fixes, now, record)
    return report


_CACHED = 32  # parsed documents kept: entries read oldest first mostly share their document


@dataclass(slots=True)
class _Documents:
    """The feed's stored documents as {entry key: parsed item}, the last few kept parsed."""

    store: Storage
    feed: Feed
    report: ReparseReport
    known: Callable[[Sequence[str]], Mapping[str, Any]]
    cache: OrderedDict[str, tuple[dict[str, Candidate], str | None, bool]] = field(
        default_factory=OrderedDict
    )
    seen: set[str] = field(default_factory=set)  # documents counted (or failed) once

    def item(
        self, version: EntryVersion, entry: Entry
    ) -> tuple[Candidate | None, str | None, bool]:
        """The item of ``entry`` in the document of ``version``, the document's site link,
        and whether the document could be read at all."""
        sha = version.document_sha or ""
        if sha in self.cache:
            self.cache.move_to_end(sha)
        else:
            self.cache[sha] = self._read(version)
            if len(self.cache) > _CACHED:
                self.cache.popitem(last=False)
        by_key, site, readable = self.cache[sha]
        found = by_key.get(entry.key)
        if found is None and entry.guid:  # the key moved but the guid did not (a split)
            same = [c for c in by_key.values() if c.parsed.guid == entry.guid]
            found = same[0] if len(same) == 1 else None
        return found, site, readable

    def _read(self, version: EntryVersion) -> tuple[dict[str, Candidate], str | None, bool]:
        source = self.store.media.version_source(version.id)
        sha = version.document_sha or ""
        first_time = sha not in self.seen
        self.seen.add(sha)
        try:
            if source is None:
                raise FeedvaultError(f"document {sha[:12]} is missing")
            _, _, url, content_type = source
            parsed = parse_feed(self.store.get_document(sha), url=url, content_type=content_type)
        except FeedvaultError as exc:
            if first_time:
                self.report.failed.append(f"{self.feed.slug}: document {sha[:12]}: {exc}")
            return {}, None, False
        self.report.documents += first_time
        found, _ = candidates(parsed.entries, self.known)
        return {c.key: c for c in found}, parsed.link, True


def _feed(
    store: Storage, feed: Feed, rules: RuleSet | None, report: ReparseReport
) -> list[ReparseFix]:
    docs = _Documents(store, feed, report, lambda keys: store.entry_states(feed.id, keys))
    fixes: list[ReparseFix] = []
    entries = store.list_entries(feed.id, limit=None, oldest_first=True)
    for entry in entries:
        report.entries += 1
        versions = store.versions(entry.id)
        fed = [v for v in versions if v.source != "page"]
        current, first = (fed[-1], fed[0]) if fed else (None, None)
        if current is None or first is None or current.document_sha is None:
            report.no_document += 1
            continue
        cand, site, readable = docs.item(current, entry)
        if cand is None:
            if readable:  # the document was read, the entry's item not found in it
                report.unmatched.append((feed.slug, entry.id, entry.key))
            continue
        head = cand
        if first.document_sha is not None and first.document_sha != current.document_sha:
            head = docs.item(first, entry)[0] or cand
        fix = _correct(feed, entry, versions[-1], current, cand, head.parsed, site, rules)
        if fix is not None:
            correction, reparse_fix = fix
            report.corrections.append(correction)
            report.corrected += 1
            report.versions += reparse_fix.version is not None
            fixes.append(reparse_fix)
    return fixes


def _correct(
    feed: Feed,
    entry: Entry,
    newest: EntryVersion,
    current: EntryVersion,
    cand: Candidate,
    head: ParsedEntry,
    site: str | None,
    rules: RuleSet | None,
) -> tuple[Correction, ReparseFix] | None:
    """The correction of ``entry`` (None when today's parser reads it as stored):
    ``cand`` is its item in its current version's document, ``head`` in its first one's."""
    parsed = cand.parsed
    changed: dict[str, tuple[object, object]] = {}
    version: NewVersion | None = None
    if newest.source != "page" and (parsed.title, parsed.link, parsed.content_html) != (
        current.title, current.link, current.raw_html
    ):  # (an entry showing a full-text page keeps showing it)
        version = item_version(
            cand, feed, site_link=site or feed.site_url, rules=rules, source=SOURCE
        )[0]
        versioned: tuple[tuple[str, object, object], ...] = (
            ("title", current.title, parsed.title),
            ("link", current.link, parsed.link),
            ("raw_html", current.raw_html, parsed.content_html),
        )
        for name, old, new in versioned:
            if old != new:
                changed[name] = (old, new)
    published, published_source = _published(entry, head, parsed, rules, feed)
    once: tuple[tuple[str, object, object], ...] = (
        ("published", entry.published, published),
        ("published_source", entry.published_source, published_source),
        ("updated", entry.updated, head.updated),
        ("author", entry.author, head.author),
    )
    for name, old, new in once:
        if old != new:
            changed[name] = (old, new)
    if not changed:
        return None
    correction = Correction(feed.slug, entry.id, entry.key, changed, version is not None)
    fix = ReparseFix(
        entry_id=entry.id,
        version_count=entry.version_count,
        version=version,
        document_sha=current.document_sha,
        published=published,
        published_source=published_source,
        updated=head.updated,
        author=head.author,
    )
    return correction, fix


def _published(
    entry: Entry, head: ParsedEntry, now: ParsedEntry, rules: RuleSet | None, feed: Feed
) -> tuple[datetime, str]:
    """The pipeline's rule again: the feed's date (from the first document, else a later
    one, as an update fills a missing date in), else the article's date line, else when it
    was first seen. Imported dates are left as they are."""
    if entry.published_source not in ("feed", "first_seen", "page"):
        return entry.published, entry.published_source  # archive imports: no document
    date = head.published or head.updated or now.published or now.updated
    if date is not None:
        return date, "feed"
    if entry.published_source != "feed":
        return entry.published, entry.published_source
    hint = clean_entry(
        head.content_html, base_url=head.base_url or head.link, link=head.link,
        feed_slug=feed.slug, rules=rules,
    ).date_hint
    return (hint, "page") if hint is not None else (entry.first_seen, "first_seen")


def _plain(name: str, value: object) -> object:
    if isinstance(value, datetime):
        return iso(value)
    if name == "raw_html" and isinstance(value, str):
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return f"{len(value)} characters, sha256 {digest}"
    return value

