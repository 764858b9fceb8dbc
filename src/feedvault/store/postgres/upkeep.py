"""Index upkeep that autovacuum would do later (or never, where it is off), done after writes.

A vault that was just filled searches slowly for two reasons. New ``search_doc`` rows wait in
the GIN index's pending list (``fastupdate``): every search reads the whole list, and the
planner, pricing each pending page as a random read, then prefers a sequential scan that
detoasts every row's tsvector (5,000 entries: ~30 ms a first page instead of ~1 ms). And
tables never analyzed have no statistics. So each storage object counts the rows it indexed,
merges the pending list into the index after every ``CLEAN_EVERY`` of them and when it is
closed, and analyzes the tables that searches and listings read once they grew by a tenth
since their last analysis. Turning ``fastupdate`` off instead made ingest a third slower.

Both steps need the tables' owner (who ran the migrations); for another role they are
skipped, and autovacuum stays the only upkeep.
"""

from __future__ import annotations

from contextlib import suppress

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import TupleRow

Conn = psycopg.Connection[TupleRow]

CLEAN_EVERY = 20  # rows indexed; each leaves ~3.5 pending pages, so at most ~70 wait
ANALYZE_MIN = 200  # rows, and a tenth of the table, written since the last ANALYZE
ANALYZE_SHARE = 0.1


class Upkeep:
    """Counts indexed rows of one connection and runs the upkeep when due (not thread-safe)."""

    def __init__(self) -> None:
        self.unmerged = 0
        self.unanalyzed = 0
        self.allowed = True

    def indexed(self, conn: Conn, rows: int) -> None:
        """Note ``rows`` search rows written (committed); merge and analyze when due."""
        if rows <= 0 or not self.allowed:
            return
        self.unmerged += rows
        self.unanalyzed += rows
        if self.unmerged >= CLEAN_EVERY:
            self.run(conn, analyze=self._analyze_due(conn))

    def finish(self, conn: Conn) -> None:
        """Before the connection closes: leave no pending rows behind for the next reader."""
        if self.unmerged and not conn.closed:
            with suppress(psycopg.Error):  # closing anyway (a broken connection): autovacuum
                self.run(conn, analyze=self._analyze_due(conn))

    def run(self, conn: Conn, *, analyze: bool = True) -> None:
        """Merge the pending list now, and analyze if asked (after a rebuild, a copy)."""
        if not self.allowed or conn.info.transaction_status != TransactionStatus.IDLE:
            return  # inside a caller's transaction: an error here would abort it
        try:
            conn.execute("SELECT gin_clean_pending_list('search_doc_vec'::regclass)")
            self.unmerged = 0
            if analyze:
                conn.execute("ANALYZE entries, search_doc")
                self.unanalyzed = 0
        except psycopg.errors.InsufficientPrivilege:
            self.allowed = False  # not the owner: leave it to autovacuum

    def _analyze_due(self, conn: Conn) -> bool:
        if self.unanalyzed < ANALYZE_MIN:
            return False
        row = conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'search_doc'::regclass"
        ).fetchone()
        known = max(float(row[0]), 0.0) if row else 0.0
        return self.unanalyzed >= ANALYZE_SHARE * known
