"""The PostgreSQL search index: the same tokens as SQLite, found through GIN, re-checked exactly.

Each entry has one ``search_doc`` row (see schema.py). ``vec`` is built with
``array_to_tsvector`` straight from :func:`folded_tokens` - no text-search parser touches
the tokens, so PostgreSQL sees exactly what FTS5 sees - plus ``#c`` lexemes for the entry's
distinct CJK characters (``#`` never occurs in a token), the analogue of SQLite's
``search_chars``. A term becomes a tsquery (its tokens AND-ed, the last ``:*`` for a prefix)
that GIN answers, and then a ``strpos`` on the space-framed token string that makes the
match exact: a phrase ``a b`` is the substring `` a b `` and a prefix ``a b*`` is `` a b``.
So the results are those of SQLite's phrase queries, whatever the text's length.

Newest-first is ``ORDER BY published DESC, entry_id DESC`` over the matches; relevance is
the title-weighted count of matching terms plus ``ts_rank``. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg.rows import TupleRow

from feedvault.search.budget import DEFAULT_SECONDS, QueryTooBroad
from feedvault.search.plan import plan_term
from feedvault.search.query import AnyOf, Query, Term, empty_page
from feedvault.search.tokens import IndexFields, index_fields

TITLE_WEIGHT = 3.0
MAX_LEXEME_BYTES = 2000  # PostgreSQL refuses lexemes of 2 KiB or more
MAX_VECTOR_BYTES = 900_000  # and tsvectors of 1 MiB or more: such an entry is scanned instead

Conn = psycopg.Connection[TupleRow]
Row = tuple[int, int, int, str | None, str, str]  # entry id, feed id, published s, vec, tokens


@dataclass(frozen=True)
class Hit:
    entry_id: int
    score: float


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _fits(lexeme: str) -> bool:
    return len(lexeme.encode()) < MAX_LEXEME_BYTES


def doc_row(
    entry_id: int,
    feed_id: int,
    published_s: int,
    title: str,
    text: str,
    fields: IndexFields | None = None,
) -> Row:
    """The search_doc values for one entry; ``fields`` are tokens the preparing stage made."""
    f = fields or index_fields(title, text)
    lexemes = {t for t in f.title.split(" ") if t and _fits(t)}
    lexemes.update(t for t in f.body.split(" ") if t and _fits(t))
    lexemes.update("#" + c for c in f.chars.split(" ") if c)
    vec = " ".join(map(_quote, sorted(lexemes)))
    fits = len(vec.encode()) < MAX_VECTOR_BYTES
    return (
        entry_id,
        feed_id,
        published_s,
        vec if fits else None,
        f" {f.title} ",
        f" {f.body} ",
    )


_UPSERT = (
    "INSERT INTO search_doc (entry_id, feed_id, published, vec, title_tok, body_tok) "
    "VALUES (%s, %s, %s, %s::tsvector, %s, %s) ON CONFLICT (entry_id) DO UPDATE SET "
    "feed_id = excluded.feed_id, published = excluded.published, vec = excluded.vec, "
    "title_tok = excluded.title_tok, body_tok = excluded.body_tok"
)


def index_rows(
    conn: Conn,
    rows: Iterable[tuple[int, int, int, str, str]],
    fields: Sequence[IndexFields | None] | None = None,
) -> None:
    """Index (or re-index) entries given as (entry id, feed id, published ms, title, text);
    ``fields[i]``, when given, holds row i's tokens already made."""
    values = [
        doc_row(e, f, p // 1000, t, x, fields[i] if fields is not None else None)
        for i, (e, f, p, t, x) in enumerate(rows)
    ]
    if values:
        with conn.cursor() as cur:
            cur.executemany(_UPSERT, values)


def clear(conn: Conn) -> None:
    conn.execute("DELETE FROM search_doc")


# ---- queries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Leaf:
    """One term: a tsquery for the GIN index and a substring that makes the match exact."""

    tsquery: str
    needle: str
    whole: bool = False  # the tsquery alone is exact (one token): no substring check needed


def _leaf(term: Term) -> _Leaf:
    tp = plan_term(term)
    if tp.char:
        return _Leaf(_quote("#" + tp.char), tp.char)
    parts = [_quote(t) for t in tp.tokens if _fits(t)]
    if tp.prefix and parts and _fits(tp.tokens[-1]):
        parts[-1] += ":*"
    tsq = " & ".join(parts) if parts else ""
    # One token: the vector holds exactly the entry's tokens, so `vec @@ 't'` is the token
    # match and `vec @@ 't':*` the prefix match the substring check would confirm.
    whole = len(tp.tokens) == 1 and len(parts) == 1
    return _Leaf(tsq, " " + " ".join(tp.tokens) + ("" if tp.prefix else " "), whole)


def _match(leaf: _Leaf) -> tuple[str, list[object]]:
    """SQL that is true when the entry contains the term (exact)."""
    exact = "(strpos(d.title_tok, %s) > 0 OR strpos(d.body_tok, %s) > 0)"
    if not leaf.tsquery:
        return exact, [leaf.needle, leaf.needle]
    return (
        f"(coalesce(d.vec @@ %s::tsquery, true) AND {exact})",
        [leaf.tsquery, leaf.needle, leaf.needle],
    )


def _nodes(query: Query) -> list[list[_Leaf]]:
    return [
        [_leaf(t) for t in (node.terms if isinstance(node, AnyOf) else (node,))]
        for node in query.must
    ]


def _where(
    query: Query, feed_ids: Sequence[int] | None, since: int | None, until: int | None
) -> tuple[str, list[object]]:
    sql: list[str] = []
    params: list[object] = []
    nodes = _nodes(query)  # returns "<source> d WHERE <conditions>"
    gin = [
        "(" + " | ".join(f"({leaf.tsquery})" for leaf in node) + ")"
        for node in nodes
        if all(leaf.tsquery for leaf in node)
    ]
    source = "search_doc"
    if gin:  # the GIN scan, plus the few entries too big for a tsvector (a partial index)
        source = (
            "(SELECT * FROM search_doc WHERE vec @@ %s::tsquery "
            "UNION ALL SELECT * FROM search_doc WHERE vec IS NULL)"
        )
        params.append(" & ".join(gin))
    for node in nodes:
        if gin and len(node) == 1 and node[0].whole:
            # the GIN scan matched this very tsquery: only the unindexed rows need checking,
            # and the large vec and token strings of the others are never read (detoasted)
            m, ps = _match(node[0])
            sql.append(f"(d.vec IS NOT NULL OR {m})")
            params.extend(ps)
            continue
        matches = [_match(leaf) for leaf in node]
        sql.append("(" + " OR ".join(m for m, _p in matches) + ")")
        params.extend(p for _m, ps in matches for p in ps)
    for term in query.exclude:
        m, ps = _match(_leaf(term))
        sql.append(f"NOT {m}")
        params.extend(ps)
    if feed_ids is not None:
        sql.append("d.feed_id = ANY(%s)")
        params.append(list(feed_ids))
    lo = [v for v in (since, query.since) if v is not None]
    hi = [v for v in (until, query.until) if v is not None]
    if lo:
        sql.append("d.published >= %s")
        params.append(max(lo))
    if hi:
        sql.append("d.published <= %s")
        params.append(min(hi))
    return f"{source} d WHERE " + (" AND ".join(sql) or "true"), params


def _score(query: Query) -> tuple[str, list[object]]:
    parts: list[str] = []
    params: list[object] = []
    for leaf in (_leaf(t) for t in query.positive_terms()):
        parts.append("(CASE WHEN strpos(d.title_tok, %s) > 0 THEN %s ELSE 0 END)")
        parts.append("(CASE WHEN strpos(d.body_tok, %s) > 0 THEN 1.0 ELSE 0 END)")
        params += [leaf.needle, TITLE_WEIGHT, leaf.needle]
        if leaf.tsquery:
            parts.append("coalesce(ts_rank(d.vec, %s::tsquery), 0)")
            params.append(leaf.tsquery)
    return " + ".join(parts) or "0", params


@contextmanager
def time_budget(conn: Conn, seconds: float | None) -> Iterator[None]:
    """Run the statements inside with ``statement_timeout`` (local to their own transaction,
    a savepoint when one is open): QueryTooBroad once they run past ``seconds``."""
    if seconds is None:
        yield
        return
    try:
        with conn.transaction():
            conn.execute(
                "SELECT set_config('statement_timeout', %s, true)",
                [f"{max(1, round(seconds * 1000))}ms"],
            )
            yield
    except psycopg.errors.QueryCanceled:
        raise QueryTooBroad(seconds) from None


def search(
    conn: Conn,
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
    """Entries matching ``query``, newest first (exact ``published`` order) or by relevance;
    QueryTooBroad when it runs past ``budget`` seconds."""
    if empty_page(sort, limit, offset, feed_ids):
        return []
    with time_budget(conn, budget):
        return _search(conn, query, feed_ids, since, until, sort, limit, offset)


def _search(
    conn: Conn,
    query: Query,
    feed_ids: Sequence[int] | None,
    since: int | None,
    until: int | None,
    sort: str,
    limit: int,
    offset: int,
) -> list[Hit]:
    where, params = _where(query, feed_ids, since, until)
    if sort == "relevance":
        score, sparams = _score(query)
        sql = (
            f"SELECT d.entry_id, {score} AS s FROM {where} "
            "ORDER BY s DESC, d.published DESC, d.entry_id DESC LIMIT %s OFFSET %s"
        )
        rows = conn.execute(sql.encode(), [*sparams, *params, limit, offset]).fetchall()
    else:
        sql = (
            f"SELECT d.entry_id, 0.0 FROM {where} "
            "ORDER BY d.published DESC, d.entry_id DESC LIMIT %s OFFSET %s"
        )
        rows = conn.execute(sql.encode(), [*params, limit, offset]).fetchall()
    return [Hit(int(r[0]), float(r[1])) for r in rows]


def count(
    conn: Conn,
    query: Query,
    *,
    feed_ids: Sequence[int] | None = None,
    since: int | None = None,
    until: int | None = None,
    budget: float | None = DEFAULT_SECONDS,
) -> int:
    """How many entries match."""
    if feed_ids is not None and not feed_ids:
        return 0
    where, params = _where(query, feed_ids, since, until)
    with time_budget(conn, budget):
        row = conn.execute(f"SELECT count(*) FROM {where}".encode(), params)
        return int(row.fetchone()[0])  # type: ignore[index]
