"""The cost bound of one search: every backend stops a query that runs past its budget.

A query of a few common terms is answered in milliseconds; one that would read most of the
index many times over must not hold a web worker (or the CLI) for minutes. The backends
enforce the budget inside the database (SQLite: a progress handler; PostgreSQL:
``statement_timeout``) and raise QueryTooBroad, a SearchError with a one-line reason.
"""

from __future__ import annotations

from feedvault.errors import SearchError

DEFAULT_SECONDS = 2.0


class QueryTooBroad(SearchError):
    """A query stopped at its time budget; the message says how to narrow it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"query too broad: stopped after {seconds:g} s; narrow it (fewer OR terms, "
            "a feed: or since: filter, or sort by newest)"
        )
        self.seconds = seconds
