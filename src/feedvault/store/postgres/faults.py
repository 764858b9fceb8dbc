"""PostgreSQL errors that mean the vault itself cannot go on, as one-line VaultFaults.

The server gone or the connection lost, a full disk, a read-only server (a standby), data
corruption. A cancelled query (the search budget), a lock timeout, a serialization failure
or a unique violation stay what they are: problems of one request or one feed.
"""

from __future__ import annotations

from typing import Any

import psycopg

from feedvault.errors import ConnectionLost, VaultFault

# SQLSTATE classes and codes (PostgreSQL Appendix A) that are faults of the vault itself.
# Those of _GONE mean the server went away, not that the vault is broken: a reconnect may
# cure them (ConnectionLost).
_CLASSES = {"08": "the connection to the server was lost", "53": "the server is out of "
            "resources (disk full, memory, connections)", "58": "the server had a system error"}
_CODES = {
    "57P01": "the server was shut down",
    "57P02": "the server crashed",
    "57P03": "the server is not accepting connections yet",
    "25006": "the server is read-only (a standby, or default_transaction_read_only)",
    "XX001": "the server reports corrupted data",
    "XX002": "the server reports a corrupted index",
}
_GONE = {"57P01", "57P02", "57P03"}


def to_fault(store: Any, exc: Exception) -> VaultFault | None:
    """For store.guard: the VaultFault of a PostgresStorage's driver error, or None."""
    if not isinstance(exc, psycopg.Error):
        return None
    state = exc.sqlstate or ""
    what = _CODES.get(state) or _CLASSES.get(state[:2])
    gone = state in _GONE or state.startswith("08")
    conn = getattr(store, "conn", None)
    if what is None and (conn is None or conn.broken or conn.closed):
        what, gone = "the connection to the server was lost", True
    if what is None and isinstance(exc, psycopg.OperationalError) and not state:
        what, gone = "the server cannot be reached", True
    if what is None:
        return None
    from feedvault.store.sql.dialect import first_line  # not the store module: no cycle

    kind = ConnectionLost if gone else VaultFault
    return kind(f"vault {store.where}: {what} ({first_line(exc)})")  # password hidden
