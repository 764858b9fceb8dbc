"""Which encoding downloaded bytes are in, when the labels may lie.

Chinese feeds are often labelled gb2312 while sent as UTF-8, or labelled UTF-8 (or nothing)
while sent as GBK. Byte order marks are reliable; valid multi-byte UTF-8 is so unlikely by
accident that it beats any label; then the HTTP header, then the XML/HTML declaration; and
GB18030 (a superset of GB2312 and GBK) as the fallback before giving up with replacements.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels that in practice mean a bigger encoding (as WHATWG's encoding standard maps them).
_WIDER = {
    "gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "euc_cn": "gb18030",
    "hz": "gb18030", "latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252",
}
_SERVER_DEFAULTS = frozenset({"cp1252"})
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
_DECLARED = re.compile(
    rb"""<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)|<meta[^>]+?charset\s*=\s*["']?([\w.:-]+)""",
    re.I,
)


def bom_encoding(content: bytes) -> str | None:
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name
    return None


def label_encodings(content: bytes, content_type: str | None) -> list[str]:
    """What the HTTP header and the document claim, normalised, most trusted first.

    The header outranks the document's own declaration, except when it names a Western
    single-byte charset: that is usually a web server's default, not the publisher's choice.
    """
    match = _HEADER_CHARSET.search(content_type or "")
    header = _normalise(match.group(1) if match else None)
    declared_match = _DECLARED.search(content[:2048])
    declared = None
    if declared_match:
        raw = declared_match.group(1) or declared_match.group(2)
        declared = _normalise(raw.decode("ascii"))
    order = [declared, header] if header in _SERVER_DEFAULTS else [header, declared]
    return [name for name in dict.fromkeys(order) if name]


def _normalise(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None
    return _WIDER.get(name, name)


def detect_encoding(content: bytes, content_type: str | None = None) -> str:
    """The encoding to decode ``content`` with; always a name ``codecs`` knows."""
    bom = bom_encoding(content)
    if bom:
        return bom
    if _decodes(content, "utf-8"):
        return "utf-8"
    labels = label_encodings(content, content_type)
    for label in labels:
        if label not in ("utf_8", "utf_16", "utf_32") and _decodes(content, label):
            return label
    if _decodes(content, "gb18030"):
        return "gb18030"
    return labels[0] if labels else "utf-8"


def decode_text(content: bytes, content_type: str | None = None) -> str:
    """``content`` as text; undecodable bytes become U+FFFD rather than an exception."""
    encoding = detect_encoding(content, content_type)
    if encoding == "utf-8" and content.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    text = content.decode(encoding, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _decodes(content: bytes, encoding: str) -> bool:
    try:
        content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
