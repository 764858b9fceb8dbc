"""Folding, tokens and snippets."""

from __future__ import annotations

from feedvault.search.fold import fold, fold_char
from feedvault.search.query import parse_query
from feedvault.search.snippet import make_snippet
from feedvault.search.tokens import index_tokens


def test_fold_traditional_width_case() -> None:
    assert fold("美國 習近平 ＢＢＣ中文網 Straße") == "美国 习近平 bbc中文网 strasse"
    assert fold(fold("頭髮 ＡＢＣ")) == fold("頭髮 ＡＢＣ")
    s = "乾隆年間，發展與後來"
    assert "".join(fold_char(c) for c in s) == fold(s)
    assert fold(s[2:6]) in fold(s)  # per character, so substrings stay substrings


def test_index_tokens_bigrams_and_words() -> None:
    assert index_tokens("美國總統 Trump說") == "美国 国总 总统 统 trump 说"


def test_snippet_highlights_original_characters() -> None:
    text = "前言。" * 40 + "<b>據報道</b>，美國總統拜登與習近平會面。" + "後記。" * 40
    snip = make_snippet("標題", text, parse_query("美国"), width=60)
    assert "<mark>美國</mark>" in snip
    assert "&lt;b&gt;據報道&lt;/b&gt;" in snip
    assert "<b>" not in snip
    assert snip.startswith("…") and snip.endswith("…")
    assert len(snip) < 120


def test_snippet_words_title_and_no_match() -> None:
    q = parse_query("trump* bbc中文网")
    assert "<mark>Trumpism</mark>" in make_snippet("t", "A & B: Trumpism <now>", q)
    assert "A &amp; B" in make_snippet("t", "A & B: Trumpism <now>", q)
    assert make_snippet("BBC中文網", "nothing", q) == "<mark>BBC中文網</mark>"
    assert "<mark>" not in make_snippet("x", "no strumpet here", parse_query("trump"))
    assert make_snippet("x", "<i>plain</i>", parse_query("absent")) == "&lt;i&gt;plain&lt;/i&gt;"


def test_offset_map_with_expanding_characters_matches_per_character_folding() -> None:
    """``…`` folds to three characters and ``㎏`` to two: the snippet must still cut the
    original text at the right places, as a per-character fold would."""
    import random

    from feedvault.search.fold import fold_char
    from feedvault.search.snippet import _folded_with_map

    rng = random.Random(5)
    alphabet = "美國总统…㎏ＡBc。 ﬁx"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        folded, origin = _folded_with_map(text)
        expected_origin = [i for i, c in enumerate(text) for _ in fold_char(c)]
        assert folded == "".join(fold_char(c) for c in text)
        assert [origin(i) for i in range(len(folded))] == expected_origin, text


def test_snippet_marks_the_original_characters_after_an_ellipsis() -> None:
    from feedvault.search.query import parse_query
    from feedvault.search.snippet import make_snippet

    text = "开头……中间的话 美國總統 发表讲话" + "…" * 5
    snippet = make_snippet("标题", text, parse_query("美国总统"))
    assert "<mark>美國總統</mark>" in snippet
