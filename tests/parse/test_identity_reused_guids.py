"""Items that share one guid but have different links are different entries (the rule is in
decide/identity.py): over several fetches, on both backends, nothing is re-keyed, merged or
recorded as a false edit, whatever the order of the items."""

from __future__ import annotations

import itertools
from pathlib import Path

from feedvault.decide.decider import candidates
from feedvault.decide.identity import link_key, split_key
from feedvault.models import EntryState
from feedvault.parse import parse_feed
from feedvault.vault import Vault

A = ("G", "https://127.0.0.1/a", "Article A")
B = ("G", "https://127.0.0.1/b", "Article B")
C = ("G", "https://127.0.0.1/c", "Article C")
H = ("H", "https://127.0.0.1/h", "Other")


def _split(link: str) -> str:
    return split_key("g:G", link_key(link))


def _rss(*items: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><link>{link}</link>"
        f"<title>{title}</title><description>{title} body</description></item>"
        for guid, link, title in items
    )
    return f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()


def _state(vault: Vault) -> dict[str, tuple[str, str | None, int]]:
    return {e.key: (e.title, e.link, e.version_count) for e in vault.entries("f")}


def _fetch(vault: Vault, path: Path, *items: tuple[str, str, str]) -> tuple[int, int]:
    path.write_bytes(_rss(*items))
    (result,) = vault.update(["f"])
    assert result.status == "ok", result
    return result.new, result.changed


def test_a_guid_starting_to_be_reused(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(_rss(A, H))
    vault.add_feed(str(path), slug="f")
    assert set(_state(vault)) == {"g:G", "g:H"}  # a feed that reuses nothing: keys as ever
    # a new article with the same guid at the top: it does not take A's entry
    assert _fetch(vault, path, B, A, H) == (1, 0)
    kb = _split(B[1])
    assert _state(vault) == {"g:G": ("Article A", A[1], 1), kb: ("Article B", B[1], 1),
                             "g:H": ("Other", H[1], 1)}
    assert _fetch(vault, path, H, A, B) == (0, 0)  # another order: nothing
    assert _fetch(vault, path, B, H) == (0, 0)  # the group shrinks to B: still B's entry
    assert _fetch(vault, path, A) == (0, 0)  # and to A: A's
    assert _fetch(vault, path, C, B, A) == (1, 0)  # a third article joins
    assert len(_state(vault)) == 4
    # a singleton whose link changes is an edit of its entry, as before
    assert _fetch(vault, path, ("H", "https://127.0.0.1/h2", "Other")) == (0, 1)
    assert all(count == 1 for key, (_, _, count) in _state(vault).items() if key != "g:H")
    # reparse finds every entry again in its document, under the key it is stored under
    report = vault.reparse("f")
    assert (report.unmatched, report.corrected, report.entries) == ([], 0, 4)


def test_a_group_seen_first_in_a_new_vault(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(_rss(A, B))
    vault.add_feed(str(path), slug="f")
    assert set(_state(vault)) == {_split(A[1]), _split(B[1])}
    assert _fetch(vault, path, B) == (0, 0)
    assert _fetch(vault, path, A) == (0, 0)
    assert _fetch(vault, path, A, A) == (0, 0)  # one article repeated is one entry


def _keys(doc: bytes, stored: dict[str, EntryState]) -> list[str]:
    found, _ = candidates(parse_feed(doc).entries, lambda ks: {k: stored[k] for k in ks
                                                                 if k in stored})
    return sorted(c.key for c in found)


def test_keys_do_not_depend_on_order() -> None:
    stored = {"g:G": EntryState(1, "h", 1, "feed", "feed", link=A[1])}
    expected = _keys(_rss(A, B, C, H), stored)
    assert "g:G" in expected and _split(B[1]) in expected
    for order in itertools.permutations([A, B, C, H]):
        assert _keys(_rss(*order), stored) == expected
        assert _keys(_rss(*order), {}) == _keys(_rss(A, B, C, H), {})


def test_a_repeated_article_counts_as_a_duplicate() -> None:
    found, duplicates = candidates(parse_feed(_rss(A, B, A)).entries)
    assert (len(found), duplicates) == (2, 1)
