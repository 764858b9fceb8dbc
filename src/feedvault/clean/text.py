"""Plain text from the cleaned tree: what search indexes and snippets show.

Blocks (paragraphs, headings, list items, ...) are separated by a blank line, ``<br>`` is a
line break, runs of whitespace inside a block become one space, ``<pre>`` keeps its lines.
Entities are already decoded by the parser. Code-like elements contribute nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
_BREAK: Final = "\x00"  # stands for <br>; the parser input never holds NUL (entry._parse)
_BLANK_LINES = re.compile(r"\n{3,}")


def _block(parts: list[str]) -> str:
    joined = "".join(parts)
    if _BREAK in joined:  # str.split() collapses every Unicode space run, NUL is not one
        joined = "\n".join(" ".join(line.split()) for line in joined.split(_BREAK))
        return _BLANK_LINES.sub("\n\n", joined.strip())
    return " ".join(joined.split())


def tree_text(root: etree._Element) -> str:
    """The text of ``root``'s content (its own tail excluded), blocks split by blank lines."""
    blocks: list[str] = []
    parts: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if tag in _SKIP or not isinstance(tag, str):
                walker.skip_subtree()
            elif tag == "br":
                parts.append(_BREAK)
            elif tag == "pre":
                if parts:
                    blocks.append(_block(parts))
                    parts.clear()
                blocks.append("".join(el.itertext()).strip("\n"))
                walker.skip_subtree()
            else:
                if tag in BLOCKS and parts:
                    blocks.append(_block(parts))
                    parts.clear()
                if el.text:
                    parts.append(el.text)
            continue
        if tag in BLOCKS and tag != "pre" and parts:
            blocks.append(_block(parts))
            parts.clear()
        elif tag in _CELLS:
            parts.append(" ")
        if el.tail and el is not root:
            parts.append(el.tail)
    if parts:
        blocks.append(_block(parts))
    return "\n\n".join(b for b in blocks if b and not b.isspace())


def text_of(root: etree._Element, markup: str) -> str:
    """`tree_text` of ``root``, given ``markup`` = lxml's HTML serialisation of it.

    The C scanner reads the string the cleaner made for nh3 anyway (~10x less CPU than the
    tree walk); it declines (None) on anything unusual, and then the tree is walked."""
    if _html_text is not None:
        text = _html_text(markup)
        if text is not None:
            return text
    return tree_text(root)


def _load_html_text() -> Callable[[str], str | None] | None:
    try:
        from feedvault.clean._ctext import html_text
    except ImportError:  # built without a C compiler: the tree walk does it
        return None
    return html_text


_html_text = _load_html_text()
