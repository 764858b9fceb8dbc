"""The only place that connects the stages to storage: parse -> decide -> clean -> store.

Cleaning runs after the decider so that an unchanged entry costs a hash, not a clean; each new
or changed entry is parsed, cleaned and tokenised exactly once. The store writes the entries, the
versions, the search rows and the feed's HTTP state in one transaction.

Changes are computed here too, before writing: the noise verdict and the edit summary of each
changed entry (feedvault.changes.noise) travel in the batch (``NewVersion.edit``), so the write
transaction only inserts the marks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from feedvault.changes.diff import describe_edit
from feedvault.changes.noise import judge_edit
from feedvault.clean import RuleSet, clean_entry
from feedvault.decide import content_hash, decide
from feedvault.decide.decider import Candidate, candidates
from feedvault.errors import ParseError, StorageError
from feedvault.models import Entry, Feed
from feedvault.parse import parse_feed
from feedvault.parse.model import ParsedEntry
from feedvault.search.tokens import index_fields
from feedvault.store.base import (
    EntryState,
    FeedStateUpdate,
    NewEntry,
    NewVersion,
    PackedDocument,
    StaleBatch,
    Storage,
    UpdateBatch,
)
from feedvault.timeutil import now_utc


@dataclass(slots=True)
class UpdateResult:
    """What one feed update did; `status` is ok, not_modified, gone or error."""

    slug: str
    status: str = "ok"
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = field(default=())
    touched_keys: tuple[str, ...] = field(default=())  # keys of new and changed entries

    def as_dict(self) -> dict[str, object]:
        return {
            "feed": self.slug,
            "status": self.status,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "error": self.error,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class Document:
    """Feed bytes with what the transport said about them."""

    data: bytes
    url: str | None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    permanent_url: str | None = None
    sha256: str | None = None  # of ``data``, when the caller already hashed it
    http: str | None = None  # the hops' HTTP exchanges (fetch.result.exchanges_json)

    def digest(self) -> str:
        return self.sha256 or hashlib.sha256(self.data).hexdigest()


class StaleDecision(Exception):
    """The store changed between `prepare` and `commit` (another writer touched the feed)."""


@dataclass(slots=True)
class Prepared:
    """One feed update computed but not written: `commit` stores it in one transaction.

    Preparing (parse, decide, clean, tokenise) only reads the store, so it can run in another
    process (feedvault.update.prepare_pool) while this one writes the previous feed.
    ``states`` is what the decision assumed the store held for ``keys``; `commit` checks it
    when asked.
    """

    feed: Feed
    result: UpdateResult
    batch: UpdateBatch | None = None  # None when the document failed to parse
    keys: tuple[str, ...] = ()
    states: dict[str, EntryState] = field(default_factory=dict)


def ingest(
    store: Storage,
    feed: Feed,
    doc: Document,
    *,
    seen_at: datetime,
    rules: RuleSet | None = None,
    next_check: Callable[[], datetime] | None = None,
    fail: Callable[[str], UpdateResult] | None = None,
) -> UpdateResult:
    """Parse one feed document and store what is new or changed, all in one transaction.

    Another writer (a second `update`, `run`) may store the same feed in between: the store
    notices under its write lock, and the entries are decided again (`_retrying`).
    """
    return _retrying(
        feed,
        lambda: prepare(store, feed, doc, seen_at=seen_at, rules=rules),
        lambda prepared: commit(store, prepared, next_check=next_check, fail=fail),
    )


STALE_RETRIES = 3  # decisions redone when other writers keep changing one feed


def _retrying(
    feed: Feed,
    decide_again: Callable[[], Prepared],
    write: Callable[[Prepared], UpdateResult],
) -> UpdateResult:
    """Prepare and write, preparing again when another writer got there first."""
    for _ in range(STALE_RETRIES):
        try:
            return write(decide_again())
        except StaleDecision:
            continue
    raise StorageError(
        f"{feed.slug}: other writers kept changing this feed's entries "
        f"({STALE_RETRIES} tries); it is tried again at its next check"
    )


def prepare(
    store: Storage,
    feed: Feed,
    doc: Document,
    *,
    seen_at: datetime,
    rules: RuleSet | None = None,
) -> Prepared:
    """Everything of an update but the write; reads the store, never writes it.

    The same bytes as last time cost a hash: nothing is parsed (servers without ETag support
    send them again on every poll).
    """
    sha = doc.digest()
    if sha == feed.last_doc_sha:
        return unchanged_update(feed, doc, seen_at)
    try:
        parsed = parse_feed(doc.data, url=doc.url, content_type=doc.content_type)
    except ParseError as exc:
        return Prepared(feed, UpdateResult(feed.slug, status="error", error=f"{feed.slug}: {exc}"))
    state = FeedStateUpdate(
        etag=doc.etag,
        last_modified=doc.last_modified,
        site_url=parsed.link,
        title=parsed.title or None,
        url=doc.permanent_url,
        warning="; ".join(parsed.warnings)[:500] or None,
        status="ok",
        document_sha=sha,
    )
    prepared = prepare_entries(
        store,
        feed,
        parsed.entries,
        seen_at=seen_at,
        rules=rules,
        site_link=parsed.link,
        doc=doc,
        feed_state=state,
    )
    prepared.result.warnings = parsed.warnings
    return prepared


def unchanged_update(feed: Feed, doc: Document, seen_at: datetime) -> Prepared:
    """The update for the same bytes as the feed's last stored document: nothing to parse,
    only the transport's state (ETag, Last-Modified, permanent URL) moves."""
    state = FeedStateUpdate(
        etag=doc.etag, last_modified=doc.last_modified, url=doc.permanent_url, status="ok"
    )
    return Prepared(
        feed,
        UpdateResult(feed.slug, "not_modified", unchanged=feed.entry_count),
        UpdateBatch(seen_at=seen_at, feed_state=state),
    )


def commit(
    store: Storage,
    prepared: Prepared,
    *,
    next_check: Callable[[], datetime] | None = None,
    fail: Callable[[str], UpdateResult] | None = None,
) -> UpdateResult:
    """Write a prepared update; raise `StaleDecision` instead when the feed's stored entries
    are no longer what `prepare` saw (checked by the store under its write lock)."""
    result, batch = prepared.result, prepared.batch
    if batch is None:
        message = result.error or f"{prepared.feed.slug}: nothing to store"
        if fail is not None:
            return fail(message)
        store.record_feed_error(prepared.feed.id, message, now_utc())
        return result
    if next_check is not None:
        batch = replace(batch, feed_state=replace(batch.feed_state, next_check=next_check()))
    try:
        counts = store.apply_update(prepared.feed.id, batch)
    except StaleBatch:
        raise StaleDecision(prepared.feed.slug) from None
    if result.status == "ok":
        result.new, result.changed, result.unchanged = counts.new, counts.changed, counts.unchanged
    return result


def store_entries(
    store: Storage,
    feed: Feed,
    entries: Sequence[ParsedEntry],
    *,
    seen_at: datetime,
    rules: RuleSet | None = None,
    site_link: str | None = None,
    source: str = "feed",
) -> UpdateResult:
    """Decide, clean and write entries of one feed (archive files, full-text pages)."""
    return _retrying(
        feed,
        lambda: prepare_entries(
            store, feed, entries, seen_at=seen_at, rules=rules, site_link=site_link, source=source
        ),
        lambda prepared: commit(store, prepared),
    )


def prepare_entries(
    store: Storage,
    feed: Feed,
    entries: Sequence[ParsedEntry],
    *,
    seen_at: datetime,
    rules: RuleSet | None = None,
    site_link: str | None = None,
    source: str = "feed",
    doc: Document | None = None,
    feed_state: FeedStateUpdate | None = None,
) -> Prepared:
    """Decide and clean entries of one feed; each new or changed one is cleaned and
    tokenised for the search index exactly once, here."""
    looked_up: dict[str, EntryState] = {}

    def known(asked: Sequence[str]) -> Mapping[str, EntryState]:
        found = store.entry_states(feed.id, asked)
        looked_up.update(found)
        return found

    cands, _ = candidates(entries, known)  # reads the states of the keys it may choose
    keys = tuple(c.key for c in cands)
    states = {k: looked_up[k] for k in keys if k in looked_up}
    decision = decide(cands, states)
    # The read phase ends here: the changed entries' current versions, read after `states`.
    # If another writer adds a version after `states` was read, the store's stale check
    # (UpdateBatch.expected, under its write lock) sends the feed back here, so the edit
    # summaries computed from these reads are those of the versions the batch follows.
    current = {e.id: e for e in store.get_entries([eid for eid, _ in decision.changed])}
    ctx = _Context(feed, site_link, rules, source)
    new_entries = [_new_entry(c, ctx, seen_at) for c in decision.new]
    changed: list[tuple[int, NewVersion, datetime | None]] = []
    real: list[tuple[int, Candidate]] = []
    for entry_id, cand in decision.changed:
        version = _version(cand, ctx)[0]
        old = current.get(entry_id)
        if old is not None:
            edit = judge_edit(
                old, version, cand.parsed.content_html,
                cleaned_like_noise=_base_url(cand.parsed, ctx.site_link) == cand.parsed.link,
                feed_slug=feed.slug, rules=rules,
            )
            if edit is None:  # only a re-render: unchanged, its last_seen still moves on
                decision.unchanged.append(entry_id)
                continue
            version = replace(version, edit=edit)
        real.append((entry_id, cand))
        changed.append((entry_id, version, _published_update(cand.parsed, states[cand.key])))
    decision.changed = real
    anything = bool(new_entries or changed)
    batch = UpdateBatch(
        seen_at=seen_at,
        new_entries=new_entries,
        changed=changed,
        unchanged_ids=decision.unchanged,
        document=(
            PackedDocument.pack(doc.data, feed_state.document_sha if feed_state else None)
            if anything and doc is not None
            else None
        ),
        document_url=doc.url if doc else None,
        document_type=doc.content_type if doc else None,
        document_http=doc.http if doc else None,
        feed_state=feed_state or FeedStateUpdate(clear_error=False),
        feed_keys=list(keys) if doc is not None else None,
        expected=states,
        expected_keys=keys,
    )
    touched = tuple(c.key for c in decision.new) + tuple(c.key for _, c in decision.changed)
    result = UpdateResult(feed.slug, "ok", touched_keys=touched)
    return Prepared(feed, result, batch, keys, states)


@dataclass(frozen=True, slots=True)
class Page:
    """An article page fetched for a stored entry, its article already extracted: a version
    source like a feed document (feedvault.update.fulltext fetches them)."""

    entry: Entry  # as stored, with its current version's text
    article_html: str
    url: str  # where the page was found: the base of its relative links


def store_pages(
    store: Storage,
    feed: Feed,
    pages: Sequence[Page],
    *,
    seen_at: datetime,
    rules: RuleSet | None = None,
) -> UpdateResult:
    """Write the page versions of one feed's entries in one transaction (decided again when
    another writer changed those entries in between); ``changed`` counts the versions."""
    if not pages:
        return UpdateResult(feed.slug, "ok")
    return _retrying(
        feed,
        lambda: prepare_pages(store, feed, pages, seen_at=seen_at, rules=rules),
        lambda prepared: commit(store, prepared) if prepared.batch else prepared.result,
    )


def prepare_pages(
    store: Storage,
    feed: Feed,
    pages: Sequence[Page],
    *,
    seen_at: datetime,
    rules: RuleSet | None = None,
) -> Prepared:
    """Page versions as one batch: each page cleaned and tokenised once, here, like a feed's
    entries; a page whose text is the entry's current text adds nothing (no batch at all
    when no page does)."""
    keys = tuple(p.entry.key for p in pages)
    states = store.entry_states(feed.id, keys)
    changed: list[tuple[int, NewVersion, datetime | None]] = []
    for page in pages:
        entry = page.entry
        cleaned = clean_entry(
            page.article_html, base_url=page.url, link=entry.link, feed_slug=feed.slug, rules=rules
        )
        if cleaned.text.strip() == entry.text.strip():
            continue
        version = NewVersion(
            title=entry.title,
            link=entry.link,
            raw_html=page.article_html,
            content_html=cleaned.html,
            text=cleaned.text,
            content_hash=content_hash(entry.title, entry.link, page.article_html),
            source="page",
            index=index_fields(entry.title, cleaned.text),
        )
        state = states.get(entry.key)
        if state is not None and state.version_count == entry.version_count:
            # `entry` is the version the stale check pins: the edit is computed here, once
            version = replace(version, edit=describe_edit(entry, version))
        changed.append((entry.id, version, None))
    result = UpdateResult(feed.slug, "ok")
    if not changed:
        return Prepared(feed, result, None, keys, states)
    batch = UpdateBatch(
        seen_at=seen_at,
        changed=changed,
        feed_state=FeedStateUpdate(clear_error=False),
        expected=states,
        expected_keys=keys,
    )
    return Prepared(feed, result, batch, keys, states)


@dataclass(frozen=True, slots=True)
class _Context:
    feed: Feed
    site_link: str | None
    rules: RuleSet | None
    source: str


def _base_url(entry: ParsedEntry, site_link: str | None) -> str | None:
    """What an item's relative links resolve against when it is cleaned for storing."""
    return entry.base_url or entry.link or site_link


def _version(cand: Candidate, ctx: _Context) -> tuple[NewVersion, datetime | None]:
    return item_version(cand, ctx.feed, site_link=ctx.site_link, rules=ctx.rules,
                        source=ctx.source)


def item_version(
    cand: Candidate, feed: Feed, *, site_link: str | None, rules: RuleSet | None, source: str
) -> tuple[NewVersion, datetime | None]:
    """An item as a version to store (cleaned once, its search tokens made) and the date
    hint the cleaner found: what every version source (feed, archive, reparse) stores."""
    entry = cand.parsed
    cleaned = clean_entry(
        entry.content_html,
        base_url=_base_url(entry, site_link),
        link=entry.link,
        feed_slug=feed.slug,
        rules=rules,
    )
    version = NewVersion(
        title=entry.title,
        link=entry.link,
        raw_html=entry.content_html,
        content_html=cleaned.html,
        text=cleaned.text,
        content_hash=cand.content_hash,
        source=source,
        index=index_fields(entry.title, cleaned.text),
    )
    return version, cleaned.date_hint


def _new_entry(cand: Candidate, ctx: _Context, seen_at: datetime) -> NewEntry:
    version, date_hint = _version(cand, ctx)
    entry = cand.parsed
    published, source = _published(entry, date_hint, seen_at)
    if source == "feed" and ctx.source == "archive":
        source = "archive"
    return NewEntry(
        key=cand.key,
        guid=entry.guid,
        published=published,
        published_source=source,
        updated=entry.updated,
        author=entry.author,
        version=version,
    )


def _published(
    entry: ParsedEntry, date_hint: datetime | None, seen_at: datetime
) -> tuple[datetime, str]:
    """The feed's date, else the article's own date line, else when we first saw it."""
    if entry.published or entry.updated:
        return (entry.published or entry.updated), "feed"  # type: ignore[return-value]
    if date_hint is not None:
        return date_hint, "page"
    return seen_at, "first_seen"


def _published_update(entry: ParsedEntry, state: EntryState) -> datetime | None:
    """A feed date replaces a guessed one, never an earlier feed date."""
    if state.published_source in ("feed", "archive"):
        return None
    return entry.published or entry.updated
