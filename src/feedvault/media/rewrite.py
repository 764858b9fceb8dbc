"""Point a version's cleaned HTML at the archived copies of its images (``rewrite_images``).

Every ``<img src>`` and ``<video poster>`` becomes ``href(sha)`` of its archived copy
(``/media/<sha>`` in the web app, a relative path in the markdown export). An image that is
not archived (pending, failed, skipped, unknown) becomes a placeholder carrying its alt text,
the reason and a link to the origin, never an ``<img>`` loading from the origin, unless
``hotlink``. ``<video>``/``<audio>`` whose source is not archived get ``preload="none"`` so
that opening the page requests nothing from the origin (playing is the reader's choice).

Only those start tags change: the input is the sanitiser's output, and every other byte is
kept as it is (the tags are found by the standard library's tokenizer, spliced at their
offsets, and checked to be where it says). Attribute values are escaped on the way out, so
the result is as safe as the input. Pure: the web app and the exporters both call it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final

from feedvault.media.model import MediaLink

Lookup = Callable[[str], MediaLink | None]

_FAST_NO: Final = re.compile(r"<(?:img|video|audio)\b", re.IGNORECASE)
_ATTR_NAME: Final = re.compile(r"[a-z_:][-a-z0-9_:.]*")
_RANK: Final = {"ok": 3, "pending": 2, "failed": 1, "skipped": 1}
LINK_REL: Final = "noopener noreferrer nofollow"


@dataclass(frozen=True, slots=True)
class PlaceholderText:
    """The words of the placeholder; the web app passes its reader's language."""

    open_original: str = "image not archived — open original"
    not_archived: str = "image not archived"
    pending: str = "not downloaded yet"
    unknown: str = "not in the archive"
    failed: str = "download failed"
    skipped: str = "not kept"


def link_lookup(links: Iterable[MediaLink]) -> Lookup:
    """A lookup by the URL an HTML shows: each link's ``url`` and ``shown_as``; when two
    links answer for one src, the archived one wins."""
    found: dict[str, MediaLink] = {}
    for link in links:
        for key in (link.url, link.shown_as):
            if key and (key not in found or _rank(link) > _rank(found[key])):
                found[key] = link
    return found.get


def _rank(link: MediaLink) -> int:
    return _RANK.get(link.state, 0) + (1 if link.state == "ok" and link.sha else 0)


def archived_sha(link: MediaLink | None) -> str | None:
    return link.sha if link is not None and link.state == "ok" and link.sha else None


def rewrite_images(
    html: str,
    lookup: Lookup,
    *,
    href: Callable[[str], str],
    hotlink: bool = False,
    text: PlaceholderText | None = None,
) -> str:
    """``html`` (cleaned) with its images pointing at ``href(sha)`` of their archived copies."""
    if not html or _FAST_NO.search(html) is None:
        return html
    words = text or PlaceholderText()
    finder = _Finder()
    try:
        finder.feed(html)
        finder.close()
    except Exception:  # the tokenizer on hostile input: leave the HTML as it was
        return html
    starts = _line_starts(html)
    out: list[str] = []
    done = 0
    for (line, column), tag, attrs, raw, in_link in finder.found:
        offset = starts[line - 1] + column
        if html[offset:offset + len(raw)] != raw or offset < done:
            return html  # the tokenizer lost count: change nothing rather than guess
        replacement = _replace(tag, attrs, in_link, lookup, href, hotlink, words)
        if replacement is None:
            continue
        out.append(html[done:offset])
        out.append(replacement)
        done = offset + len(raw)
    out.append(html[done:])
    return "".join(out)


def _line_starts(html: str) -> list[int]:
    starts = [0]
    at = html.find("\n")
    while at != -1:
        starts.append(at + 1)
        at = html.find("\n", at + 1)
    return starts


Attrs = list[tuple[str, str | None]]


class _Finder(HTMLParser):
    """Records each img/video/audio start tag: position, attributes, exact text, and
    whether it sits inside a link (a placeholder there must not nest another ``<a>``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[tuple[int, int], str, Attrs, str, bool]] = []
        self._links = 0

    def handle_starttag(self, tag: str, attrs: Attrs) -> None:
        if tag in ("img", "video", "audio"):
            raw = self.get_starttag_text() or ""
            self.found.append((self.getpos(), tag, attrs, raw, self._links > 0))
        elif tag == "a":
            self._links += 1

    def handle_startendtag(self, tag: str, attrs: Attrs) -> None:
        if tag in ("img", "video", "audio"):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links:
            self._links -= 1


def _replace(
    tag: str,
    attrs: Attrs,
    in_link: bool,
    lookup: Lookup,
    href: Callable[[str], str],
    hotlink: bool,
    words: PlaceholderText,
) -> str | None:
    """The new markup for one start tag, or None to keep it as it is."""
    values = dict(attrs)
    if tag == "img":
        src = (values.get("src") or "").strip()
        if not _is_http(src):
            return None
        link = lookup(src)
        sha = archived_sha(link)
        if sha is not None:
            return _tag(tag, [(k, href(sha) if k == "src" else v) for k, v in attrs])
        if hotlink:
            return None
        return _placeholder(src, values.get("alt") or "", link, in_link, words)
    new: Attrs = []
    changed = origin = False
    for name, value in attrs:
        url = (value or "").strip()
        if name in ("src", "poster") and _is_http(url):
            sha = archived_sha(lookup(url))
            if sha is not None:
                new.append((name, href(sha)))
                changed = True
                continue
            if name == "poster" and not hotlink:
                changed = True  # a poster from the origin is requested on opening the page
                continue
            origin = origin or name == "src"
        elif name == "preload":
            continue
        new.append((name, value))
    if origin and not hotlink:
        new.append(("preload", "none"))  # the origin only when the reader presses play
        changed = True
    return _tag(tag, new) if changed else None


def _is_http(url: str) -> bool:
    return url[:8].lower().startswith(("http://", "https://"))


def _tag(tag: str, attrs: Attrs) -> str:
    parts = [f"<{tag}"]
    for name, value in attrs:
        if not _ATTR_NAME.fullmatch(name):
            continue
        parts.append(f' {name}="{_attr(value or "")}"')
    return "".join(parts) + ">"


def _placeholder(
    src: str, alt: str, link: MediaLink | None, in_link: bool, words: PlaceholderText
) -> str:
    """A span with the alt text, why the image is missing and (outside links) the origin."""
    reason = _reason(link, words)
    esc, text = _attr, _text
    alt_part = f'<span class="media-missing-alt">{text(alt.strip())}</span> ' if alt.strip() else ""
    if in_link:  # the enclosing link stays the way to go; a nested <a> is invalid HTML
        action = f'<span class="media-missing-note">{text(words.not_archived)}</span>'
    else:
        action = (
            f'<a class="media-missing-link" href="{esc(src)}" rel="{LINK_REL}">'
            f"{text(words.open_original)}</a>"
        )
    return (
        f'<span class="media-missing" title="{esc(reason)}">{alt_part}{action}'
        f' <span class="media-missing-why">({text(reason)})</span></span>'
    )


# Escaped as the sanitiser (html5ever) writes its output, so that what this module writes is
# itself a fixed point of the sanitiser (a test holds it to that).
_TEXT_ESCAPES: Final = str.maketrans({"&": "&amp;", "\u00a0": "&nbsp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES: Final = str.maketrans(
    {"&": "&amp;", "\u00a0": "&nbsp;", '"': "&quot;", "<": "&lt;", ">": "&gt;"}
)


def _text(value: str) -> str:
    return value.translate(_TEXT_ESCAPES)


def _attr(value: str) -> str:
    return value.translate(_ATTR_ESCAPES)


def _reason(link: MediaLink | None, words: PlaceholderText) -> str:
    if link is None:
        return words.unknown
    if link.state == "pending":
        return words.pending
    if link.error:
        return " ".join(link.error.split())[:200]
    return words.failed if link.state == "failed" else words.skipped
