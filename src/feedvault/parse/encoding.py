"""Which encoding a feed's bytes are in, and the bytes as UTF-8 for lxml.

We decide the encoding ourselves (instead of letting libxml2 do it) so that the rules are
ours and testable: a byte-order mark wins (it cannot be wrong), then the HTTP charset (it
overrides the XML declaration, RFC 7303 and feedparser's http_* cases), then the XML
declaration, then UTF-8. GB2312/GBK are always read as GB18030, their superset, because
real "gb2312" feeds use GBK characters. UTF-8 input is validated and handed to lxml as
is; anything else is decoded once with Python's codecs and re-encoded as UTF-8.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16le"),
    (codecs.BOM_UTF16_BE, "utf-16be"),
)
# XML 1.0 appendix F: the first bytes of "<?" tell the width and order without a BOM.
_SNIFF = (
    (b"\x00\x00\x00<", "utf-32be"),
    (b"<\x00\x00\x00", "utf-32le"),
    (b"\x00<\x00", "utf-16be"),
    (b"<\x00", "utf-16le"),
)
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030",
    "gb_2312-80": "gb18030", "euc-cn": "gb18030", "csgb2312": "gb18030", "936": "gb18030",
    "ms936": "gb18030", "windows-936": "gb18030", "big5": "big5", "x-big5": "big5",
    "big5-hkscs": "big5hkscs", "ascii": "us-ascii", "unicode": "utf-16", "utf8": "utf-8",
}
# Labels whose bytes are read as Windows-1252, as browsers do (WHATWG Encoding): feeds that
# say ISO-8859-1 use its curly quotes in 0x80-0x9F.
_CODEC = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "l1": "cp1252",
          "iso8859-1": "cp1252", "iso_8859-1": "cp1252"}
_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';,\s]+)""", re.IGNORECASE)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@dataclass(frozen=True, slots=True)
class Decoded:
    data: bytes  # UTF-8 without a BOM, for lxml and json
    encoding: str  # what the input was read as, e.g. "utf-8", "gb18030", "utf-16le"
    warnings: tuple[str, ...]


def normalise(label: str | None) -> str | None:
    """A codec name Python knows for ``label``, or None when the label is unusable."""
    if not label:
        return None
    lowered = label.strip().strip("\"'").lower()
    lowered = _ALIASES.get(lowered, lowered)
    try:
        codecs.lookup(lowered)
    except LookupError:
        return None
    return lowered


def http_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, as given (possibly invalid)."""
    if not content_type:
        return None
    match = _CHARSET.search(content_type)
    return match.group(1) if match else None


def decode(data: bytes, content_type: str | None = None) -> Decoded:
    """``data`` re-encoded as UTF-8, with the encoding it was read as."""
    warnings: list[str] = []
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _convert(data[len(bom):], name, warnings)
    sniffed = next((name for prefix, name in _SNIFF if data.startswith(prefix)), None)
    label = http_charset(content_type)
    chosen = normalise(label)
    if label and chosen is None:
        warnings.append(f"unknown charset {label!r} in Content-Type")
    if chosen is None:
        head = data[:400].decode(sniffed, "replace").encode("ascii", "replace") if sniffed else data
        match = _DECL.match(head)
        if match:
            declared = match.group(1).decode("ascii")
            chosen = normalise(declared)
            if chosen is None:
                warnings.append(f"unknown encoding {declared!r} in XML declaration")
    if sniffed and (chosen is None or chosen.startswith("utf-16") or chosen.startswith("utf-32")):
        chosen = sniffed
    if chosen in ("utf-16", "utf-32"):  # declared without order and no BOM: little end first
        chosen += "le"
    return _convert(data, chosen or "utf-8", warnings, declared=chosen is not None)


def _convert(data: bytes, encoding: str, warnings: list[str], declared: bool = True) -> Decoded:
    if encoding in ("utf-8", "us-ascii"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError as error:
            return _fallback(data, encoding, warnings, error, declared)
        return Decoded(data, encoding, tuple(warnings))
    try:
        text = data.decode(_CODEC.get(encoding, encoding))
    except UnicodeDecodeError as error:
        if encoding in _CODEC:  # the five bytes Windows-1252 leaves undefined
            text = data.decode(encoding)
        else:
            return _fallback(data, encoding, warnings, error, declared)
    return Decoded(text.encode("utf-8"), encoding, tuple(warnings))


def _fallback(
    data: bytes, encoding: str, warnings: list[str], error: UnicodeDecodeError, declared: bool
) -> Decoded:
    """The bytes are not in ``encoding``: try UTF-8, then GB18030 for Chinese text, then
    ``encoding`` (or Windows-1252 when nothing was declared) with replacement characters."""
    warnings.append(f"bytes are not {encoding}: {error.reason} at byte {error.start}")
    candidates = [c for c in ("utf-8", "gb18030") if c != encoding]
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        if candidate == "gb18030" and not _mostly_cjk(text):
            continue
        warnings.append(f"read as {candidate} instead")
        return Decoded(text.encode("utf-8"), candidate, tuple(warnings))
    last = encoding if declared and encoding != "us-ascii" else "windows-1252"
    text = data.decode(last, "replace")
    warnings.append(f"read as {last} with replacement characters")
    return Decoded(text.encode("utf-8"), last, tuple(warnings))


def _mostly_cjk(text: str) -> bool:
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return non_ascii > 0 and len(_CJK.findall(text)) * 2 > non_ascii
