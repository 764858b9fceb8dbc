"""Opening a vault file: read-write when it can be written, read-only when it cannot.

A read-only file or directory (a read-only mount, an immutable file, a backup copy) still
serves every reading command: SQLite's `mode=ro` needs the -shm file to exist or be
creatable, so when the directory cannot be written either the file is opened `immutable`,
which is only safe because nobody can write it then. Another application's database, or a
file that is not SQLite at all, is refused before anything is written to it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from feedvault.errors import StorageError
from feedvault.store.sqlite import faults, schema


def open_connection(path: str) -> tuple[sqlite3.Connection, bool]:
    """A migrated connection to the vault at ``path`` and whether it is read-only."""
    if path == ":memory:":
        memory = _connect(path)
        _prepare_writable(memory, path)
        return memory, False
    file = Path(path).expanduser()
    faults.check_header(file)
    if file.exists() and not _writable(file):
        return _open_read_only(file, path), True
    conn: sqlite3.Connection | None = None
    try:
        conn = _connect(str(file))
        _prepare_writable(conn, path)
    except sqlite3.Error as exc:
        read_only = file.exists() and faults.is_read_only_error(exc)
        error = None if read_only else _open_error(exc, path, conn)
        if conn is not None:
            conn.close()
        if error is not None:
            raise error from exc
        return _open_read_only(file, path), True
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    return conn, False


def _writable(file: Path) -> bool:
    """Whether SQLite can write the file and create its -wal/-shm beside it (a read-only
    mount or an immutable file says no even to root)."""
    return os.access(file, os.W_OK) and os.access(file.parent, os.W_OK)


def _connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    return sqlite3.connect(
        target, isolation_level=None, timeout=30.0, check_same_thread=False, uri=uri
    )


def _prepare_writable(conn: sqlite3.Connection, path: str) -> None:
    schema.refuse_foreign(conn, path)  # before WAL mode rewrites the file's header
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    schema.migrate(conn)


def _open_read_only(file: Path, path: str) -> sqlite3.Connection:
    """`mode=ro` first (sees a live writer's WAL); `immutable=1` when even that cannot work."""
    base = "file:" + quote(str(file.resolve()))
    last: sqlite3.Error | None = None
    for query in ("?mode=ro", "?mode=ro&immutable=1"):
        conn = _connect(base + query, uri=True)
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            schema.refuse_foreign(conn, path)
            schema.require_current(conn, path)
            return conn
        except sqlite3.Error as exc:
            conn.close()
            last = exc
            if not faults.is_read_only_error(exc):
                break  # busy, corrupted...: `immutable` would only hide a live writer's WAL
        except BaseException:
            conn.close()
            raise
    assert last is not None
    raise _open_error(last, path, None) from last


def _open_error(exc: sqlite3.Error, path: str, conn: sqlite3.Connection | None) -> Exception:
    if faults.is_fault(exc):
        return faults.fault(exc, path, conn)
    return StorageError(f"cannot open vault {path}: {exc}")
