"""Fold text so that spellings a reader considers the same compare equal.

Folding is per character (context-free) on purpose: then folding any substring of a text
gives a substring of the folded text, which is what exact substring recall needs. OpenCC's
phrase tables would turn 乾隆 and 乾 differently, so a query drawn from a text could miss it.
The three steps, in order: compatibility forms to canonical ones (full-width ``Ａ`` and
``１``, half-width katakana, CJK compatibility ideographs), case, Traditional to Simplified.
"""

from __future__ import annotations

import functools
import unicodedata

import opencc

# Code points whose NFKC/case form can differ from themselves. Scanning these once (~0.3 s)
# gives a translation table that ``str.translate`` applies in C.
_SCAN_RANGES = ((0x0000, 0x10000), (0x1D400, 0x1D800), (0x1F100, 0x1F300), (0x2F800, 0x2FA20))
# Where Traditional characters live (CJK Unified Ideographs, Ext. A and B).
_HAN_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0x20000, 0x2A6E0))


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _t2s_table() -> dict[int, str]:
    """Map each Han character on its own through OpenCC t2s (one call, newline-separated)."""
    chars = [chr(cp) for lo, hi in _HAN_RANGES for cp in range(lo, hi)]
    converted = _converter().convert("\n".join(chars)).split("\n")
    return {ord(c): s for c, s in zip(chars, converted, strict=True) if s != c}


def _compat_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for lo, hi in _SCAN_RANGES:
        for cp in range(lo, hi):
            c = chr(cp)
            if 0xD800 <= cp < 0xE000:
                continue
            f = unicodedata.normalize("NFKC", c).casefold()
            if f != c:
                table[cp] = f
    return table


@functools.cache
def fold_table() -> dict[int, str]:
    """The translation table, closed under itself so that ``fold(fold(s)) == fold(s)``."""
    compat = _compat_table()
    t2s = _t2s_table()
    step = {**compat}
    for cp, s in t2s.items():
        step[cp] = s
    for cp, s in compat.items():  # e.g. a compatibility ideograph that NFKC maps to Traditional
        step[cp] = s.translate(t2s)
    table: dict[int, str] = {}
    for cp, s in step.items():
        for _ in range(4):
            nxt = s.translate(step)
            if nxt == s:
                break
            s = nxt
        if s != chr(cp):
            table[cp] = s
    return table


@functools.cache
def _char_table() -> tuple[frozenset[str], dict[str, str]]:
    table = fold_table()
    return frozenset(map(chr, table)), {chr(cp): s for cp, s in table.items()}


def fold(text: str) -> str:
    """Traditional -> Simplified, full -> half width, casefold; the same at index and query.

    ``str.translate`` looks every character up in a dict (~80 ns each); a news text has only a
    handful of distinct characters that fold, so replacing those few is ~3x faster. Sequential
    replaces equal one translate because the table is closed: no output contains a key.
    """
    keys, table = _char_table()
    need = keys.intersection(text)
    if len(need) > 48:  # e.g. a long Traditional text: one pass beats many
        return text.translate(fold_table())
    for c in need:
        text = text.replace(c, table[c])
    return text


def expanding_chars(text: str) -> set[str]:
    """The characters of ``text`` that fold to more or fewer than one (``…`` -> ``...``);
    with none, index i of ``fold(text)`` comes from index i of ``text``."""
    keys, table = _char_table()
    return {c for c in keys.intersection(text) if len(table[c]) != 1}


def fold_char(c: str) -> str:
    """Fold one character; ``"".join(map(fold_char, s)) == fold(s)`` (snippets use this)."""
    return fold_table().get(ord(c), c)
