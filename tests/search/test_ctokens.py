"""The C tokenizer (``_ctokens``) gives exactly what the Python reference gives."""

from __future__ import annotations

import random

import pytest
from search_corpus import load_documents

from feedvault.search import _ctokens as ctokens  # built by the install (setup.py)
from feedvault.search import tokens
from feedvault.search.fold import fold_table
from feedvault.search.tokens import IndexFields, index_fields, python_index_fields


def _same(title: str, text: str) -> None:
    fast, ref = index_fields(title, text), python_index_fields(title, text)
    assert (fast.title, fast.body) == (ref.title, ref.body)
    # chars is a set of characters; the Python version joins a set (arbitrary order)
    assert sorted(fast.chars.split()) == sorted(ref.chars.split())
    assert len(fast.chars.split()) == len(set(fast.chars.split()))


def test_the_c_version_is_the_one_in_use() -> None:
    """Installed with a compiler (as CI and the README's install do), index_fields is C."""
    assert tokens._fast_index_fields() is ctokens.index_fields


def test_same_tokens_on_every_corpus_document() -> None:
    docs = load_documents()
    assert len(docs) > 500
    for doc in docs:
        _same(doc.title, doc.text)


def test_same_tokens_on_random_text_of_every_kind() -> None:
    """Folding to several characters (…, ß, ㍿), non-BMP Han, underscores, digits, marks."""
    alphabet = (
        "美國總統習近平發展頭髮乾隆台灣中文網 ab_Z9０Ａ…ßﬁ㍿①Ⅷ²\u0301é"
        "\U00020000\U0002f800\U0001d400アｱ가\u3005\n\t,.。、!"
    )
    rng = random.Random(7)
    for _ in range(3000):
        n = rng.randrange(0, 40)
        _same("".join(rng.choices(alphabet, k=n // 3)), "".join(rng.choices(alphabet, k=n)))


def test_known_output() -> None:
    f = index_fields("美國總統 Trump說", "")
    assert f == IndexFields("美国 国总 总统 统 trump 说", "", f.chars)
    assert sorted(f.chars.split()) == sorted("美国总统说")
    assert index_fields("", "") == IndexFields("", "", "")


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(TypeError):
        ctokens.index_fields("a", None)
    with pytest.raises(TypeError):
        ctokens.load([])
    ctokens.load(fold_table())  # loading again is harmless
