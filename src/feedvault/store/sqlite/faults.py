"""SQLite errors that mean the vault itself cannot go on, turned into one-line VaultFaults.

Driver errors are translated once, at the store's boundary (every public method of
SqliteStorage, through store.guard, and its transactions), so callers only ever see
VaultFault for disk full, read-only files, corruption and I/O errors, and keep
sqlite3.IntegrityError and friends for the per-feed problems they are.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from feedvault.errors import VaultFault

_FULL = 13
_READONLY = 8
_PERM = 3
_IOERR = 10
_CORRUPT = 11
_CANTOPEN = 14
_NOTADB = 26
_FAULT_CODES = {_FULL, _READONLY, _PERM, _IOERR, _CORRUPT, _CANTOPEN, _NOTADB}
_HEADER = b"SQLite format 3\x00"


def primary_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of a driver error (extended codes carry it in the low byte)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def is_fault(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.Error) and primary_code(exc) in _FAULT_CODES


def is_read_only_error(exc: BaseException) -> bool:
    """An error that opening the file read-only may get around (a read-only file or directory)."""
    return isinstance(exc, sqlite3.Error) and primary_code(exc) in {_READONLY, _PERM, _CANTOPEN}


def quick_check(conn: sqlite3.Connection | None) -> str:
    """The first problem `PRAGMA quick_check` finds ('ok' when none), never raising."""
    if conn is None:
        return "the file could not be checked"
    try:
        rows = conn.execute("PRAGMA quick_check(3)").fetchall()
    except sqlite3.Error as exc:
        return f"quick_check failed: {exc}"
    lines = [
        line.strip()
        for row in rows
        for line in str(row[0]).splitlines()
        if line.strip() and not line.startswith("*** in database")
    ]
    found = "; ".join(lines[:3]) or "ok"
    return found if len(found) <= 300 else found[:297] + "..."


def fault(exc: sqlite3.Error, path: str, conn: sqlite3.Connection | None) -> VaultFault:
    """The one line a user sees for ``exc`` on the vault at ``path``."""
    code = primary_code(exc)
    name = getattr(exc, "sqlite_errorname", None) or "SQLITE_ERROR"
    if code == _FULL:
        line = f"vault {path}: the disk is full ({exc}); nothing of the failed write was kept"
    elif code in (_READONLY, _PERM):
        line = f"vault {path} is read-only ({exc}); reading commands still work"
    elif code == _CANTOPEN:
        line = f"vault {path}: cannot open the database or its -wal/-shm files ({exc})"
    elif code in (_CORRUPT, _NOTADB):
        line = (
            f"vault {path} is corrupted ({exc}); quick_check: {quick_check(conn)}; "
            "restore it from a backup or try `sqlite3 VAULT .recover`"
        )
    else:
        line = f"vault {path}: I/O error {name} ({exc})"
    return VaultFault(line)


def corrupted(path: str, found: str) -> VaultFault:
    return VaultFault(
        f"vault {path} is corrupted; quick_check: {found}; "
        "restore it from a backup or try `sqlite3 VAULT .recover`"
    )


def to_fault(store: Any, exc: Exception) -> VaultFault | None:
    """For store.guard: the VaultFault of a SqliteStorage's driver error, or None."""
    if isinstance(exc, sqlite3.Error) and is_fault(exc):
        return fault(exc, store.path, getattr(store, "conn", None))
    if isinstance(exc, sqlite3.ProgrammingError) and _closed(getattr(store, "conn", None)):
        # the connection gone, as PostgreSQL's closed or terminated one is a VaultFault
        return VaultFault(f"vault {store.path}: the connection to the database was closed")
    return None


def _closed(conn: sqlite3.Connection | None) -> bool:
    if conn is None:
        return True
    try:
        conn.total_changes  # noqa: B018 - raises on a closed connection, nothing else
    except sqlite3.ProgrammingError:
        return True
    return False


def check_header(path: Path) -> None:
    """Refuse a file that is not SQLite, or one cut short, before SQLite writes anything to it."""
    try:
        size = path.stat().st_size
        if size == 0:
            return
        with path.open("rb") as handle:
            head = handle.read(100)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise VaultFault(f"vault {path}: cannot read it ({exc.strerror})") from exc
    if not head.startswith(_HEADER):
        from feedvault.errors import StorageError

        raise StorageError(
            f"{path} is not a SQLite database (it starts with {head[:16]!r}); "
            "feedvault will not write to it"
        )
    if len(head) < 100:
        raise VaultFault(f"vault {path} is truncated: {size} bytes, shorter than its header")
    raw_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if raw_size == 1 else raw_size
    pages = int.from_bytes(head[28:32], "big")
    valid = head[24:28] == head[92:96] and pages > 0
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return  # a checkpoint cut short (disk full) leaves the header ahead; the WAL holds it
    if valid and size < pages * page_size:
        raise VaultFault(
            f"vault {path} is truncated: its header says {pages * page_size} bytes, "
            f"the file holds {size}; restore it from a backup"
        )
