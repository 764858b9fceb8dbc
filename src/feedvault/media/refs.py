"""The images a version shows, as absolute http(s) URLs to archive (``image_refs``).

Which HTML: the reader sees the *cleaned* ``content_html``, but the cleaner drops ``srcset``,
``<picture>`` and ``<source>`` (clean/sanitize.py), so the better candidates live only in the
*raw* HTML. Hence ``image_refs(raw_html, link, shown=content_html)``: the cleaned HTML decides
which images are listed (every ``<img src>`` and ``<video poster>`` it shows is covered,
exactly as written there, so the web rewrite always finds it), and the raw HTML only offers a
larger srcset/picture candidate for an image, matched by its src. A raw src is made absolute
the way clean/links.py does (lazy-load attributes, C0/space trimming, ``//`` without a base
is https, ``urljoin`` against the base) and compared without tracking parameters; a site rule
that rewrites image URLs, or a base that differs from the link, only costs the upgrade, never
the coverage. Given only one HTML (no ``shown``), its images are listed as a browser would
fetch them: right for cleaned HTML (exact, no srcset), and for a page snapshot's raw HTML.

Never raises: data:, javascript: and relative URLs without a base are left out, and so are
URLs too long for the database's unique index (``MAX_URL_CHARS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Final
from urllib.parse import urlsplit

from lxml import etree

from feedvault.media.model import MediaRef
from feedvault.urls import is_http, resolve, strip_tracking

# PostgreSQL refuses a btree index row over ~2,700 bytes (media_urls.url is UNIQUE); a real
# image URL is far shorter, and a longer one is junk or a data smuggle.
MAX_URL_CHARS: Final = 2000
MAX_CANDIDATES: Final = 64  # srcset candidates read per attribute
# Types a browser shows in <img>: a <source type> outside them is not offered.
SHOWN_TYPES: Final = frozenset({
    "image/jpeg", "image/jpg", "image/png", "image/gif", "image/webp", "image/avif",
    "image/svg+xml", "image/apng",
})
# What clean/links.py looks past when src is missing or a data: placeholder.
_LAZY_SRC: Final = ("data-src", "data-original", "data-lazy-src", "data-actualsrc", "data-url")
_LAZY_SRCSET: Final = ("data-srcset", "data-lazy-srcset")
_TAB_NEWLINE: Final = str.maketrans("", "", "\t\n\r")
_C0_SPACE: Final = "".join(map(chr, range(0x21)))
_UNSAFE_CHARS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PARSER: Final = etree.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True
)
_SPACE: Final = " \t\n\r\f"


def image_refs(
    html: str,
    base_url: str | None,
    *,
    enclosures: Sequence[str] = (),
    shown: str | None = None,
) -> list[MediaRef]:
    """The images ``html`` shows (document order, each URL once), then ``enclosures``.

    ``base_url`` resolves relative URLs of ``html`` (the version's link). ``shown``, when
    given, is the cleaned HTML the reader sees: then it decides which images are listed and
    ``html`` (the raw HTML) only contributes better srcset/picture candidates.
    """
    refs = _Refs()
    root = _parse(html)
    if shown is None:
        if root is not None:
            for ref in _raw_refs(root, _document_base(root, base_url)):
                refs.add(ref)
    else:
        upgrades = _upgrades(root, base_url) if root is not None else {}
        shown_root = _parse(shown)
        if shown_root is not None:
            for ref in _raw_refs(shown_root, None, srcsets=False):
                better = upgrades.get(_key(ref.url)) if ref.kind == "img" else None
                if better is not None and better.url != ref.url:
                    refs.add(MediaRef(better.url, better.kind, shown_as=ref.url))
                else:
                    refs.add(ref)
    for url in enclosures:
        absolute = _absolute(url, None) if isinstance(url, str) else None
        if absolute is not None:
            refs.add(MediaRef(absolute, "enclosure"))
    return refs.found


class _Refs:
    """The list being built: each URL once, and every shown src covered by some ref."""

    def __init__(self) -> None:
        self.found: list[MediaRef] = []
        self._urls: set[str] = set()
        self._covered: set[str] = set()

    def add(self, ref: MediaRef) -> None:
        shown = ref.shown_as or ref.url
        if shown in self._covered:
            return
        if ref.url in self._urls:
            # the better candidate is already listed for another image: list this one's own
            # src, so what the reader sees is still covered
            if ref.shown_as is None or ref.shown_as in self._urls:
                return
            ref = MediaRef(ref.shown_as, "img")
        self.found.append(ref)
        self._urls.add(ref.url)
        self._covered.add(shown)


def _parse(html: str) -> etree._Element | None:
    if not isinstance(html, str) or not html or html.isspace():
        return None
    try:
        return etree.HTML(_UNSAFE_CHARS.sub("", html).encode("utf-8", "replace"), _PARSER)
    except (etree.ParserError, ValueError):
        return None


def _document_base(root: etree._Element, base: str | None) -> str | None:
    """A page's own ``<base href>`` (resolved against ``base``) is what a browser resolves
    its images against; the cleaner never honours one in an item, so only raw reading does."""
    for el in root.iter("base"):
        href = el.get("href")
        if href and href.strip():
            found = _absolute(href, base)
            return found if found is not None else base
    return base


def _raw_refs(
    root: etree._Element, base: str | None, *, srcsets: bool = True
) -> Iterator[MediaRef]:
    """Each ``<img>`` (its best candidate when ``srcsets``) and ``<video poster>``."""
    for el in root.iter("img", "video"):
        if el.tag == "video":
            poster = _absolute(el.get("poster"), base)
            if poster is not None:
                yield MediaRef(poster, "poster")
            continue
        src = _absolute(_image_source(el), base)
        best = _best_candidate(el, base, src) if srcsets else None
        if best is None:
            if src is not None:
                yield MediaRef(src, "img")
        elif best.url == src:
            yield MediaRef(src, "img")
        else:
            yield MediaRef(best.url, best.kind, shown_as=src)


def _upgrades(root: etree._Element, base: str | None) -> dict[str, MediaRef]:
    """Raw img src (as compared: without tracking) -> its best srcset/picture candidate."""
    found: dict[str, MediaRef] = {}
    for el in root.iter("img"):
        src = _absolute(_image_source(el), base)
        if src is None:
            continue
        best = _best_candidate(el, base, src)
        if best is not None and best.url != src:
            found.setdefault(_key(src), best)
    return found


def _key(url: str) -> str:
    try:
        return strip_tracking(url)
    except ValueError:
        return url


def _image_source(el: etree._Element) -> str | None:
    """The src a reader sees, looking past lazy-loading placeholders (as clean/links.py)."""
    src = (el.get("src") or "").strip()
    if not src or src.startswith("data:"):
        for name in _LAZY_SRC:
            lazy = (el.get(name) or "").strip()
            if lazy and not lazy.startswith("data:"):
                return lazy
    return src or None


def _absolute(value: str | None, base: str | None) -> str | None:
    """``value`` made absolute as clean/links.py does; None unless it is http(s) with a host."""
    if not value or len(value) > MAX_URL_CHARS:
        return None
    url = value.translate(_TAB_NEWLINE).strip(_C0_SPACE)
    if url.startswith("//") and not base:
        url = "https:" + url
    elif not url.startswith(("https://", "http://")):
        url = resolve(base, url) or url
    if not is_http(url) or len(url) > MAX_URL_CHARS:
        return None
    try:
        if not urlsplit(url).hostname:
            return None
    except ValueError:
        return None
    return url


def _best_candidate(el: etree._Element, base: str | None, src: str | None) -> MediaRef | None:
    """The largest candidate of the img's srcset and its ``<picture>``'s sources.

    Width descriptors beat density ones (a ``w`` set is what responsive images use), the
    largest wins, the first on a tie. A density set whose best is 1x or less keeps ``src``.
    """
    best: tuple[tuple[int, float], MediaRef] | None = None
    picture = _picture_of(el)
    sources = (
        [s for s in picture.iter("source") if _shown_type(s.get("type"))]
        if picture is not None
        else []
    )
    for owner, kind in [*((s, "source") for s in sources), (el, "srcset")]:
        for score, url in _candidates(owner, base):
            if best is None or score > best[0]:
                best = (score, MediaRef(url, kind))
    if best is None:
        return None
    (has_width, size), ref = best
    if not has_width and size <= 1 and src is not None:
        return None
    return ref


def _picture_of(el: etree._Element) -> etree._Element | None:
    """The ``<picture>`` an img is in. libxml2 does not know ``<source>`` is void, so the
    img may sit inside the sources rather than beside them."""
    parent = el.getparent()
    while parent is not None and parent.tag == "source":
        parent = parent.getparent()
    return parent if parent is not None and parent.tag == "picture" else None


def _shown_type(value: str | None) -> bool:
    return not value or value.split(";")[0].strip().lower() in SHOWN_TYPES


def _candidates(el: etree._Element, base: str | None) -> Iterator[tuple[tuple[int, float], str]]:
    value = el.get("srcset")
    if not value:
        for name in _LAZY_SRCSET:
            value = el.get(name)
            if value:
                break
    if not value:
        return
    for url, width, density in parse_srcset(value):
        absolute = _absolute(url, base)
        if absolute is not None:
            yield ((1, float(width)) if width is not None else (0, density)), absolute


def parse_srcset(value: str) -> list[tuple[str, int | None, float]]:
    """(url, width or None, density) per candidate, as the HTML standard splits srcset.

    A URL may hold commas (``w_300,h_200``); a candidate whose descriptors do not parse is
    left out, as a browser leaves it out. At most ``MAX_CANDIDATES``."""
    found: list[tuple[str, int | None, float]] = []
    pos, end = 0, len(value)
    while pos < end and len(found) < MAX_CANDIDATES:
        while pos < end and (value[pos] in _SPACE or value[pos] == ","):
            pos += 1
        if pos >= end:
            break
        start = pos
        while pos < end and value[pos] not in _SPACE:
            pos += 1
        url = value[start:pos]
        descriptors: list[str] = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            pos = _descriptors(value, pos, descriptors)
        candidate = _candidate(url, descriptors)
        if candidate is not None:
            found.append(candidate)
    return found


def _descriptors(value: str, pos: int, out: list[str]) -> int:
    """Read the descriptor tokens after a URL up to the candidate's comma; the new position."""
    end, token, in_parens = len(value), [], False
    while pos < end:
        char = value[pos]
        pos += 1
        if in_parens:
            token.append(char)
            in_parens = char != ")"
        elif char == ",":
            break
        elif char in _SPACE:
            if token:
                out.append("".join(token))
                token = []
        else:
            token.append(char)
            in_parens = char == "("
    if token:
        out.append("".join(token))
    return pos


def _candidate(url: str, descriptors: list[str]) -> tuple[str, int | None, float] | None:
    if not url:
        return None
    width: int | None = None
    density: float | None = None
    for token in descriptors:
        number, unit = token[:-1], token[-1:].lower()
        try:
            if unit == "w" and width is None and density is None and number.isdigit():
                width = int(number)
                if width <= 0:
                    return None
            elif unit == "x" and width is None and density is None:
                density = float(number)
                if not density > 0 or density == float("inf"):
                    return None
            elif unit == "h":
                continue
            else:
                return None
        except ValueError:
            return None
    return url, width, 1.0 if density is None else density
