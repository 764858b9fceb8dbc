"""Repair the common faults of a feed that is not well formed, so it parses as written.

libxml2's recover mode is no answer to a bare ``&``: after ``Q&A`` it drops every later
``&amp;``, ``&lt;`` and ``&gt;`` of the document, so one title corrupts the HTML, links and
keys of every item after it. Instead, before parsing again, each fault is mended where it
is, and nothing else is touched:

- a bare ``&`` (not the start of a reference) becomes ``&amp;``;
- an HTML-only named reference (``&nbsp;``, ``&hellip;``) becomes the numeric one XML
  knows; an unknown name (``&foo;``) is kept as the text ``&foo;``;
- a numeric reference to a character XML cannot carry becomes U+FFFD (surrogates, beyond
  U+10FFFF) or nothing (C0 controls, U+FFFE/FFFF), as browsers do; ``&#X41;`` (HTML's
  uppercase X) becomes ``&#x41;``;
- a ``<`` that cannot start markup (``a < b``) becomes ``&lt;``;
- a raw C0 control character (XML 1.0 allows none but tab and line ends) is dropped.

CDATA sections, comments and processing instructions are copied unchanged: their ``&`` and
``<`` are already literal. Named references are left alone in a document that declares its
own entities (``<!ENTITY``): the parser knows them. Written by hand because no library
mends XML at this grain (docs/decisions.md): an HTML parser would also rewrite the
document's structure.
"""

from __future__ import annotations

import re
from html.entities import html5

_FAULTS = re.compile(
    rb"(<!\[CDATA\[.*?\]\]>|<!--.*?-->|<\?.*?\?>)"  # 1: literal sections, kept
    rb"|&([A-Za-z_][A-Za-z0-9_.-]*);"  # 2: a named reference
    rb"|&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));"  # 3, 4: a numeric reference
    rb"|(&)"  # 5: a bare ampersand
    rb"|(<)(?![A-Za-z_:/!?\x80-\xff])"  # 6: a '<' that starts no markup
    rb"|([\x00-\x08\x0b\x0c\x0e-\x1f])",  # 7: a control character
    re.S,
)
_XML_NAMES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})


def repair_markup(data: bytes) -> bytes:
    """``data`` (UTF-8 XML) with the faults above mended; well-formed parts unchanged."""
    declares_entities = b"<!ENTITY" in data

    def mend(match: re.Match[bytes]) -> bytes:
        kept, name, hex_digits, decimal, amp, lt, _control = match.groups()
        if kept is not None:
            return kept
        if name is not None:
            if name in _XML_NAMES or declares_entities:
                return match.group()
            return _named(name)
        if hex_digits is not None or decimal is not None:
            value = int(hex_digits, 16) if hex_digits else int(decimal)
            return _numeric(value, match.group())
        if amp is not None:
            return b"&amp;"
        if lt is not None:
            return b"&lt;"
        return b""

    return _FAULTS.sub(mend, data)


def _named(name: bytes) -> bytes:
    text = html5.get(name.decode("ascii") + ";")
    if text is None:
        return b"&amp;" + name + b";"
    return b"".join(b"&#%d;" % ord(ch) for ch in text)


def _numeric(value: int, reference: bytes) -> bytes:
    if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
        return b"&#xFFFD;"
    if (value < 0x20 and value not in (0x9, 0xA, 0xD)) or value in (0xFFFE, 0xFFFF):
        return b""
    if reference[2:3] == b"X":  # HTML allows &#X41;, XML only the lowercase x
        return b"&#x" + reference[3:]
    return reference
