"""Turn folded text into index tokens that give exact substring recall for CJK.

Word tokenizers index a whole Chinese clause as one "word", so a two-character query finds
almost nothing. Instead each run of CJK characters becomes its overlapping bigrams followed
by the run's last character on its own::

    美国总统  ->  美国 国总 总统 统

* a query run of m >= 2 characters is the phrase of its m-1 bigrams; the phrase can only
  match inside one run because every run ends with a unigram, never a bigram;
* a 1-character query ``c`` is in a run iff some token of the run starts with ``c``
  (the bigram it starts, or the terminal unigram) - a prefix query ``c*``.

Latin (and any other space-separated script) words are kept whole. Tokens are joined by
spaces and contain no ASCII punctuation, so FTS5's ``ascii`` tokenizer (and PostgreSQL's
``simple`` parser on an array) re-splits them exactly as written here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from feedvault.search.fold import fold, fold_table

# Han (incl. extensions and compatibility), kana, Hangul, iteration marks.
CJK_CLASS = (
    "\u3005\u3006\u3007\u3040-\u30ff\u3105-\u312f\u3131-\u318e\u31a0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_CJK_RUN = f"[{CJK_CLASS}]+"
_WORD = f"[^\\W_{CJK_CLASS}]+"  # word characters other than "_" and CJK
# One pass finds both kinds of run, in order; group 1 is a CJK run, group 2 a word.
_TOKEN_RE = re.compile(f"({_CJK_RUN})|({_WORD})")
CJK_RE = re.compile(_CJK_RUN)
CJK_CHAR_RE = re.compile(f"[{CJK_CLASS}]")
WORD_RE = re.compile(_WORD)
# Index tokens straight from one C-level findall: at a CJK character, the lookahead captures
# it with its successor (a bigram) or alone (a run's last character); a word is captured whole.
_INDEX_RE = re.compile(f"(?=([{CJK_CLASS}]{{1,2}}|{_WORD}))(?:[{CJK_CLASS}]|{_WORD})")


def cjk_tokens(run: str) -> list[str]:
    """Bigrams of a CJK run, then its last character."""
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def split_folded(folded: str) -> Iterator[tuple[bool, str]]:
    """Yield ``(is_cjk, run)`` for each CJK run and each word of already folded text."""
    for m in _TOKEN_RE.finditer(folded):
        cjk, word = m.group(1), m.group(2)
        yield (True, cjk) if cjk else (False, word)


def index_tokens(text: str) -> str:
    """The space-separated token string to store in the index for ``text`` (folded here)."""
    return folded_tokens(fold(text))


def folded_tokens(folded: str) -> str:
    """``index_tokens`` for text that is already folded (the hot path: one regex pass in C)."""
    return " ".join(_INDEX_RE.findall(folded))


def cjk_chars(folded: str) -> set[str]:
    """The distinct CJK characters of folded text (deduplicated before the regex runs)."""
    return set(CJK_CHAR_RE.findall("".join(set(folded))))


@dataclass(frozen=True, slots=True)
class IndexFields:
    """What the search index stores for one version, computed once where it was cleaned
    (possibly another process), so that the writer only inserts."""

    title: str  # space-separated tokens of the folded title
    body: str  # the same for the cleaned text
    chars: str  # the distinct CJK characters of both, space-separated


def index_fields(title: str, text: str) -> IndexFields:
    """Fold and tokenise a version's title and cleaned text for either search backend.

    Uses the C twin (``_ctokens``, built at install) when present: same output, ~15x less
    CPU, which matters because every stored version passes through here."""
    fast = _fast_index_fields()
    if fast is not None:
        return IndexFields(*fast(title, text))
    return python_index_fields(title, text)


def python_index_fields(title: str, text: str) -> IndexFields:
    """The reference implementation of `index_fields` (chars in set order)."""
    head, body = fold(title), fold(text)
    chars = " ".join(cjk_chars(head + "\n" + body))
    return IndexFields(folded_tokens(head), folded_tokens(body), chars)


@functools.cache
def _fast_index_fields() -> Callable[[str, str], tuple[str, str, str]] | None:
    """The C ``index_fields`` with the fold table loaded, or None when it was not built."""
    try:
        from feedvault.search import _ctokens
    except ImportError:  # no C compiler at install time: the regex version does the work
        return None
    _ctokens.load(fold_table())
    return _ctokens.index_fields
