"""Feed dates -> aware UTC datetimes.

Written by hand because feeds use far more forms than ``email.utils`` or
``datetime.fromisoformat`` accept (zone names such as HKT, ``2020/1/10 14:33:00``,
``2020年1月10日``) and dateutil is not a dependency. The common forms (RFC 822 with a
numeric zone or GMT, RFC 3339) take one regex match or one C call.

Choices:
- A time without a zone is read in ``naive_offset`` (the caller passes UTC+8 for feeds whose
  language is Chinese, UTC otherwise): the news sites in question write local time.
- ``CST`` is US Central (-06:00) as RFC 822 says, except in Chinese feeds (``china=True``),
  where it is China Standard Time (+08:00). ``IST`` is India (+05:30).
- Two-digit years: 00-49 -> 20xx, 50-99 -> 19xx (RFC 2822).
- Anything unreadable or out of range gives None, never an exception.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_H = 3600
ZONES: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": _H, "IST": 5 * _H + 1800,
    "EST": -5 * _H, "EDT": -4 * _H, "CST": -6 * _H, "CDT": -5 * _H,
    "MST": -7 * _H, "MDT": -6 * _H, "PST": -8 * _H, "PDT": -7 * _H,
    "AKST": -9 * _H, "AKDT": -8 * _H, "HST": -10 * _H, "AST": -4 * _H, "ADT": -3 * _H,
    "NST": -3 * _H - 1800, "NDT": -2 * _H - 1800,
    "CET": _H, "CEST": 2 * _H, "MET": _H, "MEST": 2 * _H, "EET": 2 * _H, "EEST": 3 * _H,
    "MSK": 3 * _H, "HKT": 8 * _H, "SGT": 8 * _H, "MYT": 8 * _H, "PHT": 8 * _H,
    "AWST": 8 * _H, "CCT": 8 * _H, "JST": 9 * _H, "KST": 9 * _H, "WIB": 7 * _H, "ICT": 7 * _H,
    "ACST": 9 * _H + 1800, "AEST": 10 * _H, "AEDT": 11 * _H, "NZST": 12 * _H, "NZDT": 13 * _H,
}
_CHINA = 8 * _H
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}

_ZONE = r"(?P<zone>[A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{1,2}(?::?\d{2})?)?"
_TIME = (
    r"(?:[\sT,]+(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<ampm>[AaPp][Mm])?)?"
)
# "Sun, 10 Jan 2020 14:33:00 +0800", "10-Jan-20 14:33 EST", "Sunday, 10 January 2020"
_RFC822 = re.compile(
    r"\s*(?:[A-Za-z]{2,9}\.?,?\s*)?(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s\-/]+(?P<mon>[A-Za-z]{3,9})\.?,?"
    r"[\s\-/]+(?P<y>\d{4}|\d{2})" + _TIME + r"\s*" + _ZONE + r"\s*(?:\(.*\))?\s*$"
)
# "Sun Jan 10 2020 14:33:00 GMT+0800", "January 10, 2020 14:33", asctime "Sun Jan 10 14:33:00 2020"
_MDY = re.compile(
    r"\s*(?:[A-Za-z]{2,9}\.?,?\s+)?(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?"
    r"(?:\s+(?P<y>\d{4}))?" + _TIME + r"(?:\s+(?P<y2>\d{4}))?\s*" + _ZONE + r"\s*(?:\(.*\))?\s*$"
)
# "2020-01-10", "2020/1/10 14:33:00", "2020.01.10 14:33 +0800", "20200110T143300Z"
_YMD = re.compile(
    r"\s*(?P<y>\d{4})(?:(?P<sep>[-/.]?)(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2}))?)?"
    + _TIME.replace("[:.]", ":?") + r"\s*" + _ZONE + r"\s*$"
)
# "2020年1月10日 14:33", "2020年01月10日 14时33分"
_CJK = re.compile(
    r"\s*(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"
    r"(?:\s*(?P<h>\d{1,2})\s*[:：时時点點]\s*(?P<mi>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<s>\d{1,2}))?)?\s*[分秒]?\s*$"
)


def parse_date(value: str | None, *, naive_offset: int = 0, china: bool = False) -> datetime | None:
    """``value`` as an aware UTC datetime, or None when it cannot be read.

    ``naive_offset`` (seconds east of UTC) applies to times without a zone; ``china`` makes
    ``CST`` mean China Standard Time.
    """
    if not value:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return _parse(text, naive_offset, china)
    except (ValueError, OverflowError):
        return None


def _parse(text: str, naive_offset: int, china: bool) -> datetime | None:
    first = text[0]
    if first.isdigit() and len(text) >= 10 and text[4] == "-":
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=timezone(timedelta(seconds=naive_offset)))
            return parsed.astimezone(UTC)
    for pattern in (_RFC822, _YMD, _MDY, _CJK):
        match = pattern.match(text)
        if match:
            return _build(match.groupdict(), naive_offset, china)
    return None


def _build(g: dict[str, str | None], naive_offset: int, china: bool) -> datetime | None:
    year_text = g.get("y") or g.get("y2")
    if year_text is None:
        return None
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if year < 50 else 1900
    mon_name = g.get("mon")
    if mon_name is not None:
        month = MONTHS.get(mon_name[:3].lower())
        if month is None:
            return None
    else:
        month = int(g.get("m") or 1)
    day = int(g.get("d") or 1)
    hour, minute, second = int(g.get("h") or 0), int(g.get("mi") or 0), int(g.get("s") or 0)
    ampm = g.get("ampm")
    if ampm and hour <= 12:
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    offset = _offset(g.get("zone"), naive_offset, china)
    if offset is None:
        return None
    extra = timedelta(0)
    if hour == 24 and minute == 0 and second == 0:
        hour, extra = 0, timedelta(days=1)
    if second == 60:
        second, extra = 59, timedelta(seconds=1)
    local = datetime(year, month, day, hour, minute, second, tzinfo=UTC) + extra
    return local - timedelta(seconds=offset)


def _offset(zone: str | None, naive_offset: int, china: bool) -> int | None:
    """Seconds east of UTC for a zone token; None for a name we do not know."""
    if not zone:
        return naive_offset
    sign_at = max(zone.find("+"), zone.find("-"))
    name, numeric = (zone[:sign_at], zone[sign_at:]) if sign_at >= 0 else (zone, "")
    base = 0
    if name:
        upper = name.upper()
        if upper == "CST" and china:
            base = _CHINA
        elif upper in ZONES:
            base = ZONES[upper]
        elif len(upper) == 1:
            return naive_offset  # military letters are used inconsistently: ignore them
        else:
            return None
    if not numeric:
        return base
    sign = -1 if numeric[0] == "-" else 1
    digits = numeric[1:].replace(":", "")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 14 or minutes > 59:
        return None
    return base + sign * (hours * _H + minutes * 60)
