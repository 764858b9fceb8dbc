"""Link hygiene: absolute URLs, no redirect wrappers, no tracking parameters, no pixels.

Done on the lxml tree before sanitising, driven by the active site rules.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from feedvault.clean.ruleset import ActiveRules
from feedvault.urls import resolve, strip_tracking

_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")
_C0_SPACE = "".join(map(chr, range(0x21)))
_LAZY_SRC = ("data-src", "data-original", "data-lazy-src", "data-actualsrc", "data-url")
_MAX_UNWRAP = 3


def host_of(url: str | None) -> str:
    """Lower-case host of ``url``, or "" when there is none (relative or unparsable)."""
    if not url:
        return ""
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def clean_url(url: str, base: str | None, rules: ActiveRules) -> str:
    """``url`` resolved against ``base``, unwrapped, rewritten and without tracking."""
    url = url.translate(_TAB_NEWLINE).strip(_C0_SPACE)  # what a browser ignores
    if url.startswith("//") and not base:
        url = "https:" + url
    elif not url.startswith(("https://", "http://")):  # absolute URLs are kept byte for byte
        url = resolve(base, url) or url
    for _ in range(_MAX_UNWRAP):
        target = _unwrap(url, rules)
        if target is None:
            break
        url = target
    for pattern, replacement in rules.rewrite:
        url = pattern.sub(replacement, url)
    if "?" not in url:
        return url
    try:
        return strip_tracking(url)
    except ValueError:
        return url


def _unwrap(url: str, rules: ActiveRules) -> str | None:
    if not rules.unwrap or "?" not in url:
        return None
    bare, _, query = url.partition("#")[0].partition("?")
    for rule in rules.unwrap:
        if rule.pattern.search(bare):
            for name, value in parse_qsl(query):
                if name == rule.param and value.strip():
                    return resolve(url, value.strip())
    return None


def image_source(attrib: dict[str, str]) -> str | None:
    """The real image URL, looking past lazy-loading placeholders."""
    src = attrib.get("src", "").strip()
    if not src or src.startswith("data:"):
        for name in _LAZY_SRC:
            lazy = attrib.get(name, "").strip()
            if lazy and not lazy.startswith("data:"):
                return lazy
    return src or None


def is_tracking_image(src: str, attrib: dict[str, str], rules: ActiveRules) -> bool:
    """1x1 (or 0x0) images, and images from known beacon hosts, carry no content."""
    width, height = attrib.get("width", "").strip(), attrib.get("height", "").strip()
    if width in ("0", "1", "0px", "1px") and height in ("0", "1", "0px", "1px"):
        return True
    return rules.drop_images is not None and rules.drop_images.search(src) is not None
