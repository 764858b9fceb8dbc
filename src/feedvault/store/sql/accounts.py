"""``store.accounts``: users and their reading state, written once over the dialect's ``Db``.

The state is compact (docs/accounts.md): an archive holds millions of entries nobody will
open, so marking a feed read never writes a row per entry. Per (user, feed) a subscription
keeps ``read_upto``, an entry id: the feed's entries up to it are read, those above it
unread, except the rows of ``read_state`` (``is_read`` 1: read above the mark, 0: unread
at or below it). Entry ids grow as entries arrive (a feed's writes are serialised by its
update transaction), so an entry that arrives after a mark is unread for every follower.
Unread counts cost one row per feed, not one per unread entry: ``feed_counts`` (kept by
triggers on ``entries``) holds each feed's number of entries, ``subscriptions.read_count``
how many of them the mark covers. Stars and labels are rows. A user who asked for it
(option ``unread_on_edit``) gets an entry back as unread when an 'edit' mark
(store.changes) newer than ``users.edits_seen`` names it: ``catch_up`` turns those marks
into unread exceptions before any read of state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from feedvault.errors import UsageError
from feedvault.store.guard import translating
from feedvault.store.sql.dialect import Db
from feedvault.timeutil import from_ms, to_ms

Cursor = tuple[int, int]  # (published ms, entry id) of the last item a river page showed
WALK = 2000  # entries of the vault an unread river page looks through before it plans again


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    is_admin: bool
    created_at: datetime
    options: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "admin": self.is_admin,
                "created_at": self.created_at.isoformat(), "options": dict(self.options)}


@dataclass(frozen=True, slots=True)
class Subscription:
    feed_id: int
    slug: str
    name: str  # the feed's name
    url: str | None
    folder: str  # '' for none
    title: str | None  # the user's own title for the feed
    read_upto: int

    @property
    def shown_title(self) -> str:
        return self.title or self.name


@dataclass(frozen=True, slots=True)
class RiverItem:
    entry_id: int
    feed_id: int
    published: int  # ms
    unread: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class RiverPage:
    items: list[RiverItem]
    next: Cursor | None  # give it back as ``after`` for the next page; None: no more


_USER_COLUMNS = "id, name, is_admin, created_at, options"


def _user(row: Sequence[Any]) -> User:
    uid, name, admin, created, options = row
    return User(int(uid), str(name), bool(admin), from_ms(int(created)), json.loads(options))


def name_key(name: str) -> str:
    """What makes two user names the same: case does not count."""
    return name.casefold()


@translating(skip=("transaction",))
class Accounts:
    """The account rows of one store, read on its connection, written in its transactions."""

    def __init__(
        self,
        db: Db,
        transaction: Callable[[], AbstractContextManager[Any]],
        to_error: Callable[[Exception], Exception | None],
        read_only: bool = False,
    ) -> None:
        self.db = db
        self.transaction = transaction
        self._to_error = to_error
        self.read_only = read_only

    # ---- users ---------------------------------------------------------------------------

    def add_user(self, name: str, password_hash: str, *, is_admin: bool = False,
                 options: dict[str, Any] | None = None) -> User:
        now = to_ms(datetime.now().astimezone())
        try:
            with self.transaction():
                row = self.db.one(
                    "INSERT INTO users (name, name_key, password, is_admin, created_at, options, "
                    "edits_seen) VALUES (?, ?, ?, ?, ?, ?, "
                    "(SELECT coalesce(max(id), 0) FROM marks)) RETURNING id",
                    (name, name_key(name), password_hash, int(is_admin), now,
                     json.dumps(options or {}, sort_keys=True)),
                )
        except Exception as exc:
            if self.db.dialect.is_unique_violation(exc):
                raise UsageError(f"a user named {name!r} already exists") from exc
            raise
        return self._get_by_id(int(row[0]))

    def _get_by_id(self, user_id: int) -> User:
        row = self.db.one(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", (user_id,))
        if row is None:
            raise UsageError(f"no user with id {user_id}")
        return _user(row)

    def find_user(self, name: str) -> User | None:
        row = self.db.one(f"SELECT {_USER_COLUMNS} FROM users WHERE name_key = ?",
                          (name_key(name),))
        return None if row is None else _user(row)

    def get_user(self, name: str) -> User:
        found = self.find_user(name)
        if found is None:
            raise UsageError(f"no user named {name!r}")
        return found

    def list_users(self) -> list[User]:
        rows = self.db.all(f"SELECT {_USER_COLUMNS} FROM users ORDER BY name_key")
        return [_user(r) for r in rows]

    def password_hash(self, name: str) -> str | None:
        row = self.db.one("SELECT password FROM users WHERE name_key = ?", (name_key(name),))
        return None if row is None else str(row[0])

    def set_password_hash(self, name: str, password_hash: str) -> None:
        with self.transaction():
            cur = self.db.execute("UPDATE users SET password = ? WHERE name_key = ?",
                                  (password_hash, name_key(name)))
            if cur.rowcount == 0:
                raise UsageError(f"no user named {name!r}")

    def set_admin(self, name: str, is_admin: bool) -> None:
        with self.transaction():
            self.db.execute("UPDATE users SET is_admin = ? WHERE name_key = ?",
                            (int(is_admin), name_key(name)))

    def set_options(self, user_id: int, **changes: Any) -> User:
        """Change per-user options (a None value removes one). Turning ``unread_on_edit`` on
        starts from now: edits made before do not come back as unread."""
        with self.transaction():
            row = self.db.one("SELECT options FROM users WHERE id = ?", (user_id,))
            if row is None:
                raise UsageError(f"no user with id {user_id}")
            options = json.loads(row[0])
            if changes.get("unread_on_edit") and not options.get("unread_on_edit"):
                self.db.execute(
                    "UPDATE users SET edits_seen = (SELECT coalesce(max(id), 0) FROM marks) "
                    "WHERE id = ?", (user_id,))
            for key, value in changes.items():
                if value is None:
                    options.pop(key, None)
                else:
                    options[key] = value
            self.db.execute("UPDATE users SET options = ? WHERE id = ?",
                            (json.dumps(options, sort_keys=True), user_id))
        return self._get_by_id(user_id)

    def remove_user(self, name: str) -> None:
        """The user and every row of their state."""
        user = self.get_user(name)
        with self.transaction():
            for table in ("read_state", "stars", "labels", "subscriptions"):
                self.db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user.id,))
            self.db.execute("DELETE FROM users WHERE id = ?", (user.id,))

    def count_admins(self) -> int:
        row = self.db.one("SELECT count(*) FROM users WHERE is_admin = 1")
        return int(row[0])

    # ---- subscriptions -------------------------------------------------------------------

    def follow(self, user_id: int, feed_id: int, *, folder: str = "", title: str | None = None,
               read_upto: int | None = None) -> None:
        """Follow a feed (idempotent: a folder or title given changes an existing one). What
        the feed already holds counts as read unless ``read_upto`` says otherwise; what
        arrives afterwards is unread."""
        now = to_ms(datetime.now().astimezone())
        with self.transaction():
            if read_upto is None:  # one statement: the mark and its count agree
                row = self.db.one(
                    "SELECT (SELECT coalesce(max(id), 0) FROM entries WHERE feed_id = ?), "
                    "(SELECT coalesce(max(entries), 0) FROM feed_counts WHERE feed_id = ?)",
                    (feed_id, feed_id))
                read_upto, read_count = int(row[0]), int(row[1])
            else:
                row = self.db.one("SELECT count(*) FROM entries WHERE feed_id = ? AND id <= ?",
                                  (feed_id, read_upto))
                read_count = int(row[0])
            self.db.execute(
                "INSERT INTO subscriptions (user_id, feed_id, folder, title, read_upto, "
                "read_count, added_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, feed_id) DO UPDATE SET folder = excluded.folder, "
                "title = coalesce(excluded.title, subscriptions.title)",
                (user_id, feed_id, folder, title, read_upto, read_count, now),
            )

    def unfollow(self, user_id: int, feed_id: int) -> bool:
        """Stop following a feed; its read exceptions go (stars and labels stay)."""
        with self.transaction():
            self.db.execute("DELETE FROM read_state WHERE user_id = ? AND feed_id = ?",
                            (user_id, feed_id))
            cur = self.db.execute("DELETE FROM subscriptions WHERE user_id = ? AND feed_id = ?",
                                  (user_id, feed_id))
            return bool(cur.rowcount)

    def set_folder(self, user_id: int, feed_id: int, folder: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE subscriptions SET folder = ? WHERE user_id = ? AND feed_id = ?",
                            (folder, user_id, feed_id))

    def set_title(self, user_id: int, feed_id: int, title: str | None) -> None:
        with self.transaction():
            self.db.execute("UPDATE subscriptions SET title = ? WHERE user_id = ? AND feed_id = ?",
                            (title or None, user_id, feed_id))

    def rename_folder(self, user_id: int, old: str, new: str) -> int:
        with self.transaction():
            cur = self.db.execute(
                "UPDATE subscriptions SET folder = ? WHERE user_id = ? AND folder = ?",
                (new, user_id, old))
            return int(cur.rowcount)

    def subscriptions(self, user_id: int) -> list[Subscription]:
        rows = self.db.all(
            "SELECT s.feed_id, f.slug, f.name, f.url, s.folder, s.title, s.read_upto "
            "FROM subscriptions s JOIN feeds f ON f.id = s.feed_id WHERE s.user_id = ? "
            f"ORDER BY s.folder{self.db.dialect.byte_order}, f.slug{self.db.dialect.byte_order}",
            (user_id,),
        )
        return [Subscription(int(r[0]), r[1], r[2], r[3], r[4], r[5], int(r[6])) for r in rows]

    def folders(self, user_id: int) -> list[str]:
        rows = self.db.all(
            "SELECT folder FROM subscriptions WHERE user_id = ? AND folder <> '' "
            f"GROUP BY folder ORDER BY folder{self.db.dialect.byte_order}", (user_id,))
        return [str(r[0]) for r in rows]

    def feed_added(self, feed_id: int) -> None:
        """A new feed: the users with the ``follow_new`` option follow it (unfiled)."""
        users = [u.id for u in self.list_users() if u.options.get("follow_new")]
        for user_id in users:
            self.follow(user_id, feed_id, read_upto=0)

    def _feed_ids(self, user_id: int, folder: str | None = None) -> list[int]:
        if folder is None:
            rows = self.db.all("SELECT feed_id FROM subscriptions WHERE user_id = ?", (user_id,))
        else:
            rows = self.db.all(
                "SELECT feed_id FROM subscriptions WHERE user_id = ? AND folder = ?",
                (user_id, folder))
        return sorted(int(r[0]) for r in rows)

    # ---- read state ----------------------------------------------------------------------

    def set_read(self, user_id: int, entry_ids: Sequence[int], read: bool = True) -> None:
        """Mark entries read (or unread); entries of feeds the user does not follow have no
        read state and are left alone."""
        self.catch_up(user_id)
        with self.transaction():
            self._set_read(user_id, list(entry_ids), read)

    def _set_read(self, user_id: int, ids: list[int], read: bool) -> None:
        # read: no 'unread' exception stays; above the mark, a 'read' one is added.
        # unread: no 'read' exception stays; at or below the mark, an 'unread' one is added.
        drop, add, side = (0, 1, ">") if read else (1, 0, "<=")
        for cond, params in self.db.any_of("entry_id", ids):
            self.db.execute(
                f"DELETE FROM read_state WHERE user_id = ? AND is_read = ? AND {cond}",
                (user_id, drop, *params))
        for cond, params in self.db.any_of("e.id", ids):
            self.db.execute(
                "INSERT INTO read_state (user_id, entry_id, feed_id, is_read) "
                "SELECT s.user_id, e.id, e.feed_id, ? FROM entries e JOIN subscriptions s "
                f"ON s.feed_id = e.feed_id AND s.user_id = ? WHERE {cond} "
                f"AND e.id {side} s.read_upto ON CONFLICT (user_id, entry_id) DO NOTHING",
                (add, user_id, *params))

    def mark_feed_read(self, user_id: int, feed_id: int, *, before: datetime | None = None,
                       upto_id: int | None = None) -> None:
        """Mark a feed's entries read: all of them, those published before ``before``,
        and/or those up to entry ``upto_id`` (what the reader saw: an entry that arrived
        since stays unread). Moves the feed's mark and drops the exceptions it covers."""
        self.catch_up(user_id)
        with self.transaction():
            self._mark_feed(user_id, feed_id, None if before is None else to_ms(before), upto_id)

    def mark_folder_read(self, user_id: int, folder: str, *, before: datetime | None = None,
                         upto_id: int | None = None) -> int:
        """Every feed of a folder; returns how many feeds."""
        self.catch_up(user_id)
        ids = self._feed_ids(user_id, folder)
        with self.transaction():
            if before is None and upto_id is None:
                self._mark_all(user_id, folder)
                return len(ids)
            for feed_id in ids:
                self._mark_feed(user_id, feed_id, None if before is None else to_ms(before),
                                upto_id)
        return len(ids)

    def mark_all_read(self, user_id: int, *, before: datetime | None = None,
                      upto_id: int | None = None) -> int:
        """Every followed feed (``before``: only what was published before then)."""
        self.catch_up(user_id)
        ids = self._feed_ids(user_id)
        with self.transaction():
            if before is None and upto_id is None:
                self._mark_all(user_id, None)
                return len(ids)
            for feed_id in ids:
                self._mark_feed(user_id, feed_id, None if before is None else to_ms(before),
                                upto_id)
        return len(ids)

    def _mark_all(self, user_id: int, folder: str | None) -> None:
        """Every entry of the followed feeds (of a folder) read, in two statements: each
        mark moves to its feed's newest entry and covers all of its entries (read in one
        statement, so the two agree), and the exceptions go."""
        scope, params = ("", []) if folder is None else (" AND folder = ?", [folder])
        self.db.execute(
            "DELETE FROM read_state WHERE user_id = ? AND feed_id IN (SELECT feed_id FROM "
            f"subscriptions WHERE user_id = ?{scope})", (user_id, user_id, *params))
        self.db.execute(
            "UPDATE subscriptions SET read_upto = coalesce((SELECT max(e.id) FROM entries e "
            "WHERE e.feed_id = subscriptions.feed_id), 0), read_count = coalesce((SELECT "
            "c.entries FROM feed_counts c WHERE c.feed_id = subscriptions.feed_id), 0) "
            f"WHERE user_id = ?{scope}", (user_id, *params))

    def _mark_feed(self, user_id: int, feed_id: int, before: int | None,
                   upto_id: int | None) -> None:
        row = self.db.one("SELECT read_upto FROM subscriptions WHERE user_id = ? AND feed_id = ?",
                          (user_id, feed_id))
        if row is None:
            return
        mark = int(row[0])
        top = self.db.one("SELECT coalesce(max(id), 0) FROM entries WHERE feed_id = ?",
                          (feed_id,))
        bound = int(top[0]) if upto_id is None else min(int(top[0]), upto_id)
        if before is None:
            new = max(mark, bound)
            self.db.execute(  # below the old mark too: its 'unread' exceptions up to the bound
                "DELETE FROM read_state WHERE user_id = ? AND feed_id = ? AND is_read = 0 "
                "AND entry_id <= ?", (user_id, feed_id, bound))
        else:
            # the first entry above the mark that stays unread (published since) blocks it
            block = self.db.one(
                "SELECT min(e.id) FROM entries e WHERE e.feed_id = ? AND e.id > ? "
                "AND e.published >= ? AND NOT EXISTS (SELECT 1 FROM read_state x "
                "WHERE x.user_id = ? AND x.entry_id = e.id AND x.is_read = 1)",
                (feed_id, mark, before, user_id))
            new = bound if block is None or block[0] is None else min(bound, int(block[0]) - 1)
            new = max(mark, new)
            # older than ``before`` at or below the old mark: their 'unread' exceptions go
            self.db.execute(
                "DELETE FROM read_state WHERE user_id = ? AND feed_id = ? AND is_read = 0 "
                "AND entry_id IN (SELECT id FROM entries WHERE feed_id = ? AND published < ? "
                "AND id <= ?)",
                (user_id, feed_id, feed_id, before, bound))
            # above the new mark: 'read' exceptions for the older ones
            self.db.execute(
                "INSERT INTO read_state (user_id, entry_id, feed_id, is_read) "
                "SELECT ?, id, feed_id, 1 FROM entries WHERE feed_id = ? AND id > ? AND id <= ? "
                "AND published < ? ON CONFLICT (user_id, entry_id) DO NOTHING",
                (user_id, feed_id, new, bound, before))
        if new > mark:
            self.db.execute(
                "DELETE FROM read_state WHERE user_id = ? AND feed_id = ? AND entry_id <= ? "
                "AND (is_read = 1 OR entry_id > ?)",
                (user_id, feed_id, new, mark))
            self.db.execute(  # and how many entries the mark covers, counted from the old
                "UPDATE subscriptions SET read_upto = ?, read_count = read_count + (SELECT "
                "count(*) FROM entries WHERE feed_id = ? AND id > ? AND id <= ?) "
                "WHERE user_id = ? AND feed_id = ?",
                (new, feed_id, mark, new, user_id, feed_id))

    def read_flags(self, user_id: int, entry_ids: Sequence[int]) -> dict[int, bool]:
        """True (unread) or False (read) per entry of a followed feed; others are absent."""
        self.catch_up(user_id)
        found: dict[int, bool] = {}
        for cond, params in self.db.any_of("e.id", list(entry_ids)):
            rows = self.db.all(
                "SELECT e.id, e.id > s.read_upto, x.is_read FROM entries e JOIN subscriptions s "
                "ON s.feed_id = e.feed_id AND s.user_id = ? LEFT JOIN read_state x "
                f"ON x.user_id = s.user_id AND x.entry_id = e.id WHERE {cond}",
                (user_id, *params))
            for eid, above, exc in rows:
                found[int(eid)] = bool(above) if exc is None else not bool(exc)
        return found

    def unread_counts(self, user_id: int) -> dict[int, int]:
        """Unread entries per followed feed (every followed feed, 0s included)."""
        self.catch_up(user_id)
        rows = self.db.all(
            "SELECT s.feed_id, coalesce(c.entries, 0) - s.read_count + coalesce((SELECT "
            "sum(1 - 2 * x.is_read) FROM read_state x WHERE x.user_id = s.user_id "
            "AND x.feed_id = s.feed_id), 0) FROM subscriptions s "
            "LEFT JOIN feed_counts c ON c.feed_id = s.feed_id WHERE s.user_id = ?",
            (user_id,))
        return {int(f): int(n) for f, n in rows}

    def folder_counts(self, user_id: int) -> dict[str, int]:
        """Unread entries per folder ('' for the feeds in none)."""
        counts = self.unread_counts(user_id)
        out: dict[str, int] = {}
        for row in self.db.all("SELECT feed_id, folder FROM subscriptions WHERE user_id = ?",
                               (user_id,)):
            out[str(row[1])] = out.get(str(row[1]), 0) + counts.get(int(row[0]), 0)
        return out

    def catch_up(self, user_id: int) -> int:
        """For a user with ``unread_on_edit``: the entries edited since the last look become
        unread again. Returns how many; writes only when there is something to do. Every
        read of state runs it first; a page that reads inside ``read_snapshot`` (SQLite: one
        open read transaction, where it is skipped) calls it before."""
        row = self.db.one(
            "SELECT u.options, u.edits_seen, (SELECT coalesce(max(id), 0) FROM marks) "
            "FROM users u WHERE u.id = ?", (user_id,))
        if row is None or self.read_only or getattr(self.db.conn, "in_transaction", False) is True:
            return 0  # SQLite inside a read snapshot: the caller catches up before it
        options, seen, newest = json.loads(row[0]), int(row[1]), int(row[2])
        if newest <= seen:
            return 0
        with self.transaction():
            ids: list[int] = []
            if options.get("unread_on_edit"):
                ids = sorted({
                    int(r[0]) for r in self.db.all(
                        "SELECT m.entry_id FROM marks m JOIN entries e ON e.id = m.entry_id "
                        "JOIN subscriptions s ON s.feed_id = e.feed_id AND s.user_id = ? "
                        "WHERE m.kind = 'edit' AND m.id > ? AND m.id <= ?",
                        (user_id, seen, newest))
                })
                self._set_read(user_id, ids, False)
            self.db.execute("UPDATE users SET edits_seen = ? WHERE id = ? AND edits_seen < ?",
                            (newest, user_id, newest))
        return len(ids)

    # ---- stars and labels ----------------------------------------------------------------

    def set_starred(self, user_id: int, entry_ids: Sequence[int], starred: bool = True) -> None:
        now = to_ms(datetime.now().astimezone())
        with self.transaction():
            if starred:  # ids of no entry (a client's stale ones) are left out
                for cond, params in self.db.any_of("id", list(entry_ids)):
                    self.db.execute(
                        "INSERT INTO stars (user_id, entry_id, starred_at) SELECT ?, id, ? "
                        f"FROM entries WHERE {cond} ON CONFLICT (user_id, entry_id) DO NOTHING",
                        (user_id, now, *params))
            else:
                for cond, params in self.db.any_of("entry_id", list(entry_ids)):
                    self.db.execute(f"DELETE FROM stars WHERE user_id = ? AND {cond}",
                                    (user_id, *params))

    def starred(self, user_id: int, entry_ids: Sequence[int]) -> set[int]:
        found: set[int] = set()
        for cond, params in self.db.any_of("entry_id", list(entry_ids)):
            found |= {int(r[0]) for r in self.db.all(
                f"SELECT entry_id FROM stars WHERE user_id = ? AND {cond}", (user_id, *params))}
        return found

    def set_label(self, user_id: int, entry_ids: Sequence[int], label: str,
                  on: bool = True) -> None:
        label = _label(label)
        with self.transaction():
            if on:
                for cond, params in self.db.any_of("id", list(entry_ids)):
                    self.db.execute(
                        "INSERT INTO labels (user_id, label, entry_id) SELECT ?, ?, id "
                        f"FROM entries WHERE {cond} "
                        "ON CONFLICT (user_id, label, entry_id) DO NOTHING",
                        (user_id, label, *params))
            else:
                for cond, params in self.db.any_of("entry_id", list(entry_ids)):
                    self.db.execute(
                        f"DELETE FROM labels WHERE user_id = ? AND label = ? AND {cond}",
                        (user_id, label, *params))

    def labels(self, user_id: int) -> list[tuple[str, int]]:
        """(label, entries) of a user's labels."""
        rows = self.db.all(
            "SELECT label, count(*) FROM labels WHERE user_id = ? GROUP BY label "
            f"ORDER BY label{self.db.dialect.byte_order}", (user_id,))
        return [(str(r[0]), int(r[1])) for r in rows]

    def entry_labels(self, user_id: int, entry_ids: Sequence[int]) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for cond, params in self.db.any_of("entry_id", list(entry_ids)):
            for eid, label in self.db.all(
                f"SELECT entry_id, label FROM labels WHERE user_id = ? AND {cond} "
                f"ORDER BY label{self.db.dialect.byte_order}", (user_id, *params)):
                found.setdefault(int(eid), []).append(str(label))
        return found

    def rename_label(self, user_id: int, old: str, new: str) -> None:
        """Rename a label (merging into ``new`` if it exists) and a folder of that name."""
        old, new = _label(old), _label(new)
        with self.transaction():
            self.db.execute(
                "DELETE FROM labels WHERE user_id = ? AND label = ? AND entry_id IN "
                "(SELECT entry_id FROM labels WHERE user_id = ? AND label = ?)",
                (user_id, old, user_id, new))
            self.db.execute("UPDATE labels SET label = ? WHERE user_id = ? AND label = ?",
                            (new, user_id, old))
            self.db.execute(
                "UPDATE subscriptions SET folder = ? WHERE user_id = ? AND folder = ?",
                (new, user_id, old))

    def delete_label(self, user_id: int, label: str) -> None:
        """Remove a label from every entry, and unfile the feeds of a folder of that name."""
        with self.transaction():
            self.db.execute("DELETE FROM labels WHERE user_id = ? AND label = ?",
                            (user_id, label))
            self.db.execute(
                "UPDATE subscriptions SET folder = '' WHERE user_id = ? AND folder = ?",
                (user_id, label))

    # ---- the river -----------------------------------------------------------------------

    def river(
        self,
        user_id: int,
        *,
        feed_id: int | None = None,
        folder: str | None = None,
        label: str | None = None,
        starred: bool = False,
        unread_only: bool = True,
        limit: int = 50,
        after: Cursor | None = None,
        oldest_first: bool = False,
        read_only: bool = False,
    ) -> RiverPage:
        """A page of entries, newest first (``oldest_first``: the reverse): of the followed
        feeds, or one feed, a folder, a label, the starred ones; unread only, or all, or
        (``read_only``, with ``unread_only=False``) only the read ones.
        ``after`` is the previous page's ``next``: pages never repeat or skip an entry, even
        when entries arrive in between."""
        self.catch_up(user_id)
        if label is not None or starred:
            return self._tagged(user_id, label, unread_only, limit, after, oldest_first)
        scope = "s.user_id = ?"
        params: list[Any] = [user_id]
        if feed_id is not None:
            scope += " AND s.feed_id = ?"
            params.append(feed_id)
        if folder is not None:
            scope += " AND s.folder = ?"
            params.append(folder)
        order, cmp = ("ASC", ">") if oldest_first else ("DESC", "<")
        page, page_params = _after("e", cmp, after)
        select = (
            "SELECT e.id AS eid, e.feed_id AS fid, e.published AS pub, "
            "e.id > s.read_upto AS above, x.is_read AS exc "
            "FROM subscriptions s JOIN entries e ON e.feed_id = s.feed_id "
            "LEFT JOIN read_state x ON x.user_id = s.user_id AND x.entry_id = e.id "
        )
        if unread_only and feed_id is None:
            # first the vault's next WALK entries in order (the index on published): where
            # the unread are among the newest, as they are, the page is there
            walk = (
                "SELECT w.id AS eid, w.feed_id AS fid, w.published AS pub, "
                "w.id > s.read_upto AS above, x.is_read AS exc "
                f"FROM (SELECT e.id, e.feed_id, e.published FROM entries e WHERE 1 = 1{page} "
                f"ORDER BY e.published {order}, e.id {order} LIMIT {WALK}) w "
                f"JOIN subscriptions s ON s.feed_id = w.feed_id AND {scope} "
                "LEFT JOIN read_state x ON x.user_id = s.user_id AND x.entry_id = w.id "
                "WHERE (w.id > s.read_upto AND x.is_read IS NULL) OR x.is_read = 0 "
                f"ORDER BY w.published {order}, w.id {order} LIMIT ?"
            )
            rows = self._with_stars(user_id, walk, [*page_params, *params, limit + 1], order)
            if len(rows) > limit:
                return _page(rows, limit)
        if unread_only:
            # the unread above each mark, and the exceptions below it, as two index walks
            sql = (
                f"SELECT * FROM ({select} WHERE {scope} AND e.id > s.read_upto "
                f"AND x.is_read IS NULL{page} "
                f"UNION ALL {select.replace('LEFT JOIN read_state x', 'JOIN read_state x')}"
                f"WHERE {scope} AND x.is_read = 0{page}) AS t "
                f"ORDER BY 3 {order}, 1 {order} LIMIT ?"
            )
            args = [*params, *page_params, *params, *page_params, limit + 1]
        else:
            read = (" AND ((e.id <= s.read_upto AND x.is_read IS NULL) OR x.is_read = 1)"
                    if read_only else "")
            sql = (f"{select} WHERE {scope}{page}{read} "
                   f"ORDER BY e.published {order}, e.id {order} LIMIT ?")
            args = [*params, *page_params, limit + 1]
        return _page(self._with_stars(user_id, sql, args, order), limit)

    def _with_stars(self, user_id: int, sql: str, args: list[Any], order: str) -> list[Any]:
        """The page's rows with their starred flag, looked up for the page only."""
        return self.db.all(
            "SELECT t.eid, t.fid, t.pub, t.above, t.exc, (SELECT 1 FROM stars st "
            f"WHERE st.user_id = ? AND st.entry_id = t.eid) FROM ({sql}) t "
            f"ORDER BY t.pub {order}, t.eid {order}",
            [user_id, *args])

    def _tagged(self, user_id: int, label: str | None, unread_only: bool, limit: int,
                after: Cursor | None, oldest_first: bool) -> RiverPage:
        order, cmp = ("ASC", ">") if oldest_first else ("DESC", "<")
        page, page_params = _after("e", cmp, after)
        sparams: list[Any]
        if label is None:
            source, sparams = "stars t", [user_id]
            where = "t.user_id = ?"
        else:
            source, sparams = "labels t", [user_id, _label(label)]
            where = "t.user_id = ? AND t.label = ?"
        unread = ("(CASE WHEN s.feed_id IS NULL THEN 0 WHEN x.is_read IS NOT NULL "
                  "THEN 1 - x.is_read WHEN e.id > s.read_upto THEN 1 ELSE 0 END)")
        sql = (
            f"SELECT e.id, e.feed_id, e.published, {unread}, NULL, "
            "(SELECT 1 FROM stars st WHERE st.user_id = t.user_id AND st.entry_id = e.id) "
            f"FROM {source} JOIN entries e ON e.id = t.entry_id "
            "LEFT JOIN subscriptions s ON s.user_id = t.user_id AND s.feed_id = e.feed_id "
            "LEFT JOIN read_state x ON x.user_id = t.user_id AND x.entry_id = e.id "
            f"WHERE {where}{page}{f' AND {unread} = 1' if unread_only else ''} "
            f"ORDER BY e.published {order}, e.id {order} LIMIT ?"
        )
        rows = self.db.all(sql, [*sparams, *page_params, limit + 1])
        return _page([(r[0], r[1], r[2], bool(r[3]), None, r[5]) for r in rows], limit)

    def unread_ids(self, user_id: int, *, limit: int = 10000) -> list[int]:
        """The ids of the newest unread entries (Fever's unread_item_ids, GReader's ids)."""
        return [i.entry_id for i in self.river(user_id, limit=limit).items]

    def starred_ids(self, user_id: int) -> list[int]:
        return [int(r[0]) for r in self.db.all(
            "SELECT entry_id FROM stars WHERE user_id = ? ORDER BY entry_id", (user_id,))]


def _after(alias: str, cmp: str, after: Cursor | None) -> tuple[str, list[Any]]:
    if after is None:
        return "", []
    published, entry_id = after
    return (f" AND ({alias}.published {cmp} ? OR ({alias}.published = ? AND {alias}.id {cmp} ?))",
            [published, published, entry_id])


def _page(rows: Iterable[Sequence[Any]], limit: int) -> RiverPage:
    items = []
    for eid, fid, published, above, exc, star in rows:
        unread = bool(above) if exc is None else not bool(exc)
        items.append(RiverItem(int(eid), int(fid), int(published), unread, bool(star)))
    more = len(items) > limit
    items = items[:limit]
    return RiverPage(items, (items[-1].published, items[-1].entry_id) if more else None)


def _label(label: str) -> str:
    label = label.strip()
    if not label or len(label) > 200 or any(ord(c) < 32 for c in label):
        raise UsageError(f"bad label {label[:40]!r}: 1-200 characters, no control characters")
    return label


# ---- migrations (called by each backend's schema, in its transaction) --------------------

def migrate_admin(db: Db) -> None:
    """The admin password of the meta table (``web.admin_password``, made by ``feedvault
    admin set-password``) becomes the admin user ``admin``, who follows every feed with
    everything stored so far read, and follows new feeds. Idempotent."""
    row = db.one("SELECT value FROM meta WHERE key = 'web.admin_password'")
    if row is None or db.one("SELECT 1 FROM users WHERE name_key = 'admin'") is not None:
        return
    now = to_ms(datetime.now().astimezone())
    created = db.one(
        "INSERT INTO users (name, name_key, password, is_admin, created_at, options, edits_seen) "
        "VALUES ('admin', 'admin', ?, 1, ?, ?, (SELECT coalesce(max(id), 0) FROM marks)) "
        "RETURNING id",
        (str(row[0]), now, json.dumps({"follow_new": True})))
    db.execute(
        "INSERT INTO subscriptions (user_id, feed_id, folder, title, read_upto, read_count, "
        "added_at) SELECT ?, f.id, '', NULL, coalesce((SELECT max(e.id) FROM entries e "
        "WHERE e.feed_id = f.id), 0), coalesce((SELECT c.entries FROM feed_counts c "
        "WHERE c.feed_id = f.id), 0), ? FROM feeds f",
        (int(created[0]), now))


def count_entries(db: Db) -> None:
    """``feed_counts`` from the entries (a migration; triggers keep it after)."""
    db.execute(
        "INSERT INTO feed_counts (feed_id, entries) SELECT feed_id, count(*) FROM entries "
        "GROUP BY feed_id ON CONFLICT (feed_id) DO UPDATE SET entries = excluded.entries")
