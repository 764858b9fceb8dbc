"""Slugs: short, unique, readable names for feeds, used in URLs, paths and commands."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import urlsplit

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def slugify(text: str) -> str:
    """Lower-case words joined by '-'; Chinese and other letters are kept as they are."""
    return _NOT_WORD.sub("-", text.lower()).strip("-_")[:60].strip("-_")


def slug_from_source(source: str) -> str:
    """A slug guessed from a URL (host without www, first path word) or a file name."""
    if source.startswith(("http://", "https://")):
        parts = urlsplit(source)
        host = (parts.hostname or "feed").removeprefix("www.").removeprefix("feeds.")
        host_word = host.rsplit(".", 1)[0] if host.count(".") >= 1 else host
        words = [w for w in parts.path.split("/") if w and w.lower() not in _PATH_NOISE]
        first = PurePosixPath(words[0]).stem if words else ""
        return slugify(f"{host_word} {first}") or "feed"
    return slugify(PurePosixPath(source.replace("\\", "/")).stem) or "feed"


_PATH_NOISE = {"rss", "feed", "feeds", "atom", "rss.xml", "feed.xml", "atom.xml", "index.xml"}


def unique_slug(base: str, taken: Callable[[str], bool]) -> str:
    slug = base or "feed"
    n = 2
    while taken(slug):
        slug = f"{base}-{n}"
        n += 1
    return slug
