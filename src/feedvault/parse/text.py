"""Text helpers for feed elements: inner markup, plain-text titles, HTML entities in XML.

Titles are shown as plain text everywhere (lists, the archive's ``[title](link)``), so they
are reduced to text here once; content keeps its markup as carried.
"""

from __future__ import annotations

import html
import re

from lxml import etree

from feedvault.parse.elements import local_name

XHTML_NS = "http://www.w3.org/1999/xhtml"
# Declarations of the feed's own namespaces, which serialising a child repeats; others
# (SVG, MathML) belong to the content and stay.
_XMLNS_DECL = re.compile(
    r'\sxmlns(?::[A-Za-z_][\w.-]*)?="(?:http://www\.w3\.org/1999/xhtml|http://www\.w3\.org/2005/Atom'
    r'|http://purl\.org/atom/ns#|http://purl\.org/rss/1\.0/[^"]*|http://purl\.org/dc/[^"]*)"'
)
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_HTMLISH = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def collapse(text: str) -> str:
    """Whitespace runs made one space, ends stripped."""
    return " ".join(text.split())


def escape(text: str) -> str:
    """Plain text as HTML (no quote escaping: it is element content, not an attribute)."""
    return html.escape(text, quote=False)


# Opens the HTML made from a plain-text construct (Atom type="text", JSON Feed content_text):
# the clean stage reads such a body as the text it is (no double-escape guess, no stray-tag
# stripping: ``&lt;div&gt;`` there is a mention of a tag) and lays it out in paragraphs.
# A comment, so that the HTML stays what it was (the escaped text) for every other reader,
# and content_hash leaves it out, so no stored entry looks edited for gaining it.
TEXT_MARK = "<!--feedvault:text-->"


def text_html(text: str) -> str:
    """Plain text as HTML marked as plain text (``""`` stays ``""``)."""
    return TEXT_MARK + escape(text) if text else ""


def unmarked(raw_html: str) -> str:
    """``raw_html`` without the plain-text mark."""
    return raw_html[len(TEXT_MARK):] if raw_html.startswith(TEXT_MARK) else raw_html


def unescape(text: str) -> str:
    """Decode character references that end with ``;`` only.

    ``html.unescape`` also decodes legacy names without ``;`` (``&copy``, ``&not``), which
    turns plain text like ``AT&notes`` into ``AT¬es``.
    """
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)


def strip_tags(markup: str) -> str:
    """Text of an HTML fragment: tags removed, entities decoded."""
    return unescape(_TAG.sub("", markup)) if "<" in markup or "&" in markup else markup


_VOID = frozenset({"br", "img", "wbr", "hr"})
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")


def has_markup(text: str) -> bool:
    """Whether the tags in ``text`` are markup: an element opened and closed, or a void
    one (``<br>``). A lone ``<div>`` or ``</example>`` is a mention of a tag, not markup."""
    opened: set[str] = set()
    for closing, name in _TAG_NAME.findall(text):
        lower = name.lower()
        if lower in _VOID:
            return True
        if not closing:
            opened.add(lower)
        elif lower in opened:
            return True
    return False


def looks_like_html(text: str) -> bool:
    return ("<" in text or "&" in text) and _HTMLISH.search(text) is not None


def element_text(el: etree._Element) -> str:
    """The character data of ``el`` and its descendants. Unresolved entity references
    (we never resolve them: XXE) and comments contribute nothing."""
    if len(el) == 0:
        return el.text or ""
    parts: list[str] = []
    _collect(el, parts)
    return "".join(parts)


def _collect(el: etree._Element, parts: list[str]) -> None:
    """Depth first without recursion: a recovered document may nest 2,048 deep."""
    if el.text:
        parts.append(el.text)
    stack = [iter(el)]
    tails: list[str | None] = [None]  # each open element's tail, written when it closes
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            tail = tails.pop()
            if tail:
                parts.append(tail)
        elif isinstance(child.tag, str):
            if child.text:
                parts.append(child.text)
            stack.append(iter(child))
            tails.append(child.tail)
        elif child.tail:  # an unresolved entity reference: its text is no content
            parts.append(child.tail)


def inner_markup(el: etree._Element, *, xhtml: bool = False) -> str:
    """The content of ``el`` as written: text, child elements serialised, without the
    ``xmlns`` declarations of the feed's namespaces that serialising a child adds.

    RSS carries HTML as text, so the text is the markup; inline XHTML (``xhtml=True``)
    carries character data, which is escaped again.
    """
    head = el.text or ""
    if xhtml and head:
        head = escape(head)
    if len(el) == 0:
        return head
    parts = [head]
    for child in el:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    markup = "".join(parts)
    if "xmlns" in markup:
        markup = _XMLNS_DECL.sub("", markup)
    for prefix, ns in el.nsmap.items():
        if ns == XHTML_NS and prefix:
            markup = markup.replace(f"<{prefix}:", "<").replace(f"</{prefix}:", "</")
    return markup


def xhtml_content(el: etree._Element) -> str:
    """Atom 1.0 ``type="xhtml"``: the markup inside the wrapping ``<div>``."""
    children = [c for c in el if isinstance(c.tag, str)]
    if (
        len(children) == 1
        and local_name(children[0].tag) == "div"
        and not (el.text or "").strip()
        and not (children[0].tail or "").strip()
    ):
        return inner_markup(children[0], xhtml=True)
    return inner_markup(el, xhtml=True)


_EMAIL_THEN_NAME = re.compile(r"^\S+@\S+\s*\((.+)\)$")
_NAME_THEN_EMAIL = re.compile(r"^(.+?)\s*<\S+@\S+>$")


def person_name(value: str) -> str:
    """``jane@example.org (Jane Doe)`` and ``Jane Doe <jane@example.org>`` -> ``Jane Doe``;
    anything else as it is."""
    if "@" in value:
        match = _EMAIL_THEN_NAME.match(value) or _NAME_THEN_EMAIL.match(value)
        if match and match.group(1).strip():
            return match.group(1).strip()
    return value
