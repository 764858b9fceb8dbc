"""The storage interface every backend implements, and the values that cross it.

The pipeline decides *what* changes (new entries, new versions, feed state); a backend only
writes it, all of one feed update in one transaction.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import zstandard

from feedvault.changes.model import EditSummary
from feedvault.models import Entry, EntryVersion, Feed
from feedvault.models import EntryState as EntryState  # the decider's input
from feedvault.search.query import Query

if TYPE_CHECKING:
    from feedvault.search.tokens import IndexFields
    from feedvault.store.sql.accounts import Accounts
    from feedvault.store.sql.media import MediaCatalog


@dataclass(frozen=True, slots=True)
class FeedSpec:
    slug: str
    name: str
    url: str | None
    site_url: str | None = None
    settings: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewVersion:
    title: str
    link: str | None
    raw_html: str
    content_html: str
    text: str
    content_hash: str
    source: str = "feed"
    index: IndexFields | None = None  # search tokens, when the preparing stage made them
    # What a reader sees changed from the entry's current version (the 'edit' mark's
    # evidence), computed where the update is prepared; None for a first version, or from a
    # caller that did not compute it (the store then compares the stored versions itself).
    edit: EditSummary | None = None


@dataclass(frozen=True, slots=True)
class NewEntry:
    key: str
    guid: str | None
    published: datetime
    published_source: str
    updated: datetime | None
    author: str | None
    version: NewVersion


@dataclass(frozen=True, slots=True)
class FeedStateUpdate:
    """Feed fields written together with the entries (None leaves a field as it is)."""

    last_updated: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    site_url: str | None = None
    url: str | None = None  # a permanent redirect
    clear_error: bool = True
    warning: str | None = None
    status: str | None = None
    next_check: datetime | None = None
    document_sha: str | None = None  # sha256 of the feed document just read


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True, slots=True)
class PackedDocument:
    """A feed document as the stores keep it: sha256 and length of the original bytes, and
    the bytes compressed. Packed where the update is prepared (a worker process), so the
    single writer only inserts, and the pipe carries a third of the bytes."""

    sha: str
    size: int
    data: bytes

    @classmethod
    def pack(cls, raw: bytes, sha: str | None = None) -> PackedDocument:
        """zstd level 3: 2.2x less CPU than zlib level 1 (which older vaults hold) and
        a smaller result (35 % of a Chinese RSS file against 40 %)."""
        data = zstandard.ZstdCompressor(level=3).compress(raw)
        return cls(sha or hashlib.sha256(raw).hexdigest(), len(raw), data)


def unpack_document(data: bytes) -> bytes:
    """The original bytes of a stored document: zstd, or zlib for ones stored before."""
    if data.startswith(_ZSTD_MAGIC):
        return bytes(zstandard.ZstdDecompressor().decompress(data))
    return zlib.decompress(data)


@dataclass(frozen=True, slots=True)
class UpdateBatch:
    """Everything one feed update writes: committed all together or not at all."""

    seen_at: datetime
    new_entries: Sequence[NewEntry] = ()
    changed: Sequence[tuple[int, NewVersion, datetime | None]] = ()  # entry id, version, published
    unchanged_ids: Sequence[int] = ()
    document: PackedDocument | None = None  # the feed bytes, kept when anything changed
    document_url: str | None = None
    document_type: str | None = None
    document_http: str | None = None  # fetch.result.exchanges_json of the document's download
    feed_state: FeedStateUpdate = field(default_factory=FeedStateUpdate)
    feed_keys: Sequence[str] | None = None  # every key of the feed document, in its order
    # What the decision assumed the store held for these keys (None: no check). The backend
    # compares it inside the write transaction and raises StaleBatch when another writer
    # stored something for them since: the caller decides again, nothing is written twice.
    expected: Mapping[str, EntryState] | None = None
    expected_keys: Sequence[str] = ()


class StaleBatch(Exception):
    """Another writer changed the feed's entries after the batch was decided."""


@dataclass(frozen=True, slots=True)
class ReparseFix:
    """One entry corrected by re-reading its stored feed document (update/reparse.py):
    ``version`` (source "reparse") is added after the entry's versions, never in place of
    one; the entry fields are set as given. Skipped when the entry no longer has
    ``version_count`` versions (another writer came in between)."""

    entry_id: int
    version_count: int
    version: NewVersion | None
    document_sha: str | None
    published: datetime
    published_source: str
    updated: datetime | None
    author: str | None


@dataclass(frozen=True, slots=True)
class UpdateCounts:
    new: int
    changed: int
    unchanged: int


class SearchHitRef(Protocol):
    """A search result as a backend returns it: which entry, how well it matched."""

    @property
    def entry_id(self) -> int: ...
    @property
    def score(self) -> float: ...


class Storage(Protocol):
    """What the pipeline and the API need from a database."""

    def close(self) -> None: ...

    # feeds
    def add_feed(self, spec: FeedSpec) -> Feed: ...
    def get_feed(self, slug: str) -> Feed: ...
    def list_feeds(self) -> list[Feed]: ...
    def remove_feed(self, slug: str) -> int: ...
    def slug_taken(self, slug: str) -> bool: ...
    def record_feed_error(
        self,
        feed_id: int,
        message: str,
        at: datetime,
        next_check: datetime | None = None,
        status: str | None = None,
    ) -> None: ...
    def set_feed_settings(self, feed_id: int, settings: dict[str, object]) -> None: ...
    def rename_feed(self, feed_id: int, name: str) -> None: ...

    # leases: several workers share the feeds of one vault
    def claim_due_feeds(self, worker_id: str, limit: int, lease_seconds: float) -> list[Feed]: ...
    def release_feed(self, feed_id: int, worker_id: str) -> bool: ...

    # entries
    def entry_states(self, feed_id: int, keys: Sequence[str]) -> dict[str, EntryState]: ...
    def apply_update(self, feed_id: int, batch: UpdateBatch) -> UpdateCounts: ...
    def apply_reparse(
        self, feed_id: int, fixes: Sequence[ReparseFix], at: datetime, record: str
    ) -> int: ...
    def apply_feed_states(
        self, states: Sequence[tuple[int, datetime, FeedStateUpdate]]
    ) -> None:
        """Move several feeds' HTTP state (ETag, next check...) in one transaction: feeds
        whose document did not change, where one transaction each would cost more than
        the check itself."""
        ...

    def list_entries(
        self,
        feed_id: int | None = None,
        limit: int | None = 50,
        offset: int = 0,
        oldest_first: bool = False,
    ) -> list[Entry]: ...
    def get_entry(self, entry_id: int, with_versions: bool = True) -> Entry: ...
    def get_entries(self, entry_ids: Sequence[int]) -> list[Entry]: ...
    def versions(self, entry_id: int) -> list[EntryVersion]: ...
    def get_document(self, sha: str) -> bytes: ...
    def iter_versions_for_reclean(self, feed_id: int) -> Iterable[EntryVersion]: ...
    def rewrite_clean(self, rows: Sequence[tuple[int, str, str]]) -> None: ...
    def integrity_check(self) -> str: ...

    # small key-value settings (admin password hash, secrets) and statistics
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str | None) -> None: ...
    def daily_counts(self, feed_id: int, days: int) -> list[tuple[str, int]]: ...
    def count_entries(self, feed_id: int | None = None) -> int: ...
    def recent_published(self, feed_id: int, limit: int) -> list[datetime]: ...

    # search (the index itself is written inside apply_update)
    def search(
        self,
        query: Query,
        *,
        feed_ids: Sequence[int] | None = None,
        since: int | None = None,
        until: int | None = None,
        sort: str = "newest",
        limit: int = 20,
        offset: int = 0,
    ) -> Sequence[SearchHitRef]: ...
    def count_matches(
        self,
        query: Query,
        *,
        feed_ids: Sequence[int] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> int: ...
    def reindex(self) -> int: ...

    # archived media: files, URLs, the links of versions and snapshots (store/sql/media.py)
    @property
    def media(self) -> MediaCatalog: ...

    # users and their reading state (store/sql/accounts.py)
    @property
    def accounts(self) -> Accounts: ...
