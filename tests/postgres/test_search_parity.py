"""The PostgreSQL index finds exactly what SQLite's finds: same tokens, same query language."""

from __future__ import annotations

import importlib.util
import random
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from feedvault.search.fold import fold
from feedvault.search.query import parse_query
from feedvault.search.tokens import CJK_RE, WORD_RE
from feedvault.store.postgres import schema as pg_schema
from feedvault.store.postgres import search_index as pgi
from feedvault.store.sqlite import search_index as si

DAY = 86400
_SPEC = importlib.util.spec_from_file_location(
    "search_corpus", Path(__file__).resolve().parents[1] / "search" / "search_corpus.py"
)
assert _SPEC and _SPEC.loader
search_corpus = importlib.util.module_from_spec(_SPEC)
sys.modules["search_corpus"] = search_corpus
_SPEC.loader.exec_module(search_corpus)


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, list[Any]]]:
    import os
    import uuid

    docs = list(search_corpus.load_documents())
    lite = sqlite3.connect(":memory:")
    si.create_schema(lite)
    server = os.environ.get("FEEDVAULT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    name = "fvtest_" + uuid.uuid4().hex[:16]
    admin = psycopg.connect(server, autocommit=True)
    admin.execute(f"CREATE SCHEMA {name}".encode())
    pg = psycopg.connect(f"{server}?options=-csearch_path%3D{name}", autocommit=True)
    try:
        pg_schema.migrate(pg)
        with pg.transaction():
            pg.execute("ALTER TABLE search_doc DROP CONSTRAINT search_doc_entry_id_fkey")
            rows = []
            for i, d in enumerate(docs):
                published = 1_600_000_000 + (i // 10) * DAY
                si.index_entry(lite, i, i % 7, published, d.title, d.text)
                rows.append((i, i % 7, published * 1000, d.title, d.text))
            pgi.index_rows(pg, rows)
        yield lite, pg, docs
    finally:
        pg.close()
        admin.execute(f"DROP SCHEMA {name} CASCADE".encode())
        admin.close()


def _both(indexes: tuple[Any, Any, list[Any]], q: str, **kw: Any) -> tuple[list[int], list[int]]:
    lite, pg, _docs = indexes
    query = parse_query(q)
    a = si.search(lite, query, limit=100_000, **kw)
    b = pgi.search(pg, query, limit=100_000, **kw)
    assert len(b) == pgi.count(pg, query, **{k: v for k, v in kw.items() if k != "sort"})
    return [h.entry_id for h in a], [h.entry_id for h in b]


_FOLDED: dict[int, list[str]] = {}


def _containing(docs: list[Any], needle: str) -> set[int]:
    folded = _FOLDED.get(id(docs))
    if folded is None:  # fold the corpus once, not once per query (setdefault folded it always)
        folded = _FOLDED[id(docs)] = [fold(d.title) + "\n" + fold(d.text) for d in docs]
    f = fold(needle)
    return {i for i, t in enumerate(folded) if f in t}


def _cjk_queries(docs: list[Any], n: int) -> list[str]:
    rng = random.Random(7)
    runs = [r for d in docs for r in CJK_RE.findall(d.title + " " + d.text)]
    queries = []
    for _ in range(n):
        run = rng.choice(runs)
        k = rng.randint(1, min(6, len(run)))
        start = rng.randrange(len(run) - k + 1)
        queries.append(run[start : start + k])
    return queries


@pytest.mark.parametrize("part", [
    pytest.param(slice(0, 100), id="first-100"),
    pytest.param(slice(100, 300), id="next-200", marks=pytest.mark.slow),  # CI, --all
])
def test_random_cjk_substrings_same_exact_recall(
    indexes: tuple[Any, Any, list[Any]], part: slice
) -> None:
    """300 random substrings in all (the same seed as ever); the everyday run checks the first
    100 (30 of them single characters, the broadest queries)."""
    docs = indexes[2]
    for q in _cjk_queries(docs, 300)[part]:
        a, b = _both(indexes, q)
        assert set(b) == set(a) == _containing(docs, q), q


def test_words_prefixes_phrases_or_not_and_filters_agree(
    indexes: tuple[Any, Any, list[Any]],
) -> None:
    docs = indexes[2]
    words = sorted({w for d in docs for w in WORD_RE.findall(fold(d.text)) if w.isascii()})
    rng = random.Random(8)
    queries = [w.upper() for w in rng.sample(words, 60)]
    queries += [w[:3] + "*" for w in rng.sample([w for w in words if len(w) > 3], 30)]
    queries += ['"human rights"', "美国 -中国", "香港 OR 台湾", "經濟", "bbc中文", "covid-19"]
    for q in queries:
        a, b = _both(indexes, q)
        assert set(a) == set(b), q
        pub = [1_600_000_000 + (i // 10) * DAY for i in b]
        assert pub == sorted(pub, reverse=True), q  # newest first, exactly
        a, b = _both(indexes, q, feed_ids=[2, 5], since=1_600_000_000 + 30 * DAY)
        assert set(a) == set(b), q
        a, b = _both(indexes, q, sort="relevance")
        assert set(a) == set(b), q
