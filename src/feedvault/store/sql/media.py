"""``store.media``: the catalog of archived media, written once over the dialect's ``Db``.

Three kinds of rows (docs/media.md): ``media_files`` (one per distinct content, by sha256),
``media_urls`` (one per URL ever seen, with its download state, attempts, next try and the
HTTP exchange of its download), and the links saying which version (``media_links``) or
article snapshot (``snapshot_links``) shows which URL. The bytes themselves are the media
files' (feedvault.media.files), never in the database. Nothing here deletes a row except
``forget_feed``, which only ``remove_feed`` runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from feedvault.media.model import MEDIA_STATES, MediaFile, MediaLink, MediaRef, MediaTask, Snapshot
from feedvault.store.guard import translating
from feedvault.store.sql.dialect import Db
from feedvault.timeutil import from_ms, to_ms

PAGE = 500
_LINK_COLUMNS = "u.url, u.state, u.sha, f.mime, f.size, u.error"
_FILE_COLUMNS = "f.sha, f.size, f.mime, f.width, f.height"
_SNAPSHOT_COLUMNS = "s.id, s.entry_id, s.fetched_at, s.url, s.final_url, s.sha, s.reason, s.http"


def _ms(value: datetime | None) -> int | None:
    return None if value is None else to_ms(value)


def _file(row: Sequence[Any]) -> MediaFile:
    sha, size, mime, width, height = row
    return MediaFile(str(sha), int(size), str(mime), width, height)


def _link(kind: str, shown_as: str | None, row: Sequence[Any]) -> MediaLink:
    url, state, sha, mime, size, error = row
    return MediaLink(
        url, kind, shown_as, state, sha if state == "ok" else None,
        mime if state == "ok" else None, None if size is None or state != "ok" else int(size),
        error,
    )


def final_exchange(http: str | None) -> dict[str, Any] | None:
    """The last (final) exchange of an ``http`` column: ``{"exchanges": [...]}`` JSON."""
    exchanges = all_exchanges(http)
    return exchanges[-1] if exchanges else None


def all_exchanges(http: str | None) -> tuple[dict[str, Any], ...]:
    """Every exchange of an ``http`` column, in order; () for NULL or unreadable JSON."""
    if not http:
        return ()
    try:
        exchanges = json.loads(http).get("exchanges") or []
    except (ValueError, AttributeError):
        return ()
    if not isinstance(exchanges, list) or not all(isinstance(e, dict) for e in exchanges):
        return ()
    return tuple(exchanges)


def _snapshot(row: Sequence[Any]) -> Snapshot:
    sid, entry_id, at, url, final_url, sha, reason, http = row
    hops = all_exchanges(http)
    return Snapshot(
        int(sid), int(entry_id), from_ms(int(at)), url, final_url, sha, reason,
        hops[-1] if hops else None, hops,
    )


@translating(skip=("transaction",))
class MediaCatalog:
    """The media rows of one store, read on its connection, written in its transactions;
    its driver's errors come out as the store's (store/guard.py)."""

    def __init__(
        self,
        db: Db,
        transaction: Callable[[], AbstractContextManager[Any]],
        to_error: Callable[[Exception], Exception | None],
    ) -> None:
        self.db = db
        self.transaction = transaction
        self._to_error = to_error

    # ---- linking what versions and snapshots show ---------------------------------------

    def _url_ids(self, entry_id: int, refs: Sequence[MediaRef]) -> tuple[list[int], int]:
        """The ids of the refs' URLs (inserted as pending when new), and how many were new."""
        ids: list[int] = []
        new = 0
        for ref in refs:
            text = self.db.dialect.text(ref.url)
            row = self.db.one(
                "INSERT INTO media_urls (url, state, entry_id) VALUES (?, 'pending', ?) "
                "ON CONFLICT (url) DO NOTHING RETURNING id",
                (text, entry_id),
            )
            if row is not None:
                new += 1
            else:
                row = self.db.one("SELECT id FROM media_urls WHERE url = ?", (text,))
            ids.append(int(row[0]))
        return ids, new

    def link_version(self, version_id: int, entry_id: int, refs: Sequence[MediaRef]) -> int:
        """Link a version to the URLs it shows (idempotent); returns how many URLs were new."""
        refs = _unique(refs)
        if not refs:
            return 0
        text = self.db.dialect.text
        with self.transaction():
            ids, new = self._url_ids(entry_id, refs)
            self.db.executemany(
                "INSERT INTO media_links (version_id, url_id, kind, shown_as) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (version_id, url_id) DO NOTHING",
                [
                    (version_id, url_id, ref.kind, _opt(text, ref.shown_as))
                    for url_id, ref in zip(ids, refs, strict=True)
                ],
            )
        return new

    def link_snapshot(self, snapshot_id: int, entry_id: int, refs: Sequence[MediaRef]) -> int:
        """Link a page snapshot to the URLs it shows (idempotent); returns new URLs."""
        refs = _unique(refs)
        if not refs:
            return 0
        with self.transaction():
            ids, new = self._url_ids(entry_id, refs)
            self.db.executemany(
                "INSERT INTO snapshot_links (snapshot_id, url_id, kind) VALUES (?, ?, ?) "
                "ON CONFLICT (snapshot_id, url_id) DO NOTHING",
                [(snapshot_id, url_id, ref.kind) for url_id, ref in zip(ids, refs, strict=True)],
            )
        return new

    def links_for_versions(self, version_ids: Sequence[int]) -> dict[int, list[MediaLink]]:
        """Each version's links (in the order their URLs were first seen); versions that
        show nothing are absent."""
        return self._links_by("l.version_id", "media_links l", version_ids)

    def links_for_entries(self, entry_ids: Sequence[int]) -> dict[int, list[MediaLink]]:
        """Each entry's current version's links, by entry id (the web app's Atom pages list
        entries without their versions); entries that show nothing are absent."""
        return self._links_by(
            "e.id", "entries e JOIN media_links l ON l.version_id = e.current_version", entry_ids
        )

    def _links_by(
        self, key: str, source: str, ids: Sequence[int]
    ) -> dict[int, list[MediaLink]]:
        """Links grouped by ``key`` (a column of ``source``, which joins in ``media_links l``)."""
        found: dict[int, list[MediaLink]] = {}
        for cond, params in self.db.any_of(key, list(ids)):
            rows = self.db.execute(
                f"SELECT {key}, l.kind, l.shown_as, {_LINK_COLUMNS} FROM {source} "
                "JOIN media_urls u ON u.id = l.url_id LEFT JOIN media_files f ON f.sha = u.sha "
                f"WHERE {cond} ORDER BY {key}, u.id",
                params,
            )
            for owner, kind, shown_as, *rest in rows:
                found.setdefault(int(owner), []).append(_link(kind, shown_as, rest))
        return found

    def links_for_snapshot(self, snapshot_id: int) -> list[MediaLink]:
        rows = self.db.execute(
            f"SELECT l.kind, {_LINK_COLUMNS} FROM snapshot_links l "
            "JOIN media_urls u ON u.id = l.url_id LEFT JOIN media_files f ON f.sha = u.sha "
            "WHERE l.snapshot_id = ? ORDER BY u.id",
            (snapshot_id,),
        )
        return [_link(kind, None, rest) for kind, *rest in rows]

    def url_state(self, url: str) -> MediaLink | None:
        """One URL's state; kind is that of its first link (a version's, else a snapshot's)."""
        row = self.db.one(
            f"SELECT coalesce((SELECT min(l.kind) FROM media_links l WHERE l.url_id = u.id), "
            "(SELECT min(s.kind) FROM snapshot_links s WHERE s.url_id = u.id), ''), "
            f"{_LINK_COLUMNS} FROM media_urls u LEFT JOIN media_files f ON f.sha = u.sha "
            "WHERE u.url = ?",
            (self.db.dialect.text(url),),
        )
        return None if row is None else _link(row[0], None, row[1:])

    # ---- what is due, and what came of it -----------------------------------------------

    def due(
        self,
        now: datetime,
        *,
        limit: int = 500,
        feed_id: int | None = None,
        feed_ids: Sequence[int] | None = None,
    ) -> list[MediaTask]:
        """URLs to (re)try now, oldest first: pending ones (without a later try set) and
        failed ones whose backoff ran out. ``feed_ids`` narrows to several feeds' entries."""
        sql = (
            "SELECT u.id, u.url, u.attempts, u.entry_id, e.feed_id FROM media_urls u "
            "JOIN entries e ON e.id = u.entry_id WHERE u.state IN ('pending', 'failed') "
            "AND ((u.state = 'pending' AND u.next_try IS NULL) OR u.next_try <= ?)"
        )
        params: list[Any] = [to_ms(now)]
        if feed_id is not None:
            sql += " AND e.feed_id = ?"
            params.append(feed_id)
        tasks: list[MediaTask] = []
        if feed_ids is None:
            chunks: list[tuple[str, tuple[Any, ...]]] = [("", ())]
        else:
            chunks = [(f" AND {c}", p) for c, p in self.db.any_of("e.feed_id", list(feed_ids))]
        for cond, extra in chunks:
            rows = self.db.execute(
                f"{sql}{cond} ORDER BY u.id LIMIT ?", (*params, *extra, max(limit - len(tasks), 0))
            )
            tasks += [MediaTask(int(i), u, int(a), int(e), int(f)) for i, u, a, e, f in rows]
        return sorted(tasks, key=lambda t: t.url_id)[:limit]

    def record_ok(self, url_id: int, file: MediaFile, http: str | None, at: datetime) -> None:
        """The URL's bytes are stored (``MediaFiles.put`` first): its file row and state."""
        with self.transaction():
            self._add_file(file, at)
            self.db.execute(
                "UPDATE media_urls SET state = 'ok', sha = ?, attempts = attempts + 1, "
                "next_try = NULL, fetched_at = ?, error = NULL, http = ? WHERE id = ?",
                (file.sha, to_ms(at), http, url_id),
            )

    def record_failed(
        self,
        url_id: int,
        error: str,
        http: str | None,
        at: datetime,
        next_try: datetime | None,
    ) -> None:
        """A download failed; ``next_try`` None gives up (the URL stays failed)."""
        with self.transaction():
            self.db.execute(
                "UPDATE media_urls SET state = 'failed', attempts = attempts + 1, next_try = ?, "
                "fetched_at = ?, error = ?, http = ? WHERE id = ?",
                (_ms(next_try), to_ms(at), self.db.dialect.text(error), http, url_id),
            )

    def record_skipped(self, url_id: int, reason: str, http: str | None, at: datetime) -> None:
        """The URL was fetched but is not kept (a tracking pixel, too large, not an image)."""
        with self.transaction():
            self.db.execute(
                "UPDATE media_urls SET state = 'skipped', attempts = attempts + 1, "
                "next_try = NULL, fetched_at = ?, error = ?, http = ? WHERE id = ?",
                (to_ms(at), self.db.dialect.text(reason), http, url_id),
            )

    def defer(self, url_ids: Sequence[int], next_try: datetime) -> None:
        """Leave pending URLs for later (a quota was reached): not due before ``next_try``."""
        with self.transaction():
            for cond, params in self.db.any_of("id", list(url_ids)):
                self.db.execute(
                    f"UPDATE media_urls SET next_try = ? WHERE state = 'pending' AND {cond}",
                    (to_ms(next_try), *params),
                )

    def _add_file(self, file: MediaFile, at: datetime) -> None:
        self.db.execute(
            "INSERT INTO media_files (sha, size, mime, width, height, stored_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha) DO NOTHING",
            (file.sha, file.size, file.mime, file.width, file.height, to_ms(at)),
        )

    def add_file(self, file: MediaFile, at: datetime) -> None:
        """Record stored bytes (idempotent: the first row of a sha stays)."""
        with self.transaction():
            self._add_file(file, at)

    def get_file(self, sha: str) -> MediaFile | None:
        row = self.db.one(f"SELECT {_FILE_COLUMNS} FROM media_files f WHERE f.sha = ?", (sha,))
        return None if row is None else _file(row)

    def iter_files(self) -> Iterator[MediaFile]:
        """Every file row, in sha order (``media verify``)."""
        last = ""
        while True:
            rows = self.db.all(
                f"SELECT {_FILE_COLUMNS} FROM media_files f WHERE f.sha > ? "
                f"ORDER BY f.sha{self.db.dialect.byte_order} LIMIT {PAGE}",
                (last,),
            )
            if not rows:
                return
            yield from (_file(r) for r in rows)
            last = str(rows[-1][0])

    # ---- quotas and counts ------------------------------------------------------------

    def entry_bytes(self, entry_id: int) -> int:
        """Bytes of the files archived for URLs first seen in this entry (its quota)."""
        row = self.db.one(
            "SELECT coalesce(sum(f.size), 0) FROM media_files f WHERE f.sha IN "
            "(SELECT u.sha FROM media_urls u WHERE u.entry_id = ? AND u.state = 'ok')",
            (entry_id,),
        )
        return int(row[0])

    def total_bytes(self) -> int:
        return int(self.db.one("SELECT coalesce(sum(size), 0) FROM media_files")[0])

    def counts(self) -> dict[str, int]:
        """URLs per state, plus ``files`` and ``bytes`` of the stored files."""
        found = dict.fromkeys(MEDIA_STATES, 0)
        for state, n in self.db.execute("SELECT state, count(*) FROM media_urls GROUP BY state"):
            found[str(state)] = int(n)
        files, size = self.db.one("SELECT count(*), coalesce(sum(size), 0) FROM media_files")
        found["files"] = int(files)
        found["bytes"] = int(size)
        return found

    # ---- which versions to look at -----------------------------------------------------

    def versions_to_scan(
        self,
        *,
        feed_id: int | None = None,
        since: datetime | None = None,
        unscanned: bool = False,
        feed_ids: Sequence[int] | None = None,
        upto: int | None = None,
    ) -> Iterator[tuple[int, int, int, str | None, str, str]]:
        """(version id, entry id, feed id, link, content_html, raw_html) in version id
        order, read in pages (the raw HTML has the srcset candidates the cleaner drops).
        ``since``: versions seen from then on; ``feed_ids``: of these feeds only; ``upto``:
        ids up to this one. ``unscanned``: only versions after each feed's
        ``media_scanned`` mark (what updates stored since the last scan): the read starts
        at the lowest mark of the feeds, so it costs the versions written since then, not
        the whole table."""
        where = ["v.id > ?"]
        params: list[Any] = []
        if feed_id is not None:
            where.append("e.feed_id = ?")
            params.append(feed_id)
        ids = list(feed_ids) if feed_ids is not None else None
        if ids is not None:
            if not ids:
                return
            if len(ids) <= 500:  # else filtered below, by the caller's set
                cond, chunk = next(self.db.any_of("e.feed_id", ids))
                where.append(cond)
                params += chunk
        if since is not None:
            where.append("v.seen_at >= ?")
            params.append(to_ms(since))
        if upto is not None:
            where.append("v.id <= ?")
            params.append(upto)
        last = 0
        if unscanned:
            where.append("v.id > coalesce(fd.media_scanned, 0)")
            scope = ids if ids is not None else ([feed_id] if feed_id is not None else None)
            last = self._scan_floor(scope)
        wanted = set(ids) if ids is not None else None
        sql = (
            "SELECT v.id, v.entry_id, e.feed_id, v.link, v.content_html, v.raw_html "
            "FROM versions v "
            "JOIN entries e ON e.id = v.entry_id JOIN feeds fd ON fd.id = e.feed_id "
            f"WHERE {' AND '.join(where)} ORDER BY v.id LIMIT {PAGE}"
        )
        while True:
            rows = self.db.all(sql, (last, *params))
            if not rows:
                return
            for vid, eid, fid, link, html, raw in rows:
                if wanted is None or int(fid) in wanted:
                    yield int(vid), int(eid), int(fid), link, html, raw
            last = int(rows[-1][0])

    def _scan_floor(self, feed_ids: Sequence[int] | None) -> int:
        """The version id below which every version of these feeds (all: None) was looked
        at: the lowest mark; for a feed never marked, just below its first version."""
        marks: list[int] = []
        never: list[int] = []
        if feed_ids is None:
            rows = self.db.all("SELECT id, media_scanned FROM feeds")
        else:
            rows = []
            for cond, params in self.db.any_of("id", list(feed_ids)):
                rows += self.db.all(f"SELECT id, media_scanned FROM feeds WHERE {cond}", params)
        for fid, mark in rows:
            if mark is None:
                never.append(int(fid))
            else:
                marks.append(int(mark))
        for cond, params in self.db.any_of("e.feed_id", never):
            row = self.db.one(
                "SELECT min(v.id) FROM versions v JOIN entries e ON e.id = v.entry_id "
                f"WHERE {cond}",
                params,
            )
            if row is not None and row[0] is not None:
                marks.append(int(row[0]) - 1)
        return min(marks) if marks else self.max_version_id()

    def max_version_id(self) -> int:
        """The highest version id stored (0 for none): where a scan can stop."""
        row = self.db.one("SELECT coalesce(max(id), 0) FROM versions")
        return int(row[0])

    def mark_feeds_scanned(self, feed_ids: Sequence[int], version_id: int) -> None:
        """Every version of these feeds up to ``version_id`` was looked at (a scan of
        ``upto=version_id`` over them ended); marks never move back."""
        with self.transaction():
            for cond, params in self.db.any_of("id", list(feed_ids)):
                self.db.execute(
                    f"UPDATE feeds SET media_scanned = ? WHERE {cond} "
                    "AND (media_scanned IS NULL OR media_scanned < ?)",
                    (version_id, *params, version_id),
                )

    def version_source(self, version_id: int) -> tuple[str, str, str | None, str | None] | None:
        """(entry key, document sha, document url, content type) of the feed document a
        version came from; None when it was stored without one (the enclosures of an
        entry are read back from there)."""
        row = self.db.one(
            "SELECT e.key, v.document_sha, d.url, d.content_type FROM versions v "
            "JOIN entries e ON e.id = v.entry_id JOIN documents d ON d.sha = v.document_sha "
            "WHERE v.id = ?",
            (version_id,),
        )
        return None if row is None else (str(row[0]), str(row[1]), row[2], row[3])

    def mark_scanned(self, feed_id: int, version_id: int) -> None:
        """The feed's versions up to ``version_id`` were looked at (never moves back)."""
        with self.transaction():
            self.db.execute(
                "UPDATE feeds SET media_scanned = ? WHERE id = ? "
                "AND (media_scanned IS NULL OR media_scanned < ?)",
                (version_id, feed_id, version_id),
            )

    # ---- article snapshots --------------------------------------------------------------

    def add_snapshot(
        self,
        entry_id: int,
        url: str,
        final_url: str,
        sha: str,
        reason: str,
        at: datetime,
        http: str | None,
    ) -> int:
        """Keep a page snapshot (its bytes already in the media files, its file row added
        with ``add_file``); returns its id."""
        text = self.db.dialect.text
        with self.transaction():
            row = self.db.one(
                "INSERT INTO snapshots (entry_id, fetched_at, url, final_url, sha, reason, http) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (entry_id, to_ms(at), text(url), text(final_url), sha, reason, http),
            )
        return int(row[0])

    def snapshots(self, entry_id: int) -> list[Snapshot]:
        rows = self.db.execute(
            f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots s WHERE s.entry_id = ? "
            "ORDER BY s.fetched_at, s.id",
            (entry_id,),
        )
        return [_snapshot(r) for r in rows]

    def iter_snapshots(
        self, *, feed_id: int | None = None, since: datetime | None = None
    ) -> Iterator[Snapshot]:
        for row in self._pages(
            f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots s JOIN entries e ON e.id = s.entry_id",
            "s.id", "s.fetched_at", feed_id, since,
        ):
            yield _snapshot(row)

    # ---- what the WARC export reads -----------------------------------------------------

    def iter_archived(
        self, *, feed_id: int | None = None, since: datetime | None = None
    ) -> Iterator[tuple[str, MediaFile, str | None, datetime]]:
        """(url, file, http JSON, fetched_at) of every archived URL (state ok), by id.
        ``feed_id``: URLs first seen in that feed's entries."""
        for row in self._pages(
            f"SELECT u.id, u.url, {_FILE_COLUMNS}, u.http, u.fetched_at FROM media_urls u "
            "JOIN media_files f ON f.sha = u.sha JOIN entries e ON e.id = u.entry_id",
            "u.id", "u.fetched_at", feed_id, since, "u.state = 'ok'",
        ):
            yield row[1], _file(row[2:7]), row[7], from_ms(int(row[8]))

    def iter_documents(
        self, *, feed_id: int | None = None, since: datetime | None = None
    ) -> Iterator[tuple[str, int, datetime, str | None, str | None, str | None]]:
        """(sha, feed id, fetched_at, url, content_type, http JSON) of every feed document,
        by fetch time (``store.get_document(sha)`` gives its bytes)."""
        last: tuple[int, str] | None = None
        where, params = _scope("d.feed_id", "d.fetched_at", feed_id, since)
        while True:
            cond = list(where)
            args = list(params)
            if last is not None:
                cond.append("(d.fetched_at > ? OR (d.fetched_at = ? AND d.sha > ?))")
                args += [last[0], last[0], last[1]]
            rows = self.db.all(
                "SELECT d.sha, d.feed_id, d.fetched_at, d.url, d.content_type, d.http "
                f"FROM documents d {_where(cond)} "
                f"ORDER BY d.fetched_at, d.sha{self.db.dialect.byte_order} LIMIT {PAGE}",
                args,
            )
            if not rows:
                return
            for sha, fid, at, url, ctype, http in rows:
                yield str(sha), int(fid), from_ms(int(at)), url, ctype, http
            last = (int(rows[-1][2]), str(rows[-1][0]))

    def _pages(
        self,
        select: str,
        key: str,
        time: str,
        feed_id: int | None,
        since: datetime | None,
        *extra: str,
    ) -> Iterator[Sequence[Any]]:
        """Rows of ``select`` in ``key`` order, ``PAGE`` at a time (memory stays flat)."""
        where, params = _scope("e.feed_id", time, feed_id, since)
        where = [*extra, *where, f"{key} > ?"]
        last = 0
        while True:
            rows = self.db.all(
                f"{select} {_where(where)} ORDER BY {key} LIMIT {PAGE}", (*params, last)
            )
            if not rows:
                return
            yield from rows
            last = int(rows[-1][0])

    # ---- removing a feed (SqlStorage.remove_feed only) ------------------------------

    def feed_shas(self, feed_id: int) -> set[str]:
        """The files a feed's versions and snapshots use (before it is removed, the ones
        whose bytes may be deleted afterwards if no row uses them any more)."""
        rows = self.db.all(
            "SELECT u.sha FROM media_urls u JOIN media_links l ON l.url_id = u.id "
            "JOIN versions v ON v.id = l.version_id JOIN entries e ON e.id = v.entry_id "
            "WHERE e.feed_id = ? AND u.sha IS NOT NULL "
            "UNION SELECT u.sha FROM media_urls u JOIN snapshot_links l ON l.url_id = u.id "
            "JOIN snapshots s ON s.id = l.snapshot_id JOIN entries e ON e.id = s.entry_id "
            "WHERE e.feed_id = ? AND u.sha IS NOT NULL "
            "UNION SELECT s.sha FROM snapshots s JOIN entries e ON e.id = s.entry_id "
            "WHERE e.feed_id = ? "
            "UNION SELECT u.sha FROM media_urls u JOIN entries e ON e.id = u.entry_id "
            "WHERE e.feed_id = ? AND u.sha IS NOT NULL",
            (feed_id, feed_id, feed_id, feed_id),
        )
        return {str(r[0]) for r in rows}


def forget_feed(db: Db, feed_id: int) -> None:
    """Inside ``remove_feed``'s transaction, before its versions and entries go: the feed's
    links and snapshots, the URLs nothing else shows, then the file rows nothing uses. A URL
    another feed still shows stays, re-attributed to an entry that shows it."""
    entries = "SELECT id FROM entries WHERE feed_id = ?"
    versions = f"SELECT id FROM versions WHERE entry_id IN ({entries})"
    snaps = f"SELECT id FROM snapshots WHERE entry_id IN ({entries})"
    url_ids = {
        int(r[0])
        for r in db.all(
            f"SELECT url_id FROM media_links WHERE version_id IN ({versions}) "
            f"UNION SELECT url_id FROM snapshot_links WHERE snapshot_id IN ({snaps}) "
            f"UNION SELECT id FROM media_urls WHERE entry_id IN ({entries})",
            (feed_id, feed_id, feed_id),
        )
    }
    shas = {
        str(r[0])
        for r in db.all(f"SELECT sha FROM snapshots WHERE entry_id IN ({entries})", (feed_id,))
    }
    db.execute(f"DELETE FROM media_links WHERE version_id IN ({versions})", (feed_id,))
    db.execute(f"DELETE FROM snapshot_links WHERE snapshot_id IN ({snaps})", (feed_id,))
    db.execute(f"DELETE FROM snapshots WHERE entry_id IN ({entries})", (feed_id,))
    ids = sorted(url_ids)
    for cond, params in db.any_of("u.id", ids):
        shas |= {
            str(r[0])
            for r in db.all(f"SELECT u.sha FROM media_urls u WHERE {cond} AND u.sha IS NOT NULL",
                            params)
        }
        # still shown elsewhere: first seen, from now on, in an entry that shows it
        db.execute(
            "UPDATE media_urls SET entry_id = coalesce((SELECT v.entry_id FROM media_links l "
            "JOIN versions v ON v.id = l.version_id WHERE l.url_id = media_urls.id "
            "ORDER BY v.id LIMIT 1), (SELECT s.entry_id FROM snapshot_links l "
            "JOIN snapshots s ON s.id = l.snapshot_id WHERE l.url_id = media_urls.id "
            "ORDER BY s.id LIMIT 1), entry_id) "
            f"WHERE {cond.replace('u.id', 'id')} AND entry_id IN ({entries})",
            (*params, feed_id),
        )
        db.execute(
            f"DELETE FROM media_urls WHERE {cond.replace('u.id', 'id')} "
            "AND NOT EXISTS (SELECT 1 FROM media_links l WHERE l.url_id = media_urls.id) "
            "AND NOT EXISTS (SELECT 1 FROM snapshot_links l WHERE l.url_id = media_urls.id)",
            params,
        )
    for cond, params in db.any_of("sha", sorted(shas)):
        db.execute(
            f"DELETE FROM media_files WHERE {cond} "
            "AND NOT EXISTS (SELECT 1 FROM media_urls u WHERE u.sha = media_files.sha) "
            "AND NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.sha = media_files.sha)",
            params,
        )


def _opt(text: Callable[[str], str], value: str | None) -> str | None:
    return None if value is None else text(value)


def _unique(refs: Sequence[MediaRef]) -> list[MediaRef]:
    """The refs with one per URL (the first), so one link per (version, URL)."""
    seen: set[str] = set()
    out: list[MediaRef] = []
    for ref in refs:
        if ref.url not in seen:
            seen.add(ref.url)
            out.append(ref)
    return out


def _scope(
    feed_column: str, time_column: str, feed_id: int | None, since: datetime | None
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if feed_id is not None:
        where.append(f"{feed_column} = ?")
        params.append(feed_id)
    if since is not None:
        where.append(f"{time_column} >= ?")
        params.append(to_ms(since))
    return where, params


def _where(conditions: Sequence[str]) -> str:
    return f"WHERE {' AND '.join(conditions)}" if conditions else ""
