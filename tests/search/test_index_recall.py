"""The index finds exactly the documents whose folded text contains the folded query."""

from __future__ import annotations

import functools
import random
import re
import sqlite3

import pytest
from search_corpus import Doc, load_documents

from feedvault.search.fold import fold
from feedvault.search.query import parse_query
from feedvault.search.tokens import CJK_RE, WORD_RE
from feedvault.store.sqlite import search_index as si

DAY = 86400


@pytest.fixture(scope="module")
def docs() -> tuple[Doc, ...]:
    found = load_documents()
    assert len(found) > 300
    return found


@pytest.fixture(scope="module")
def conn(docs: tuple[Doc, ...]) -> sqlite3.Connection:
    c = sqlite3.connect(":memory:")
    si.create_schema(c)
    si.create_schema(c)  # idempotent
    for i, d in enumerate(docs):
        # Many share a published time: collisions must not change the results.
        si.index_entry(c, i, i % 7, 1_600_000_000 + (i // 10) * DAY, d.title, d.text)
    return c


def _ids(conn: sqlite3.Connection, q: str) -> set[int]:
    hits = si.search(conn, parse_query(q), limit=100_000)
    assert len(hits) == si.count(conn, parse_query(q))
    return {h.entry_id for h in hits}


@functools.cache
def _folded(docs: tuple[Doc, ...]) -> list[tuple[str, str]]:
    return [(fold(d.title), fold(d.text)) for d in docs]


def _containing(docs: tuple[Doc, ...], needle: str) -> set[int]:
    f = fold(needle)
    return {i for i, (t, x) in enumerate(_folded(docs)) if f in t or f in x}


def test_random_cjk_substrings_have_exact_recall(docs, conn) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(1)
    runs = [r for d in docs for r in CJK_RE.findall(d.title + " " + d.text)]
    for _ in range(400):
        run = rng.choice(runs)
        k = rng.randint(1, min(6, len(run)))
        start = rng.randrange(len(run) - k + 1)
        q = run[start : start + k]
        expected = _containing(docs, q)
        assert expected, q
        assert _ids(conn, q) == expected, q


def test_english_words_match_as_words(docs, conn) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(2)
    bags = [set(WORD_RE.findall(t)) | set(WORD_RE.findall(x)) for t, x in _folded(docs)]
    words = sorted({w for bag in bags for w in bag if w.isascii()})
    for w in rng.sample(words, 150):
        expected = {i for i, bag in enumerate(bags) if w in bag}
        assert _ids(conn, w.upper()) == expected, w


def test_traditional_and_simplified_find_each_other(docs, conn) -> None:  # type: ignore[no-untyped-def]
    for trad, simp in [("美國", "美国"), ("習近平", "习近平"), ("經濟", "经济")]:
        both = _ids(conn, trad)
        assert both == _ids(conn, simp)
        assert any(trad in d.text or trad in d.title for d in (docs[i] for i in both))
        assert any(simp in d.text or simp in d.title for d in (docs[i] for i in both))


def test_newest_first_is_exact_published_order(conn) -> None:  # type: ignore[no-untyped-def]
    q = parse_query("中国")
    published = dict(
        conn.execute("SELECT entry_id, published FROM search_doc WHERE entry_id IS NOT NULL")
    )
    hits = si.search(conn, q, limit=50)
    times = [published[h.entry_id] for h in hits]
    assert times == sorted(times, reverse=True)
    page2 = si.search(conn, q, limit=25, offset=25)
    assert [h.entry_id for h in page2] == [h.entry_id for h in hits[25:]]
    everything = si.search(conn, q, limit=100_000)
    assert [h.entry_id for h in everything[:50]] == [h.entry_id for h in hits]


def test_operators_and_filters(docs, conn) -> None:  # type: ignore[no-untyped-def]
    a, b = _containing(docs, "美国"), _containing(docs, "中国")
    assert _ids(conn, "美国 中国") == a & b
    assert _ids(conn, "美国 OR 中国") == a | b
    assert _ids(conn, "美国 -中国") == a - b
    assert _ids(conn, "美 -中") == _containing(docs, "美") - _containing(docs, "中")
    assert _ids(conn, "美 OR 中国") == _containing(docs, "美") | b
    feed3 = {h.entry_id for h in si.search(conn, parse_query("美国"), feed_ids=[3], limit=9999)}
    assert feed3 == {i for i in a if i % 7 == 3}
    since = 1_600_000_000 + 40 * DAY
    later = {h.entry_id for h in si.search(conn, parse_query("美国"), since=since, limit=9999)}
    assert later == {i for i in a if i // 10 >= 40}
    q = parse_query("美国 since:2020-10-23 until:2020-11-01")
    window = {h.entry_id for h in si.search(conn, q, limit=9999)}
    assert window == {i for i in a if q.since <= 1_600_000_000 + (i // 10) * DAY <= q.until}


def test_relevance_prefers_title_and_repeats(conn) -> None:  # type: ignore[no-untyped-def]
    si.index_entry(conn, 10_001, 1, 1, "Zebrafish zebrafish", "zebrafish study")
    si.index_entry(conn, 10_002, 1, 2, "Other", "one zebrafish mention among many other words")
    hits = si.search(conn, parse_query("zebrafish"), sort="relevance")
    assert [h.entry_id for h in hits] == [10_001, 10_002]
    assert hits[0].score > hits[1].score


def test_replace_and_remove_take_effect_at_once(conn) -> None:  # type: ignore[no-untyped-def]
    si.index_entry(conn, 20_001, 1, 5, "鼹鼠鳄鱼的标题", "旧的正文 quokka")
    assert _ids(conn, "quokka") == {20_001}
    si.index_entry(conn, 20_001, 1, 5, "鼹鼠鳄鱼的标题", "新的正文 wombat")
    assert _ids(conn, "quokka") == set()
    assert _ids(conn, "wombat") == _ids(conn, "鼹鼠鳄鱼") == {20_001}
    si.remove_entry(conn, 20_001)
    assert _ids(conn, "wombat") == _ids(conn, "鼹鼠鳄鱼") == set()


def test_mixed_script_terms(conn) -> None:  # type: ignore[no-untyped-def]
    si.index_entry(conn, 30_001, 1, 7, "BBC中文網獨家", "報道 COVID-19 疫苗")
    assert 30_001 in _ids(conn, "bbc中文网")
    assert 30_001 in _ids(conn, "covid-19")
    assert 30_001 in _ids(conn, '"covid 19 疫苗"')
    assert 30_001 not in _ids(conn, "bbc中文网报道")
    assert re.fullmatch(r"\d+", str(si.count(conn, parse_query("中文网"))))


def test_an_entry_edited_hundreds_of_times_stays_searchable() -> None:
    """Each re-index leaves a ghost in the old slot; a live blog edited every minute must not
    run out of slots near its publication time (it did after ~200 edits)."""
    conn = sqlite3.connect(":memory:")
    si.create_schema(conn)
    for n in range(400):
        si.index_entry(conn, 1, 1, 1_704_068_700, "直播", f"第{n}次更新 美国大选")
    assert _ids(conn, "美国大选") == {1}
    assert _ids(conn, "第399次") == {1}
    assert _ids(conn, "第398次") == set()
