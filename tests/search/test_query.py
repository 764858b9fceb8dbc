"""The query language: what each syntax means, and that nothing typed crashes."""

from __future__ import annotations

import random
import sqlite3

import pytest

from feedvault.errors import SearchError
from feedvault.search.query import AnyOf, Term, parse_query
from feedvault.store.sqlite import search_index as si


def test_terms_phrases_or_exclude_filters() -> None:
    q = parse_query('美國 "exact phrase" 川普 OR 拜登 -台灣 feed:bbc-chinese since:2024-01-01')
    assert [t.text for t in q.must if isinstance(t, Term)] == ["美國", "exact phrase"]
    ors = [n for n in q.must if isinstance(n, AnyOf)]
    assert [t.text for t in ors[0].terms] == ["川普", "拜登"]
    assert [t.text for t in q.exclude] == ["台灣"]
    assert q.feeds == ("bbc-chinese",)
    assert q.since == 1704067200 and q.until is None
    assert parse_query("a until:2024-01-01").until == 1704067200 + 86399


def test_prefix_and_mixed_text() -> None:
    q = parse_query("trump* BBC中文网")
    first, second = q.must
    assert isinstance(first, Term) and first.prefix and first.runs == ((False, "trump"),)
    assert isinstance(second, Term) and second.runs == ((False, "bbc"), (True, "中文网"))


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ('"unclosed', "unbalanced quote"),
        ("*", "lone *"),
        ("a*", "too short"),
        ("-美国", "only exclusions"),
        ("OR 美国", "OR needs"),
        ("美国 OR", "OR needs"),
        ("x" * 10_240, "too long"),
        ("since:yesterday", "since:"),
        ("feed:../etc", "feed:"),
        ("since:2024-02-01 until:2024-01-01 a", "since: is after"),
        ("。，！", "nothing to search"),
        ("", "nothing to search"),
    ],
)
def test_clear_errors(q: str, message: str) -> None:
    with pytest.raises(SearchError, match=message):
        parse_query(q)


def test_hostile_queries_give_results_or_search_error() -> None:
    conn = sqlite3.connect(":memory:")
    si.create_schema(conn)
    si.index_entry(conn, 1, 1, 100, "美国 NEAR 总统", 'text with "quotes" and NEAR(a b) 中')
    pieces = [
        '"',
        "*",
        "-",
        "OR",
        "AND",
        "NOT",
        "NEAR(",
        ")",
        "(",
        "^",
        ":",
        "{",
        "}",
        "美",
        "国",
        "美国",
        "a",
        "near",
        "feed:x",
        "since:",
        "+",
        "\\",
        "'",
        "ｏｒ",
    ]
    pieces += ["col:", "title:", "𠀀", "\x00", "NEAR(美 国, 2)", "*美", "中*", "OR OR", '" "']
    rng = random.Random(5)
    for _ in range(3000):
        q = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(1, 8)))
        try:
            query = parse_query(q)
        except SearchError as e:
            assert "\n" not in str(e)
            continue
        for sort in ("newest", "relevance"):
            si.search(conn, query, sort=sort)
        si.count(conn, query)
