"""Storage contract, search: the index written inside apply_update answers search,
count_matches and reindex the same way on both backends (same hits, same order)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_kit import T0, batch, later, new_entry, spec, version

from feedvault.errors import SearchError
from feedvault.models import Feed
from feedvault.search.query import parse_query
from feedvault.store.base import Storage


def _ids(store: Storage, q: str, **kw: object) -> list[int]:
    return [h.entry_id for h in store.search(parse_query(q), **kw)]  # type: ignore[arg-type]


@pytest.fixture
def corpus_ids(store: Storage, feed: Feed) -> dict[str, int]:
    """Five entries of two feeds, a day apart, in English and Chinese."""
    other = store.add_feed(spec("other"))
    store.apply_update(feed.id, batch(new=[
        new_entry("e1", "Apple harvest", "the orchard sold apple crates", published=T0),
        new_entry("e2", "Banana prices", "apple and banana prices", published=T0 + timedelta(1)),
        new_entry("e3", "中文新闻", "台湾发布新的经济数据", published=T0 + timedelta(2)),
    ]))
    store.apply_update(other.id, batch(new=[
        new_entry("o1", "Apple event", "a phone", published=T0 + timedelta(3)),
        new_entry("o2", "Weather", "rain tomorrow", published=T0 + timedelta(4)),
    ]))
    return {e.key: e.id for e in store.list_entries(limit=None)}


def test_search_newest_first(store: Storage, corpus_ids: dict[str, int]) -> None:
    assert _ids(store, "apple") == [corpus_ids[k] for k in ("o1", "e2", "e1")]
    assert _ids(store, "rain") == [corpus_ids["o2"]]
    assert _ids(store, "nothinglikethis") == []


def test_search_pages_and_counts(store: Storage, corpus_ids: dict[str, int]) -> None:
    q = parse_query("apple")
    assert [h.entry_id for h in store.search(q, limit=2)] == [corpus_ids["o1"], corpus_ids["e2"]]
    assert [h.entry_id for h in store.search(q, limit=2, offset=2)] == [corpus_ids["e1"]]
    assert store.search(q, limit=0) == [] and store.search(q, offset=5) == []
    assert store.count_matches(q) == 3
    assert store.count_matches(parse_query("nothinglikethis")) == 0


def test_search_of_some_feeds(store: Storage, feed: Feed, corpus_ids: dict[str, int]) -> None:
    q = parse_query("apple")
    assert _ids(store, "apple", feed_ids=[feed.id]) == [corpus_ids["e2"], corpus_ids["e1"]]
    assert store.count_matches(q, feed_ids=[feed.id]) == 2
    assert store.search(q, feed_ids=[]) == [] and store.count_matches(q, feed_ids=[]) == 0


def test_search_between_dates(store: Storage, corpus_ids: dict[str, int]) -> None:
    day = 86400
    start = int(T0.timestamp())
    assert _ids(store, "apple", since=start + day) == [corpus_ids["o1"], corpus_ids["e2"]]
    assert _ids(store, "apple", until=start + day) == [corpus_ids["e2"], corpus_ids["e1"]]
    q = parse_query("apple")
    assert store.count_matches(q, since=start + day, until=start + 2 * day) == 1


def test_search_by_relevance_gives_scores(store: Storage, corpus_ids: dict[str, int]) -> None:
    hits = store.search(parse_query("apple"), sort="relevance")
    assert sorted(h.entry_id for h in hits) == sorted(corpus_ids[k] for k in ("e1", "e2", "o1"))
    assert all(isinstance(h.score, float) for h in hits)
    with pytest.raises(SearchError, match="unknown sort"):
        store.search(parse_query("apple"), sort="oldest")


def test_search_chinese_folds_traditional_to_simplified(
    store: Storage, corpus_ids: dict[str, int]
) -> None:
    assert _ids(store, "新闻") == [corpus_ids["e3"]]
    assert _ids(store, "新聞") == [corpus_ids["e3"]]  # traditional query, simplified text
    assert _ids(store, "臺灣") == [corpus_ids["e3"]]
    assert _ids(store, '"经济数据"') == [corpus_ids["e3"]]


def test_search_phrases_and_exclusions(store: Storage, corpus_ids: dict[str, int]) -> None:
    assert _ids(store, '"apple and banana"') == [corpus_ids["e2"]]
    assert _ids(store, "apple -phone") == [corpus_ids["e2"], corpus_ids["e1"]]
    assert _ids(store, "rain OR orchard") == [corpus_ids["o2"], corpus_ids["e1"]]


def test_search_finds_the_current_version_only(
    store: Storage, feed: Feed, corpus_ids: dict[str, int]
) -> None:
    store.apply_update(feed.id, batch(later(1), changed=[
        (corpus_ids["e1"], version("Pear harvest", "the orchard sold pears"), None),
    ]))
    assert _ids(store, "pear") == [corpus_ids["e1"]]
    assert _ids(store, "apple") == [corpus_ids["o1"], corpus_ids["e2"]]


def test_a_removed_feed_is_not_found(store: Storage, corpus_ids: dict[str, int]) -> None:
    store.remove_feed("other")
    assert _ids(store, "apple") == [corpus_ids["e2"], corpus_ids["e1"]]
    assert _ids(store, "rain") == []


def test_reindex_rebuilds_the_same_answers(store: Storage, corpus_ids: dict[str, int]) -> None:
    before = {q: _ids(store, q) for q in ("apple", "新聞", "rain", '"apple and banana"')}
    assert store.reindex() == len(corpus_ids)
    assert {q: _ids(store, q) for q in before} == before
    assert store.count_matches(parse_query("apple")) == 3


def test_reindex_of_an_empty_vault(store: Storage) -> None:
    assert store.reindex() == 0
    assert store.search(parse_query("apple")) == []
