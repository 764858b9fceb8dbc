"""The PostgreSQL backend: same schema semantics and answers as SQLite, for many workers."""

from __future__ import annotations

from feedvault.store.postgres.store import PostgresStorage

__all__ = ["PostgresStorage"]
