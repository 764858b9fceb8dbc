"""The allow-list sanitiser: the last step, so nothing earlier can reintroduce markup.

Built on nh3 (Rust ammonia, html5ever parser): a maintained allow-list sanitiser that
serialises its own parse tree, which is what defeats mutation XSS. bleach is unmaintained and
feedparser's sanitiser lets ``javascript:`` tricks through.

Decisions: no ``style`` attribute anywhere (feed CSS breaks layout and hides text); no
``data:`` URLs at all, not even for images (feeds use them for lazy-load placeholders, and a
single scheme list cannot allow them for ``img`` alone); no ``srcset``/``<source>``/
``<picture>`` (srcset URLs are not checked by ammonia; the ``<img>`` inside is kept); headings
keep their level. ``<video>``/``<audio>`` with a checked ``src`` are kept (DW and BBC carry
clips); iframes never reach this point (``rewrite_embed`` turns them into links).
"""

from __future__ import annotations

from typing import Final

import nh3

ALLOWED_TAGS: Final = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strike", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u",
    "ul", "var", "wbr", "video", "audio",
})

# Elements removed together with everything inside them (their content is code, not text).
DROPPED_WITH_CONTENT: Final = frozenset({
    "script", "style", "template", "noscript", "iframe", "object", "embed", "applet", "frame",
    "frameset", "noframes", "noembed", "xmp", "title", "textarea", "select", "button", "svg",
    "math", "head", "form", "canvas", "map",
})

ALLOWED_ATTRIBUTES: Final = {
    "*": {"title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "headers", "scope"},
    "th": {"colspan", "rowspan", "headers", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "time": {"datetime"},
    "del": {"datetime"},
    "ins": {"datetime"},
    "video": {"src", "poster", "controls", "width", "height"},
    "audio": {"src", "controls"},
}

URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
LINK_REL: Final = "noopener noreferrer nofollow"

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


def sanitize(html: str) -> str:
    """Safe HTML: only allowed tags, attributes and URL schemes survive."""
    return _CLEANER.clean(html)
