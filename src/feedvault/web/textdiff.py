"""A readable diff of two versions' plain text, with insertions and deletions marked.

Tokens are Latin words, runs of whitespace, and single other characters: Chinese has no
spaces, so a word diff would replace whole sentences where one character changed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[A-Za-z0-9_'’\-]+|\s+|.", re.S)
MAX_TOKENS = 60_000  # beyond this, compare by lines: SequenceMatcher is quadratic at worst


@dataclass(frozen=True, slots=True)
class Segment:
    op: str  # "same" | "ins" | "del"
    text: str


def _tokens(text: str, by_line: bool) -> list[str]:
    return text.splitlines(keepends=True) if by_line else _TOKEN.findall(text)


def diff_text(old: str, new: str) -> list[Segment]:
    """Segments that spell ``new`` when "del" is skipped, and ``old`` when "ins" is."""
    by_line = len(old) + len(new) > MAX_TOKENS
    a, b = _tokens(old, by_line), _tokens(new, by_line)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[Segment] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if out and out[-1].op == op:
            out[-1] = Segment(op, out[-1].text + text)
        else:
            out.append(Segment(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("same", "".join(a[i1:i2]))
            continue
        add("del", "".join(a[i1:i2]))
        add("ins", "".join(b[j1:j2]))
    return out


def has_changes(segments: list[Segment]) -> bool:
    return any(s.op != "same" for s in segments)
