"""Which stored links may leave the vault: only absolute http(s) URLs.

Older vaults hold entry links straight from feeds, ``javascript:`` and ``data:`` among them,
and readers of our Atom, JSON and markdown may render them without any CSP. Every output
passes links through :func:`http_link`, which reads the scheme as a browser would (tabs and
newlines anywhere and C0 controls or spaces at the ends are ignored: ``java\\tscript:``).
"""

from __future__ import annotations

import re

_IGNORED_INSIDE = re.compile("[\t\n\r]")
_ENDS = "".join(chr(c) for c in range(0x21))  # C0 controls and the space
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
SAFE_SCHEMES = frozenset({"http", "https"})


def http_link(value: str | None) -> str | None:
    """``value`` as a browser would follow it if it is an absolute http(s) URL, else None."""
    if not value:
        return None
    text = _IGNORED_INSIDE.sub("", value).strip(_ENDS)
    found = _SCHEME.match(text)
    if found is None or found.group(1).lower() not in SAFE_SCHEMES:
        return None
    rest = text[found.end():]
    return text if rest.startswith("//") and len(rest) > 2 else None
