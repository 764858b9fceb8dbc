"""clean_entry: an item's raw HTML to safe HTML, plain text, a date hint and its images.

One lxml parse; site-rule selectors (compiled XPath, evaluated in C); one walk over the tree
for links, images, text rules, the date line and pruning of emptied wrappers; one walk for the
plain text; one nh3 pass. The sanitiser runs last so that nothing done before it can
reintroduce markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from lxml import etree

from feedvault.clean.links import clean_url, host_of, image_source, is_tracking_image
from feedvault.clean.ruleset import ActiveRules, DateRule, RuleSet, builtin_ruleset
from feedvault.clean.sanitize import DROPPED_WITH_CONTENT, sanitize
from feedvault.clean.text import text_of
from feedvault.parse.text import TEXT_MARK


@dataclass(frozen=True)
class CleanResult:
    html: str
    text: str
    date_hint: datetime | None
    images: tuple[str, ...]


_EMPTY: Final = CleanResult("", "", None, ())
# huge_tree: libxml2 otherwise drops a text node over 10 MB (the whole body came out empty);
# the fetch byte cap ([fetch] max_bytes) is what bounds an entry's size.
_PARSER: Final = etree.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True
)
# C0 controls (except tab/newline/CR), lone surrogates and the two noncharacters U+FFFE/FFFF:
# lxml refuses them (a crash setting any text or attribute), HTML ignores them.
_UNSAFE_CHARS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The same characters as numeric references, which the HTML parser decodes (';' optional).
_UNSAFE_REFS: Final = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2\d|3[01]|6553[45])(?!\d)"
    r"|[xX]0*(?:[0-8bBcCeEfF]|1[\da-fA-F]|[fF]{3}[eEfF])(?![\da-fA-F]));?"
)
_REAL_TAG: Final = re.compile(r"<[A-Za-z/]")
_ESCAPED_TAG: Final = re.compile(r"&lt;/?[A-Za-z]")
_REAL_CODE: Final = re.compile(r"<(?:pre|code)\b", re.IGNORECASE)
# Markup that reached a text node (escaped once too often upstream): "<a href=...>", "</p>".
_STRAY_TAG: Final = re.compile(r"</?[A-Za-z][^<>]{0,1000}>")
_CODE_TAGS: Final = frozenset({"code", "pre", "kbd", "samp", "tt", "var", "textarea"})
# Wrappers that carry nothing once empty (after chrome removal, or as feed padding).
_PRUNABLE: Final = frozenset({
    "a", "article", "aside", "b", "center", "div", "em", "figcaption", "figure", "font",
    "footer", "header", "i", "nav", "p", "section", "small", "span", "strong", "u",
})
_DROP_NOW: Final = DROPPED_WITH_CONTENT - {"iframe"}  # iframes become links first
_LEAF_TEXT_MAX: Final = 200  # text rules and date lines are short labels, not paragraphs


def clean_entry(
    raw_html: str,
    *,
    base_url: str | None = None,
    link: str | None = None,
    feed_slug: str | None = None,
    rules: RuleSet | None = None,
) -> CleanResult:
    """Clean one entry. ``link`` (the article URL) picks the site rules by its host."""
    plain = raw_html.startswith(TEXT_MARK)
    body = _text_body(raw_html[len(TEXT_MARK):]) if plain else _parse(raw_html)
    if body is None:
        return _EMPTY
    active = (rules or builtin_ruleset()).active(host_of(link or base_url), feed_slug)
    _apply_selectors(body, active)
    walk = _Walk(base_url or link, active)
    walk.run(body, plain=plain)
    _trim_edges(body)
    markup = etree.tostring(body, encoding="unicode", method="html")
    text = text_of(body, markup)
    safe = sanitize(markup).strip()
    return CleanResult(safe, text, walk.date_hint, tuple(walk.images))


def _parse(raw_html: str) -> etree._Element | None:
    """The ``<body>`` of ``raw_html``, after undoing one level of double escaping."""
    if not raw_html or raw_html.isspace():
        return None
    raw = _UNSAFE_CHARS.sub("", raw_html)
    if "&#" in raw:
        raw = _UNSAFE_REFS.sub("", raw)
    if _double_escaped(raw):
        raw = html.unescape(raw)
    doc = etree.HTML(raw.encode("utf-8", "replace"), _PARSER)
    return None if doc is None else doc.find("body")


_BLANK_LINE: Final = re.compile(r"\n[ \t]*\n\s*")


def _text_body(escaped: str) -> etree._Element | None:
    """A plain-text construct (marked by the parser: parse.text.TEXT_MARK) as paragraphs,
    one per blank-line-separated block, a ``<br>`` per single newline. Its characters are
    text, never markup: ``&lt;div&gt;`` stays ``<div>`` as seen, not undone as a double
    escape nor deleted as a stray tag."""
    text = _UNSAFE_CHARS.sub("", html.unescape(escaped)).replace("\r\n", "\n").strip()
    if not text:
        return None
    body = etree.Element("body")
    for block in _BLANK_LINE.split(text.replace("\r", "\n")):
        para = etree.SubElement(body, "p")
        first, *rest = block.split("\n")
        para.text = first
        for line in rest:
            etree.SubElement(para, "br").tail = line
    return body


def _double_escaped(raw: str) -> bool:
    """A body whose markup is mostly escaped text (``&lt;p&gt;...``) was escaped twice.

    Bodies with real code samples are left alone: their ``&lt;`` is meant to be seen.
    """
    if "&lt;" not in raw:
        return False
    escaped = len(_ESCAPED_TAG.findall(raw))
    return escaped > len(_REAL_TAG.findall(raw)) and not _REAL_CODE.search(raw)


def _apply_selectors(body: etree._Element, rules: ActiveRules) -> None:
    if rules.keep is not None:
        kept = _elements(rules.keep(body))
        kept = [el for el in kept if not any(a in kept for a in el.iterancestors())]
        if kept:
            for child in list(body):
                body.remove(child)
            body.text = None
            for el in kept:
                el.tail = None
                body.append(el)
    if rules.remove is not None:
        for el in _elements(rules.remove(body)):
            _drop(el)


def _elements(result: object) -> list[etree._Element]:
    if not isinstance(result, list):
        return []
    return [el for el in result if isinstance(el, etree._Element)]


def _drop(el: etree._Element) -> None:
    """Remove ``el`` and its content but keep the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


class _Walk:
    """The single pass over the tree, deepest nodes first so emptied parents can be pruned."""

    def __init__(self, base: str | None, rules: ActiveRules) -> None:
        self.base = base
        self.rules = rules
        self.date_hint: datetime | None = None
        self.images: list[str] = []

    def run(self, body: etree._Element, *, plain: bool = False) -> None:
        if not plain:  # plain text has no markup: a "<" in it is a character
            _strip_stray_markup(body)
        leaf_rules = bool(self.rules.dates) or self.rules.remove_text is not None
        for el in reversed(list(body.iter())):
            tag = el.tag
            if not isinstance(tag, str) or el is body:
                continue
            if tag in _DROP_NOW:
                _drop(el)
                continue
            if tag == "a":
                self._link(el)
            elif tag == "img":
                if self._image(el):
                    continue
            elif tag == "iframe":
                self._embed(el)
            elif tag in ("video", "audio"):
                self._media(el)
            if len(el):
                continue
            text = el.text  # read once: each read decodes the node's text anew
            if leaf_rules and text and self._leaf(el, text):
                continue
            if tag in _PRUNABLE and not (text and text.strip()):
                _drop(el)
        self.images.reverse()

    def _link(self, el: etree._Element) -> None:
        href = el.get("href")
        if href is not None:
            el.set("href", clean_url(href, self.base, self.rules))

    def _image(self, el: etree._Element) -> bool:
        """Fix the image's URL; drop it (True) when it is a tracking pixel or has no source."""
        attrib = {str(k): str(v) for k, v in el.attrib.items()}
        src = image_source(attrib)
        src = clean_url(src, self.base, self.rules) if src else None
        if src is None or is_tracking_image(src, attrib, self.rules):
            _drop(el)
            return True
        el.set("src", src)
        if src.startswith(("http://", "https://")):
            self.images.append(src)
        return False

    def _embed(self, el: etree._Element) -> None:
        """An iframe (YouTube, tweets, WordPress embeds) becomes a plain link to what it shows."""
        src = el.get("src", "").strip()
        title = (el.get("title") or "").strip()
        url = clean_url(src, self.base, self.rules) if src else ""
        if not url.startswith(("http://", "https://")):
            _drop(el)
            return
        tail = el.tail
        el.clear()
        el.tail = tail
        el.tag = "a"
        el.set("href", url)
        el.text = title or url

    def _media(self, el: etree._Element) -> None:
        for name in ("src", "poster"):
            value = el.get(name)
            if value:
                el.set(name, clean_url(value, self.base, self.rules))

    def _leaf(self, el: etree._Element, text: str) -> bool:
        """Text rules on short leaf elements: share labels go, the date line is read."""
        text = text.strip()
        if not text or len(text) > _LEAF_TEXT_MAX:
            return False
        for date_rule in self.rules.dates:
            found = date_rule.pattern.fullmatch(text)
            if found:
                self.date_hint = _to_utc(found, date_rule) or self.date_hint
                if date_rule.remove:
                    _drop(el)
                    return True
        pattern = self.rules.remove_text
        if pattern is not None and pattern.fullmatch(text):
            _drop(el)
            return True
        return False


def _to_utc(found: re.Match[str], rule: DateRule) -> datetime | None:
    groups = found.groupdict()
    try:
        local = datetime(
            int(groups["year"]), int(groups["month"]), int(groups["day"]),
            int(groups.get("hour") or 0), int(groups.get("minute") or 0),
            int(groups.get("second") or 0), tzinfo=rule.timezone,
        )
    except ValueError:  # 31/02, 25:00: not a date after all
        return None
    return local.astimezone(UTC)


def _trim_edges(body: etree._Element) -> None:
    """Leading and trailing <br>/<hr> are separators left over from removed chrome."""
    for index in (-1, 0):
        while len(body) and body[index].tag in ("br", "hr"):
            el = body[index]
            if (el.tail and el.tail.strip()) or (index == 0 and body.text and body.text.strip()):
                break
            _drop(el)


# Text nodes (an element's text or tail) that hold a "<": found by libxml2, not by reading
# every text node into Python.
_STRAY_CANDIDATES: Final = etree.XPath("descendant::text()[contains(., '<')]")


def _strip_stray_markup(body: etree._Element) -> None:
    """Delete markup that sits in text nodes, except inside code, where it is the content."""
    found = _STRAY_CANDIDATES(body)
    for node in found if isinstance(found, list) else ():
        if not isinstance(node, etree._ElementUnicodeResult):
            continue
        owner = node.getparent()
        if owner is None:
            continue
        if node.is_text:
            if owner is body or (owner.tag not in _CODE_TAGS and not _in_code(owner)):
                owner.text = _STRAY_TAG.sub("", owner.text or "")
        elif node.is_tail:
            parent = owner.getparent()
            if parent is not None and parent.tag not in _CODE_TAGS and not _in_code(parent):
                owner.tail = _STRAY_TAG.sub("", owner.tail or "")


def _in_code(el: etree._Element) -> bool:
    return any(a.tag in _CODE_TAGS for a in el.iterancestors())
