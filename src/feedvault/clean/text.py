"""Plain text from the cleaned tree: what search indexes and snippets show.

Blocks (paragraphs, headings, list items, ...) are separated by a blank line, ``<br>`` is a
line break, runs of whitespace inside a block become one space, ``<pre>`` keeps its lines.
Entities are already decoded by the parser. Code-like elements contribute nothing.
"""

from __future__ import annotations

import re
from typing import Final

from lxml import etree

from feedvault.clean.sanitize import DROPPED_WITH_CONTENT

BLOCKS: Final = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "thead", "tfoot", "tr", "ul", "video", "audio",
})
_CELLS: Final = frozenset({"td", "th"})
_SKIP: Final = DROPPED_WITH_CONTENT | {"video", "audio", "rp"}
_WS = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r" {2,}")


class _Collector:
    __slots__ = ("blocks", "parts")

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.parts: list[str] = []

    def add(self, text: str | None) -> None:
        if text:
            self.parts.append(_WS.sub(" ", text))

    def flush(self) -> None:
        if not self.parts:
            return
        joined = _SPACES.sub(" ", "".join(self.parts))
        self.parts.clear()
        lines = "\n".join(line.strip() for line in joined.split("\n")).strip()
        if lines:
            self.blocks.append(_BLANK_LINES.sub("\n\n", lines))


def tree_text(root: etree._Element) -> str:
    """The text of ``root``'s content (its own tail excluded), blocks split by blank lines."""
    out = _Collector()
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag
        if closing:
            if tag in BLOCKS:
                out.flush()
            elif tag in _CELLS:
                out.parts.append(" ")
            if node is not root:
                out.add(node.tail)
            continue
        if not isinstance(tag, str) or tag in _SKIP:  # comments, processing instructions
            out.add(node.tail)
            continue
        if tag == "br":
            out.parts.append("\n")
            out.add(node.tail)
            continue
        if tag in BLOCKS:
            out.flush()
        if tag == "pre":
            out.blocks.append("".join(node.itertext()).strip("\n"))
            out.add(node.tail)
            continue
        out.add(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    out.flush()
    return "\n\n".join(b for b in out.blocks if b.strip())
