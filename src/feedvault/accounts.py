"""The Python API of accounts: ``vault.users`` (docs/accounts.md).

Passwords are hashed with Argon2id (argon2-cffi, docs/decisions.md); the scrypt hashes that
``feedvault admin set-password`` wrote before accounts existed still verify, and are
rehashed to Argon2id at the next successful login. The rows and their SQL are
``store.accounts`` (store/sql/accounts.py); this module adds names, passwords and feeds by
slug on top of it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from feedvault.errors import UsageError
from feedvault.store import Storage
from feedvault.store.sql.accounts import Cursor, RiverPage, Subscription, User

__all__ = ["Cursor", "RiverPage", "Subscription", "User", "Users", "hash_password",
           "verify_password"]

MIN_PASSWORD = 8
_NAME = re.compile(r"[^\s:/\\]{1,64}")  # no ':' (Fever's md5 of user:password), no '/'
_HASHER = PasswordHasher()  # Argon2id, argon2-cffi's RFC 9106 low-memory profile
OPTIONS = frozenset({"unread_on_edit", "follow_new"})


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, stored: str) -> bool:
    """Argon2 hashes, and the older ``scrypt$n$r$p$salt$digest`` ones."""
    if stored.startswith("scrypt$"):
        try:
            _kind, n, r, p, salt, digest = stored.split("$")
            got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                                 p=int(p), dklen=len(bytes.fromhex(digest)))
        except ValueError:
            return False
        return hmac.compare_digest(got.hex(), digest)
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash to check unknown names against, so that they take as long as known ones."""
    if "hash" not in _DUMMY or needs_rehash(_DUMMY["hash"]):
        _DUMMY["hash"] = _HASHER.hash("no such user")
    return _DUMMY["hash"]


def needs_rehash(stored: str) -> bool:
    if stored.startswith("scrypt$"):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name) or any(ord(c) < 32 for c in name):
        raise UsageError(
            f"bad user name {name[:40]!r}: 1-64 characters, no spaces, ':', '/' or '\\'"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"a password needs at least {MIN_PASSWORD} characters")
    return password


class Users:
    """Accounts over one store: ``vault.users``."""

    def __init__(self, store: Storage) -> None:
        self.store = store

    @property
    def _rows(self) -> Any:
        return self.store.accounts

    # ---- accounts ------------------------------------------------------------------------

    def add(self, name: str, password: str, *, admin: bool = False,
            follow_all: bool = False) -> User:
        """A new user; ``follow_all``: following every feed now (what is stored counts as
        read) and every feed added later."""
        user: User = self._rows.add_user(
            check_name(name), hash_password(check_password(password)), is_admin=admin,
            options={"follow_new": True} if follow_all else None)
        if follow_all:
            for feed in self.store.list_feeds():
                self._rows.follow(user.id, feed.id)
        return user

    def get(self, name: str) -> User:
        user: User = self._rows.get_user(name)
        return user

    def find(self, name: str) -> User | None:
        found: User | None = self._rows.find_user(name)
        return found

    def all(self) -> list[User]:
        users: list[User] = self._rows.list_users()
        return users

    def remove(self, name: str) -> None:
        user = self.get(name)
        if user.is_admin and self._rows.count_admins() == 1 and len(self.all()) > 1:
            raise UsageError(f"{user.name!r} is the last admin; make another user admin first")
        self._rows.remove_user(name)

    def set_password(self, name: str, password: str, *, create_admin: bool = False) -> User:
        """Change a password; ``create_admin``: make the admin user if it does not exist
        (``feedvault admin set-password`` on a vault without one)."""
        check_password(password)
        if create_admin and self.find(name) is None:
            return self.add(name, password, admin=True, follow_all=True)
        self._rows.set_password_hash(name, hash_password(password))
        if create_admin:
            self._rows.set_admin(name, True)
        return self.get(name)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is theirs, else None (an old scrypt hash is upgraded
        on success when the vault can be written)."""
        if not name or not password:
            return None
        stored: str | None = self._rows.password_hash(name)
        if stored is None:
            verify_password(password, _dummy_hash())  # as slow as a wrong password
            return None
        if not verify_password(password, stored):
            return None
        if needs_rehash(stored) and not self._rows.read_only:
            self._rows.set_password_hash(name, hash_password(password))
        return self.get(name)

    def set_admin(self, name: str, admin: bool) -> None:
        user = self.get(name)
        if not admin and user.is_admin and self._rows.count_admins() == 1:
            raise UsageError(f"{user.name!r} is the last admin; make another user admin first")
        self._rows.set_admin(user.name, admin)

    def set_options(self, name: str, **options: Any) -> User:
        """``unread_on_edit`` (an edited entry is unread again), ``follow_new`` (follow
        every feed added from now on)."""
        unknown = set(options) - OPTIONS
        if unknown:
            raise UsageError(f"unknown user option {sorted(unknown)[0]!r}")
        user: User = self._rows.set_options(self.get(name).id, **options)
        return user

    # ---- subscriptions -------------------------------------------------------------------

    def _feed_id(self, slug: str) -> int:
        return self.store.get_feed(slug).id

    def follow(self, name: str, slug: str, *, folder: str = "", title: str | None = None) -> None:
        self._rows.follow(self.get(name).id, self._feed_id(slug), folder=folder.strip(),
                          title=title)

    def unfollow(self, name: str, slug: str) -> bool:
        return bool(self._rows.unfollow(self.get(name).id, self._feed_id(slug)))

    def set_folder(self, name: str, slug: str, folder: str) -> None:
        self._rows.set_folder(self.get(name).id, self._feed_id(slug), folder.strip())

    def subscriptions(self, name: str) -> list[Subscription]:
        subs: list[Subscription] = self._rows.subscriptions(self.get(name).id)
        return subs

    def folders(self, name: str) -> list[str]:
        return list(self._rows.folders(self.get(name).id))

    # ---- reading state -------------------------------------------------------------------

    def mark_read(self, name: str, entry_ids: Sequence[int], read: bool = True) -> None:
        self._rows.set_read(self.get(name).id, list(entry_ids), read)

    def mark_feed_read(self, name: str, slug: str, *, before: datetime | None = None,
                       upto_id: int | None = None) -> None:
        self._rows.mark_feed_read(self.get(name).id, self._feed_id(slug), before=before,
                                  upto_id=upto_id)

    def mark_folder_read(self, name: str, folder: str, *, before: datetime | None = None,
                         upto_id: int | None = None) -> int:
        return int(self._rows.mark_folder_read(self.get(name).id, folder, before=before,
                                               upto_id=upto_id))

    def mark_all_read(self, name: str, *, before: datetime | None = None,
                      upto_id: int | None = None) -> int:
        return int(self._rows.mark_all_read(self.get(name).id, before=before, upto_id=upto_id))

    def unread(self, name: str, entry_ids: Sequence[int]) -> dict[int, bool]:
        """True (unread) / False (read) per entry of a followed feed."""
        return dict(self._rows.read_flags(self.get(name).id, list(entry_ids)))

    def unread_counts(self, name: str) -> dict[str, int]:
        """Unread entries per followed feed, by slug."""
        user = self.get(name)
        counts = self._rows.unread_counts(user.id)
        return {s.slug: counts.get(s.feed_id, 0) for s in self._rows.subscriptions(user.id)}

    def folder_counts(self, name: str) -> dict[str, int]:
        return dict(self._rows.folder_counts(self.get(name).id))

    def star(self, name: str, entry_ids: Sequence[int], starred: bool = True) -> None:
        self._rows.set_starred(self.get(name).id, list(entry_ids), starred)

    def label(self, name: str, entry_ids: Sequence[int], label: str, on: bool = True) -> None:
        self._rows.set_label(self.get(name).id, list(entry_ids), label, on)

    def labels(self, name: str) -> list[tuple[str, int]]:
        return list(self._rows.labels(self.get(name).id))

    def river(
        self,
        name: str,
        *,
        feed: str | None = None,
        folder: str | None = None,
        label: str | None = None,
        starred: bool = False,
        unread_only: bool = True,
        limit: int = 50,
        after: Cursor | None = None,
        oldest_first: bool = False,
        read_only: bool = False,
    ) -> RiverPage:
        """A page of entry ids newest first, with the key of the next page (``after``);
        ``unread_only=False, read_only=True``: the read ones (Google Reader's read stream)."""
        page: RiverPage = self._rows.river(
            self.get(name).id, feed_id=None if feed is None else self._feed_id(feed),
            folder=folder, label=label, starred=starred, unread_only=unread_only, limit=limit,
            after=after, oldest_first=oldest_first, read_only=read_only and not unread_only)
        return page

    # ---- OPML folders --------------------------------------------------------------------

    def file_feeds(self, name: str, folders: dict[str, str | None]) -> int:
        """Follow feeds by URL into folders (an OPML import); returns how many were filed."""
        user = self.get(name)
        by_url = {f.url: f.id for f in self.store.list_feeds() if f.url}
        filed = 0
        for url, folder in folders.items():
            feed_id = by_url.get(url)
            if feed_id is not None:
                self._rows.follow(user.id, feed_id, folder=(folder or "").strip())
                filed += 1
        return filed

    def folder_of_feeds(self, name: str) -> dict[int, str]:
        """feed id -> folder of a user's subscriptions (an OPML export)."""
        return {s.feed_id: s.folder for s in self.subscriptions(name)}

    def opml_user(self) -> str | None:
        """Whose folders an import or export without a user uses: ``admin``, else the
        first admin, else none."""
        users = self.all()
        for user in users:
            if user.name.casefold() == "admin" and user.is_admin:
                return user.name
        return next((u.name for u in users if u.is_admin), None)
