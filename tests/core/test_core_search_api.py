"""Search through the Python API and the CLI: same transaction as the update, folding, errors."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from feedvault.errors import SearchError
from feedvault.vault import Vault


def test_entry_is_searchable_as_soon_as_its_update_commits(vault: Vault, corpus: Path) -> None:
    vault.add_feed(str(corpus / "feeds" / "zh" / "bbc-chinese-1.xml"), slug="bbc")
    vault.add_feed(str(corpus / "feeds" / "zh" / "mingpao-1.xml"), slug="mingpao")
    entries = vault.entries(limit=None)
    # a word from a Traditional-script Hong Kong feed, searched in Simplified, and the reverse
    hits = vault.search("香港")
    assert hits and all("香港" in (h.entry.title + h.entry.text) for h in hits)
    expected = {e.id for e in entries if "美国" in _fold(e.title + e.text)}
    got = {h.entry.id for h in vault.search("美國", limit=1000)}
    assert got == expected and got
    assert {h.entry.id for h in vault.search("美国", limit=1000)} == expected
    newest = [h.entry.published for h in vault.search("美国", limit=50)]
    assert newest == sorted(newest, reverse=True)
    assert all("<mark>" in h.snippet for h in vault.search("美国", limit=5))


def _fold(text: str) -> str:
    from feedvault.search.fold import fold

    return fold(text)


def test_filters_and_feed_restriction(vault: Vault, corpus: Path) -> None:
    vault.add_feed(str(corpus / "feeds" / "zh" / "bbc-chinese-1.xml"), slug="bbc")
    vault.add_feed(str(corpus / "feeds" / "zh" / "dw-chinese-1.xml"), slug="dw")
    only_dw = vault.search("中国", feed="dw", limit=100)
    assert only_dw and {h.entry.feed_slug for h in only_dw} == {"dw"}
    assert [h.entry.id for h in vault.search("中国 feed:dw", limit=100)] == [
        h.entry.id for h in only_dw
    ]
    assert vault.search("中国", until=date(1990, 1, 1)) == []
    with pytest.raises(SearchError):
        vault.search("中国 feed:nope")
    with pytest.raises(SearchError):
        vault.search('"')


def test_search_cli_json_and_errors(
    run: Callable[..., subprocess.CompletedProcess[str]], corpus: Path
) -> None:
    assert (
        run("add", str(corpus / "feeds" / "zh" / "dw-chinese-1.xml"), "--slug", "dw").returncode
        == 0
    )
    result = run("search", "德国", "--json", "--limit", "3")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert 0 < len(hits) <= 3
    assert set(hits[0]) == {"id", "feed", "title", "link", "published", "snippet"}
    for bad in ("NEAR(", '"unclosed', "德国 -only", "*", "OR", "-德国 x"):
        res = run("search", bad)
        assert res.returncode in (0, 1) and "Traceback" not in res.stderr, bad
    huge = run("search", "中" * 10000)
    assert huge.returncode in (0, 1) and "Traceback" not in huge.stderr
    assert run("search", "x", "--sort", "bogus").returncode == 2
    assert run("reindex").returncode == 0
    assert json.loads(run("search", "德国", "--json", "--limit", "3").stdout) == hits
