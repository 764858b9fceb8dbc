"""Every search has a cost bound, and the mixed-script OR runs each full-text match once."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from search_corpus import load_documents

from feedvault.search.budget import QueryTooBroad
from feedvault.search.query import parse_query
from feedvault.store.sqlite import search_index as si

COUNT_FOREVER = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                 "SELECT count(*) FROM n")


@pytest.fixture(scope="module")
def conn() -> sqlite3.Connection:
    c = sqlite3.connect(":memory:", isolation_level=None)
    si.create_schema(c)
    c.execute("BEGIN")
    for i, d in enumerate(load_documents()):
        si.index_entry(c, i, i % 7, 1_600_000_000 + i * 3600, d.title, d.text)
    c.execute("COMMIT")
    return c


def test_sqlite_budget_stops_a_runaway_statement(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN")
    with pytest.raises(QueryTooBroad, match="query too broad"), si.time_budget(conn, 0.05):
        conn.execute(COUNT_FOREVER).fetchone()
    assert conn.execute("SELECT 1").fetchone() == (1,)  # the read transaction goes on
    conn.execute("COMMIT")
    hits = si.search(conn, parse_query("中国"), limit=5)  # and nothing is left installed
    assert len(hits) == 5


def test_sqlite_search_over_budget_is_query_too_broad(conn: sqlite3.Connection) -> None:
    broad = parse_query("中 OR 美 OR the OR news OR 国 OR 人")
    with pytest.raises(QueryTooBroad):
        si.search(conn, broad, sort="relevance", budget=1e-9)
    assert si.search(conn, broad, sort="relevance", limit=3)


@pytest.mark.parametrize("q", ["美 OR news", "中 OR 美 OR the OR a1 OR 鑫", "news -中",
                               "中国 美 -the", "美 OR 中国 news"])
def test_no_full_text_match_per_row(conn: sqlite3.Connection, q: str) -> None:
    """The plan of a mixed Chinese/Latin query: each MATCH runs once into a list, never as a
    correlated subquery (which re-ran the whole match for every row: seconds per query)."""
    plan = si.compile_query(parse_query(q))
    where, params = si._where(conn, plan, None, None, None)
    head: list[object] = [si.TITLE_WEIGHT] if plan.driver == "search_fts" else []
    sql = f"{si._select(plan, ranked=True)} WHERE {where} ORDER BY 4 DESC"
    steps = [str(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, [*head, *params])]
    assert not [s for s in steps if "CORRELATED" in s], steps
    assert not [s for s in steps if s.startswith("SCAN") and ":=" in s], steps  # rowid=? MATCH


@pytest.mark.skipif("postgres" not in os.environ.get("FEEDVAULT_TEST_BACKENDS",
                                                     "sqlite,postgres"),
                    reason="PostgreSQL not among the tested backends")
def test_postgres_budget_cancels_the_statement(pg_url: str) -> None:
    import psycopg

    from feedvault.store.postgres.search_index import time_budget

    with psycopg.connect(pg_url, autocommit=True) as pg:
        with pytest.raises(QueryTooBroad), time_budget(pg, 0.05):
            pg.execute("SELECT pg_sleep(30)")
        assert pg.execute("SHOW statement_timeout").fetchone() == ("0",)  # local to it
        assert pg.execute("SELECT 1").fetchone() == (1,)


def test_cli_search_past_budget_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from feedvault.cli import main
    from feedvault.store.sqlite.store import SqliteStorage
    from fv_testpaths import CORPUS

    db = str(tmp_path / "vault.db")
    assert main(["--db", db, "add", str(CORPUS / "feeds" / "zh" / "dw-chinese-1.xml")]) == 0
    capsys.readouterr()
    monkeypatch.setattr(SqliteStorage, "search_budget", 1e-9)
    monkeypatch.setattr(si, "PROGRESS_STEPS", 1)  # a small vault: look at the clock at once
    code = main(["--db", db, "search", "中 OR news OR the OR 美", "--sort", "relevance"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.count("\n") == 0 and "query too broad" in err
