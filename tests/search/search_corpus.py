"""Real Chinese (and some English) documents for search tests, read from shared/corpus.

Sources: the zh feeds (parsed with feedparser) and the archive-format markdown files (the
HTML body after the header). Tags are stripped with lxml so the tests see reader-visible text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import feedparser
import lxml.html

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
_HEADER_LINK = re.compile(r"^\[(.*)\]\((.*)\)\s*$")


@dataclass(frozen=True)
class Doc:
    source: str
    title: str
    text: str


def html_text(html: str) -> str:
    """Visible text of an HTML fragment (block boundaries become spaces)."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception:  # lxml raises several types on junk; the text is then the raw string
        return html
    for br in root.iter("br", "p", "div", "li", "h1", "h2", "h3", "figcaption"):
        br.tail = " " + (br.tail or "")
    return " ".join(root.text_content().split())


def _archive_doc(path: Path) -> Doc | None:
    raw = path.read_text(encoding="utf-8", errors="replace")
    lines = raw.split("\n")
    title = ""
    for i, line in enumerate(lines):
        m = _HEADER_LINK.match(line)
        if m and not title:
            title = m.group(1)
        if line.startswith("------") and title:
            return Doc(path.name, title.strip(), html_text("\n".join(lines[i + 1 :])))
    return None


def _feed_docs(path: Path) -> list[Doc]:
    parsed = feedparser.parse(path.read_bytes())
    docs = []
    for e in parsed.entries:
        html = ""
        if e.get("content"):
            html = e["content"][0].get("value", "")
        html = html or e.get("summary", "")
        docs.append(Doc(path.name, html_text(e.get("title", "")), html_text(html)))
    return docs


@functools.cache
def load_documents() -> tuple[Doc, ...]:
    """All documents, in a stable order; empty texts are dropped."""
    docs: list[Doc] = []
    for path in sorted((CORPUS / "feeds" / "zh").glob("*.xml")):
        docs.extend(_feed_docs(path))
    for path in sorted((CORPUS / "archive-format").rglob("*.md")):
        doc = _archive_doc(path)
        if doc is not None:
            docs.append(doc)
    return tuple(d for d in docs if d.title or d.text)
