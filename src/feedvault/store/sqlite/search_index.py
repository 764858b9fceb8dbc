"""The SQLite search index: FTS5 over CJK bigrams and words, newest-first in rowid order.

Layout (all tables prefixed ``search_``):

* ``search_fts(body, title)`` - contentless FTS5, ``detail=full`` (phrases of bigrams need
  positions), ``ascii`` tokenizer (our tokens are already split and folded).
* ``search_chars(chars)`` - contentless FTS5, ``detail=none``: each entry's distinct CJK
  characters, so a 1-character query is one cheap term instead of a prefix scan.
* ``search_doc`` - rowid -> entry_id, feed_id, published. The rowid is ``published // 60``
  (moved forward on collision), so FTS5's rowid order is publication order: newest-first
  reads the doclists backwards and stops after ``limit`` rows. Minute granularity keeps
  rowid deltas - most of the index's bytes - small.

SQLite 3.40 has no ``contentless_delete``, and a contentless row can only be deleted by
re-supplying its text. So a replaced or removed entry leaves a *ghost*: its ``search_doc``
row loses its entry_id (its rowid is never reused) and queries skip it. ``clear`` plus
re-indexing (``feedvault reindex``) drops ghosts. The caller owns the transaction.
"""

from __future__ import annotations

import heapq
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from feedvault.errors import SearchError
from feedvault.search.budget import DEFAULT_SECONDS, QueryTooBroad
from feedvault.search.plan import TermPlan, plan_term
from feedvault.search.query import AnyOf, Query, Term, empty_page
from feedvault.search.tokens import IndexFields, index_fields

GRANULARITY = 60
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS search_doc (rowid INTEGER PRIMARY KEY, "
    "entry_id INTEGER UNIQUE, feed_id INTEGER, published INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(body, title, "
    "tokenize='ascii', content='', detail=full)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_chars USING fts5(chars, "
    "tokenize='ascii', content='', detail=none, columnsize=0)",
)
TITLE_WEIGHT = 3.0
_RNG = random.Random()


@dataclass(frozen=True)
class Hit:
    entry_id: int
    score: float


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the search tables if missing (safe to call on every start)."""
    for stmt in _SCHEMA:
        conn.execute(stmt)
    tune(conn)


# FTS5 merges a level's segments once it holds `automerge` of them (default 4). At 16 each
# posting is rewritten about half as often: a third less CPU per indexed entry (0.75 -> 0.51
# ms for a 2,600-character article), and queries, which now read ~20 rows, stay well under
# a millisecond at 20,000 entries with ~28 segments.
AUTOMERGE = 16


def tune(conn: sqlite3.Connection) -> None:
    """Set the merge policy of both FTS5 tables (stored in the index, so once is enough)."""
    for table in ("search_fts", "search_chars"):
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES('automerge', {AUTOMERGE})")


def clear(conn: sqlite3.Connection) -> None:
    """Empty the index (before a reindex); also drops ghosts of replaced entries."""
    conn.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")
    conn.execute("INSERT INTO search_chars(search_chars) VALUES('delete-all')")
    conn.execute("DELETE FROM search_doc")
    conn.execute("DELETE FROM search_meta")


def _meta(conn: sqlite3.Connection, key: str) -> int:
    row = conn.execute("SELECT value FROM search_meta WHERE key = ?", (key,)).fetchone()
    return int(row[0]) if row else 0


def _bump_meta(conn: sqlite3.Connection, key: str, value: int, *, add: bool) -> None:
    new = _meta(conn, key) + value if add else max(_meta(conn, key), value)
    conn.execute("INSERT OR REPLACE INTO search_meta(key, value) VALUES(?, ?)", (key, new))


def _allocate_rowid(
    conn: sqlite3.Connection, entry_id: int, published: int, taken: set[int] | None = None
) -> int:
    """The first free slot at or after published's minute: a few steps, then random jumps
    in a doubling window, so a burst of n equal times costs O(log n) probes per entry.
    ``taken`` holds slots given out in this batch but not yet inserted. The jumps are not
    seeded by the entry: each re-index of an often edited entry leaves a ghost in its slot,
    so the same sequence would run out of free slots after ~200 edits."""
    base = published // GRANULARITY
    for attempt in range(200):
        cand = base + attempt if attempt < 4 else base + _RNG.randrange(1, 2 << min(attempt, 60))
        if taken is not None and cand in taken:
            continue
        if conn.execute("SELECT 1 FROM search_doc WHERE rowid = ?", (cand,)).fetchone() is None:
            if cand - base > 0:
                _bump_meta(conn, "max_shift", cand - base, add=False)
            return cand
    raise SearchError(f"no free index slot near published={published}")  # pragma: no cover


def remove_entry(conn: sqlite3.Connection, entry_id: int) -> None:
    """Make the entry unsearchable (its postings stay as a ghost until reindex)."""
    cur = conn.execute(
        "UPDATE search_doc SET entry_id = NULL, feed_id = NULL WHERE entry_id = ?", (entry_id,)
    )
    if cur.rowcount:
        _bump_meta(conn, "ghosts", cur.rowcount, add=True)


def index_entry(
    conn: sqlite3.Connection, entry_id: int, feed_id: int, published: int, title: str, text: str
) -> None:
    """Index (or re-index) one entry's current title and cleaned text."""
    index_entries(conn, feed_id, [(entry_id, published, title, text)])


def index_entries(
    conn: sqlite3.Connection,
    feed_id: int,
    rows: Sequence[tuple[int, int, str, str]],
    fields: Sequence[IndexFields | None] | None = None,
) -> None:
    """Index (or re-index) ``(entry_id, published, title, text)`` rows of one feed.

    ``fields`` holds tokens made earlier (by the preparing stage) for some rows; the rest are
    folded and tokenised here. One ``executemany`` per table.
    """
    if not rows:
        return
    cur = conn.executemany(
        "UPDATE search_doc SET entry_id = NULL, feed_id = NULL WHERE entry_id = ?",
        [(row[0],) for row in rows],
    )
    if cur.rowcount > 0:
        _bump_meta(conn, "ghosts", cur.rowcount, add=True)
    taken: set[int] = set()
    docs, fts, chars = [], [], []
    for i, (entry_id, published, title, text) in enumerate(rows):
        made = fields[i] if fields is not None else None
        f = made or index_fields(title, text)
        rowid = _allocate_rowid(conn, entry_id, published, taken)
        taken.add(rowid)
        docs.append((rowid, entry_id, feed_id, published))
        fts.append((rowid, f.body, f.title))
        chars.append((rowid, f.chars))
    # Ascending rowids: FTS5 flushes its in-memory postings to a new segment whenever a rowid
    # is not above the previous one, and feeds list newest first. Sorted, a feed's update is
    # one segment instead of up to one per entry (measured: 30-40 % less index CPU).
    docs.sort()
    fts.sort()
    chars.sort()
    conn.executemany(
        "INSERT INTO search_doc(rowid, entry_id, feed_id, published) VALUES(?, ?, ?, ?)", docs
    )
    conn.executemany("INSERT INTO search_fts(rowid, body, title) VALUES(?, ?, ?)", fts)
    conn.executemany("INSERT INTO search_chars(rowid, chars) VALUES(?, ?)", chars)


@dataclass
class Plan:
    """An FTS5 MATCH on one ``driver`` table plus SQL predicates for the rest."""

    driver: str = "search_fts"
    driver_match: str | None = None
    predicates: list[tuple[str, list[object]]] = field(default_factory=list)


def _fts(tp: TermPlan) -> str:
    return '"' + " ".join(tp.tokens) + ('" *' if tp.prefix else '"')


def _in(matches: Sequence[tuple[str, str]], driver: str) -> tuple[str, list[object]]:
    """``t.rowid IN`` the union of some MATCHes: each runs once, into a temporary b-tree.

    Not a correlated ``EXISTS (... MATCH ? AND rowid = t.rowid)``: that re-ran a whole
    full-text match per scanned row (a relevance-sorted OR of Chinese and Latin terms took
    4.5 s on 4,000 entries, and grew with every OR term). Under an FTS5 driver the rowid is
    written ``+t.rowid`` so SQLite cannot turn the list into one driver MATCH per member."""
    selects = [f"SELECT rowid FROM {table} WHERE {table} MATCH ?" for table, _m in matches]
    column = "t.rowid" if driver == "search_doc" else "+t.rowid"
    return f"{column} IN ({' UNION '.join(selects)})", [m for _t, m in matches]


def _leaf(term: Term) -> tuple[str, str]:
    tp = plan_term(term)
    return ("search_chars", tp.char) if tp.char else ("search_fts", _fts(tp))


def compile_query(query: Query) -> Plan:
    """Group terms by table; the table with positive terms (FTS first) drives the scan."""
    pos: dict[str, list[str]] = {"search_fts": [], "search_chars": []}
    neg: dict[str, list[str]] = {"search_fts": [], "search_chars": []}
    plan = Plan()
    mixed: list[list[tuple[str, str]]] = []
    for node in query.must:
        leaves = [_leaf(t) for t in (node.terms if isinstance(node, AnyOf) else (node,))]
        by_table: dict[str, list[str]] = {}
        for table, m in leaves:
            by_table.setdefault(table, []).append(m)
        ors = [(table, "(" + " OR ".join(ms) + ")") for table, ms in by_table.items()]
        if len(ors) == 1:
            pos[ors[0][0]].append(ors[0][1])
        else:  # one MATCH per table, their rowids united once
            mixed.append(ors)
    for term in query.exclude:
        table, m = _leaf(term)
        neg[table].append(m)
    plan.driver = next((t for t in ("search_fts", "search_chars") if pos[t]), "search_doc")
    plan.predicates.extend(_in(ors, plan.driver) for ors in mixed)
    for table in ("search_fts", "search_chars"):
        if not pos[table]:
            if neg[table]:
                pred, args = _in([(table, " OR ".join(neg[table]))], plan.driver)
                plan.predicates.append(("NOT " + pred, args))
            continue
        expr = "(" + " AND ".join(pos[table]) + ")" + "".join(f" NOT {m}" for m in neg[table])
        if table == plan.driver:
            plan.driver_match = expr
        else:
            plan.predicates.append(_in([(table, expr)], plan.driver))
    return plan


def _where(
    conn: sqlite3.Connection,
    plan: Plan,
    feed_ids: Sequence[int] | None,
    since: int | None,
    until: int | None,
) -> tuple[str, list[object]]:
    sql = ["d.entry_id IS NOT NULL"]
    params: list[object] = []
    if plan.driver_match is not None:
        sql.append(f"t.{plan.driver} MATCH ?")
        params.append(plan.driver_match)
    for pred, pparams in plan.predicates:
        sql.append(pred)
        params.extend(pparams)
    if feed_ids is not None:
        sql.append(f"d.feed_id IN ({','.join('?' * len(feed_ids))})")
        params.extend(feed_ids)
    if since is not None:
        sql.append("t.rowid >= ? AND d.published >= ?")
        params += [since // GRANULARITY, since]
    if until is not None:
        sql.append("t.rowid <= ? AND d.published <= ?")
        params += [until // GRANULARITY + _meta(conn, "max_shift"), until]
    return " AND ".join(sql), params


def _merge_bounds(query: Query, since: int | None, until: int | None) -> tuple[int | None, ...]:
    lo = [v for v in (since, query.since) if v is not None]
    hi = [v for v in (until, query.until) if v is not None]
    return (max(lo) if lo else None, min(hi) if hi else None)


def _select(plan: Plan, *, ranked: bool) -> str:
    """Newest-first selects no score: bm25 counts every match of each phrase on its first call
    (~30 ms for "the" at 100,000 entries), while the page itself needs ~20 rows."""
    score = "-bm25(t.search_fts, 1.0, ?)" if ranked and plan.driver == "search_fts" else "0.0"
    return f"SELECT d.entry_id, d.published, t.rowid, {score} FROM {_from(plan)}"


def _from(plan: Plan) -> str:
    if plan.driver == "search_doc":  # only ORs mixing tables: scan entries newest first
        return "search_doc t JOIN search_doc d ON d.rowid = t.rowid"
    return f"{plan.driver} t JOIN search_doc d ON d.rowid = t.rowid"


PROGRESS_STEPS = 2000  # SQLite VM instructions between two looks at the clock (~50 us)


@contextmanager
def time_budget(conn: sqlite3.Connection, seconds: float | None) -> Iterator[None]:
    """Interrupt the statements run inside once ``seconds`` have passed: QueryTooBroad.

    A progress handler on the query's own connection, so only this query stops (an
    interrupted SELECT leaves the surrounding read transaction usable)."""
    if seconds is None:
        yield
        return
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
    try:
        yield
    except sqlite3.OperationalError as exc:
        # "interrupted", or what it becomes inside FTS5 ("vtable constructor failed")
        if "interrupt" in str(exc) or time.monotonic() > deadline:
            raise QueryTooBroad(seconds) from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


def search(
    conn: sqlite3.Connection,
    query: Query,
    *,
    feed_ids: Sequence[int] | None = None,
    since: int | None = None,
    until: int | None = None,
    sort: str = "newest",
    limit: int = 20,
    offset: int = 0,
    budget: float | None = DEFAULT_SECONDS,
) -> list[Hit]:
    """Entries matching ``query``, newest first (exact ``published`` order) or by bm25;
    QueryTooBroad when it runs past ``budget`` seconds."""
    if empty_page(sort, limit, offset, feed_ids):
        return []
    with time_budget(conn, budget):
        return _search(conn, query, feed_ids, since, until, sort, limit, offset)


def _search(
    conn: sqlite3.Connection,
    query: Query,
    feed_ids: Sequence[int] | None,
    since: int | None,
    until: int | None,
    sort: str,
    limit: int,
    offset: int,
) -> list[Hit]:
    plan = compile_query(query)
    lo, hi = _merge_bounds(query, since, until)
    where, params = _where(conn, plan, feed_ids, lo, hi)
    if sort == "relevance":
        head: list[object] = [TITLE_WEIGHT] if plan.driver == "search_fts" else []
        order = "ORDER BY 4 DESC, t.rowid DESC LIMIT ? OFFSET ?"
        sql = f"{_select(plan, ranked=True)} WHERE {where} {order}"
        rows = conn.execute(sql, [*head, *params, limit, offset]).fetchall()
        return [Hit(int(r[0]), float(r[3])) for r in rows]
    sql = f"{_select(plan, ranked=False)} WHERE {where} ORDER BY t.rowid DESC"
    return _newest(conn.execute(sql, params), offset + limit)[offset:]


def _newest(cursor: sqlite3.Cursor, need: int) -> list[Hit]:
    """Read rows in rowid order until no later row can beat the ``need`` newest seen.

    A row's published time is below ``(rowid + 1) * GRANULARITY``, because rowids only move
    forward from ``published // GRANULARITY``; so this usually stops after ``need`` rows.
    """
    # min-heap of (published, id, score): ties go to the later entry, as on PostgreSQL (a
    # slot's rowid is partly random, so it must not decide the order)
    best: list[tuple[int, int, float]] = []
    for entry_id, published, rowid, score in cursor:
        if len(best) == need and (rowid + 1) * GRANULARITY <= best[0][0]:
            break
        item = (int(published), int(entry_id), float(score))
        if len(best) < need:
            heapq.heappush(best, item)
        elif item > best[0]:
            heapq.heapreplace(best, item)
    cursor.close()
    return [Hit(e, s) for _p, e, s in sorted(best, reverse=True)]


def count(
    conn: sqlite3.Connection,
    query: Query,
    *,
    feed_ids: Sequence[int] | None = None,
    since: int | None = None,
    until: int | None = None,
    budget: float | None = DEFAULT_SECONDS,
) -> int:
    """How many entries match (reads every match; for result pages, not for hot paths)."""
    if feed_ids is not None and not feed_ids:
        return 0
    plan = compile_query(query)
    lo, hi = _merge_bounds(query, since, until)
    with time_budget(conn, budget):
        where, params = _where(conn, plan, feed_ids, lo, hi)
        sql = f"SELECT count(*) FROM {_from(plan)}"
        return int(conn.execute(f"{sql} WHERE {where}", params).fetchone()[0])
