"""What changed between two versions of an entry, and how much. Pure, no I/O.

Feeds re-render the same article all the time: whitespace, attribute order, tracking
parameters in links and images, wrapper markup. Comparing the *cleaned plain text* (tokens,
whitespace dropped), the canonical link and the canonical image URLs makes such a re-render
an empty edit, so that only changes a reader could see are recorded.

Tokens are words for alphabetic scripts and single characters for CJK, so a size counts
characters inserted plus deleted in either script without diffing long texts char by char.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Final, Protocol

from lxml import etree, html

from feedvault.changes.model import EditSummary as EditSummary  # its home since #19
from feedvault.urls import canonical_url

if TYPE_CHECKING:
    from feedvault.clean import RuleSet

# One CJK (or kana/hangul) character, a run of other word characters, or one other symbol.
_TOKEN: Final = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
    r"|[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+"
    r"|[^\w\s]"
)
_MAX_CELLS: Final = 4_000_000  # above this many token pairs a full diff is not worth it
_QUICK_FLOOR: Final = 0.3  # below this upper bound on similarity, call it a rewrite


class VersionLike(Protocol):
    """What describe_edit reads: EntryVersion, NewVersion and Entry all have it."""

    @property
    def title(self) -> str: ...
    @property
    def link(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def content_html(self) -> str: ...


def tokens(text: str) -> list[str]:
    """Words and CJK characters of ``text``; whitespace and its amount never count."""
    return _TOKEN.findall(text)


def norm_title(title: str) -> str:
    return " ".join(title.split())


def norm_link(link: str | None) -> str:
    return canonical_url(link) if link else ""


def image_urls(content_html: str, base: str | None = None) -> frozenset[str]:
    """Canonical URLs of the images in cleaned HTML (tracking pixels are already gone)."""
    if "<img" not in content_html.lower():
        return frozenset()
    try:
        root = html.fragment_fromstring(content_html, create_parent="div")
    except (etree.ParserError, ValueError):
        return frozenset()
    found = set()
    for img in root.iter("img"):
        src = (img.get("src") or "").strip()
        if src and not src.startswith("data:"):
            found.add(canonical_url(html.urljoin(base, src) if base else src))
    return frozenset(found)


def text_change(old: str, new: str) -> tuple[int, float]:
    """(characters inserted + deleted, similarity ratio) between two plain texts."""
    a, b = tokens(old), tokens(new)
    if a == b:
        return 0, 1.0
    total = sum(map(len, a)) + sum(map(len, b))
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    mid_a, mid_b = a[start : len(a) - end], b[start : len(b) - end]
    size = _middle_size(mid_a, mid_b)
    return size, (total - size) / total if total else 1.0


def _middle_size(a: list[str], b: list[str]) -> int:
    """Characters in the tokens that differ between the middles (common ends trimmed)."""
    rewrite = sum(map(len, a)) + sum(map(len, b))
    if not a or not b or len(a) * len(b) > _MAX_CELLS:
        return rewrite
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < _QUICK_FLOOR or matcher.quick_ratio() < _QUICK_FLOOR:
        return rewrite
    same = sum(sum(map(len, a[i : i + n])) for i, _, n in matcher.get_matching_blocks())
    return rewrite - 2 * same


def describe_edit(old: VersionLike, new: VersionLike) -> EditSummary:
    """What a reader would see changed between ``old`` and ``new``."""
    fields: list[str] = []
    if norm_title(old.title) != norm_title(new.title):
        fields.append("title")
    if norm_link(old.link) != norm_link(new.link):
        fields.append("link")
    size, ratio = text_change(old.text, new.text)
    if size:
        fields.append("text")
    if image_urls(old.content_html, old.link) != image_urls(new.content_html, new.link):
        fields.append("images")
    return EditSummary(tuple(fields), size, ratio)


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A body cleaned with today's rules, base URL = its link: what noise checks compare."""

    title: str
    link: str | None
    text: str
    content_html: str


def reclean(
    raw_html: str, title: str, link: str | None, feed_slug: str | None, rules: RuleSet | None
) -> Cleaned:
    from feedvault.clean import clean_entry

    result = clean_entry(raw_html, base_url=link, link=link, feed_slug=feed_slug, rules=rules)
    return Cleaned(title, link, result.text, result.html)


def describe_raw_edit(
    old_raw_html: str,
    new_raw_html: str,
    old_title: str,
    new_title: str,
    old_link: str | None,
    new_link: str | None,
    *,
    feed_slug: str | None = None,
    rules: RuleSet | None = None,
) -> EditSummary:
    """describe_edit for two raw item bodies: both are cleaned with the same rules first."""
    return describe_edit(
        reclean(old_raw_html, old_title, old_link, feed_slug, rules),
        reclean(new_raw_html, new_title, new_link, feed_slug, rules),
    )


def is_noise(
    old_raw_html: str,
    new_raw_html: str,
    old_title: str,
    new_title: str,
    old_link: str | None,
    new_link: str | None,
    *,
    feed_slug: str | None = None,
    rules: RuleSet | None = None,
) -> bool:
    """True when a changed hash is only a re-render: no version should be recorded."""
    return describe_raw_edit(
        old_raw_html, new_raw_html, old_title, new_title, old_link, new_link,
        feed_slug=feed_slug, rules=rules,
    ).is_noise
