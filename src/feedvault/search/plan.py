"""What each query term means in index tokens; shared by every backend.

A term becomes either one character to look up in the per-entry character set, or a
phrase of index tokens (see tokens.py for why this gives exact substring matches).
"""

from __future__ import annotations

from dataclasses import dataclass

from feedvault.search.query import Term
from feedvault.search.tokens import cjk_tokens


@dataclass(frozen=True)
class TermPlan:
    tokens: tuple[str, ...]  # consecutive index tokens; empty when ``char`` is set
    prefix: bool = False  # the last token may be longer than written
    char: str | None = None  # a lone CJK character: look it up in the character set


def plan_term(term: Term) -> TermPlan:
    runs = term.runs
    if len(runs) == 1 and runs[0][0] and len(runs[0][1]) == 1:
        return TermPlan((), char=runs[0][1])
    tokens: list[str] = []
    prefix = term.prefix
    for i, (is_cjk, run) in enumerate(runs):
        last = i == len(runs) - 1
        if not is_cjk:
            tokens.append(run)
        elif not last:
            tokens.extend(cjk_tokens(run))  # the run must end here: keep its unigram
        elif len(run) == 1:
            tokens.append(run)  # e.g. "bbc中": a run that starts with 中
            prefix = True
        else:
            tokens.extend(cjk_tokens(run)[:-1])  # open end: only bigrams
    return TermPlan(tuple(tokens), prefix=prefix)
