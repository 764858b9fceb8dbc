"""Feed dates -> aware UTC datetimes, or None: a date we are not sure of is no date.

Written by hand because feeds use far more forms than ``email.utils`` or
``datetime.fromisoformat`` accept, and a general date guesser (dateparser, dateutil's
fuzzy parser) reads what it is not sure of, which in an archive would misplace an article
forever. The common forms (RFC 3339 / W3C-DTF, RFC 822 with a numeric zone or GMT) take
one C call or one regex match; the rest are tried only after those fail.

What is read: RFC 822/2822/5322 and its variants (any weekday word, ordinal days, two-digit
years, ``Nov. 16, 2020, 10:57 a.m.``); month names in English, French, German, Spanish,
Italian, Portuguese, Dutch, Polish, Greek, Hungarian, Turkish, Finnish (parse/datewords.py);
asctime and the Twitter form (zone before the year); ISO 8601 with ordinal days
(``2003-335``, ``03335``) and weeks (``2009-W01-1``); ``2024年2月3日 10:34`` with full-width
digits, Korean ``2004년 05월 28일`` and ``오후``/``午後`` (PM) markers; ``09/15/2014 4:20 pm
PST`` when the day is certain (one number > 12; dotted ``15.09.2014`` is always day first);
Unix timestamps (9-10 digits: seconds, 12-13: milliseconds); perforce and MSSQL forms.

Choices:
- A time without a zone is read in ``naive_offset`` (the caller passes UTC+8 for feeds whose
  language is Chinese, UTC otherwise): the news sites in question write local time. Korean
  and Japanese forms without a zone are read in UTC+9.
- ``CST`` is US Central (-06:00) as RFC 822 says, except in Chinese feeds (``china=True``),
  where it is China Standard Time (+08:00). ``IST`` is India (+05:30). ``PT``, ``ET``,
  ``CT``, ``MT``, ``AT`` follow daylight saving time of that date; IANA names
  (``Europe/Brussels``, ``Etc/GMT+5``) are read through zoneinfo.
- Never a wrong date: an unknown zone name, a numeric zone after a date without a time
  (``2013-01-27-01``), an ambiguous ``03/04/2020``, a month or weekday word that is not one
  give None.
- Two-digit years: 00-49 -> 20xx, 50-99 -> 19xx (RFC 2822).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from feedvault.parse.datewords import CHINA, SEASONAL, ZONES, month_number, named_zone

_W = r"[^\W\d_]"  # a letter of any script
_ZONE = (
    r"(?P<zone>[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+"  # IANA: Europe/Brussels, Etc/GMT+5
    r"|[A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{1,2}(?::?\d{2})?)?"
)
_MARK = r"(?P<mark>오전|오후|午前|午後|上午|下午)?"  # AM/PM written before the time
_AMPM = r"(?P<ampm>[AaPp]\.?\s?[Mm]\.?(?!\w))?"
_TIME = (
    r"(?:(?:\s+[-–]\s+|\s*,\s*|[\sT]+)" + _MARK + r"\s*(?P<h>\d{1,2})[:.](?P<mi>\d{2})"
    r"(?:[:.](?P<s>\d{2})(?:[.,]\d+)?)?\s*" + _AMPM + r")?"
)
_TAIL = r"\s*" + _ZONE + r"\s*(?:\(.*\))?\s*$"
_WEEKDAY = r"(?:" + _W + r"{2,12}\.?,?\s*)?"

# "Sun, 10 Jan 2020 14:33:00 +0800", "10-Jan-20 14:33 EST", "mer, 9 avr 2018", "16. Novembre 2020"
_RFC822 = re.compile(
    r"\s*" + _WEEKDAY + r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\.?[\s\-/]+(?P<mon>" + _W
    + r"{3,12})\.?,?[\s\-/]+(?P<y>\d{4}|\d{2})" + _TIME + _TAIL
)
# "January 10, 2020 14:33", "Nov. 16, 2020, 10:57 a.m.", asctime "Sun Jan 10 14:33:00 2020",
# Twitter "Sun Jul 15 01:16:00 +0000 2012"
_MDY = re.compile(
    r"\s*(?:" + _W + r"{2,12}\.?,?\s+)?(?P<mon>" + _W + r"{3,12})\.?\s+(?P<d>\d{1,2})"
    r"(?:st|nd|rd|th)?,?(?:\s+(?P<y>\d{4}))?" + _TIME + r"(?:\s+(?P<y2>\d{4}))?\s*" + _ZONE
    + r"(?:\s+(?P<y3>\d{4}))?\s*(?:\(.*\))?\s*$"
)
# "2020-01-10", "2020/1/10 14:33:00", "Fri, 2006/09/15 08:19:53 EDT", "20200110T143300Z",
# "2004-05-25 오후 11:23:17"
_YMD = re.compile(
    r"\s*(?:" + _W + r"{2,12}\.?,\s*)?(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})"
    r"(?:(?P=sep)(?P<d>\d{1,2}))?|(?P<m2>\d{2})(?P<d2>\d{2}))?"
    + _TIME.replace("[:.]", ":?") + _TAIL
)
# Hungarian "2004-július-13T9:15-05:00"
_Y_MON_D = re.compile(
    r"\s*(?P<y>\d{4})-(?P<mon>" + _W + r"{3,12})\.?-(?P<d>\d{1,2})" + _TIME + _TAIL
)
# "09/15/2014 4:20 pm PST", "Fri, 26/06/2020", "15.09.2014 14:20"
_NUMERIC_DMY = re.compile(
    r"\s*" + _WEEKDAY + r"(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})"
    + _TIME + _TAIL
)
# "2020年1月10日 14:33", "2004년 05월 28일 01:31:15", "2020年01月10日 下午 2时33分"
_CJK = re.compile(
    r"\s*(?P<y>\d{4})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日号일]"
    r"(?:\s*[(（]\s*" + _W + r"{1,3}\s*[)）]|\s*(?:星期|周|週)" + _W + r")?"  # (月), 星期一
    r"(?:\s*" + _MARK + r"\s*(?P<h>\d{1,2})\s*[:：时時点點시]\s*(?P<mi>\d{1,2})"
    r"(?:\s*[:：分분]\s*(?P<s>\d{1,2}))?)?\s*[分秒분초]?\s*$"
)
# ISO 8601 ordinal and week dates: "2003-335", "2003335", "03335", "2009-W01-1T10:00Z"
_ORDINAL = re.compile(r"\s*(?P<y>\d{4}|\d{2})-?(?P<o>\d{3})" + _TIME + _TAIL)
_WEEK = re.compile(r"\s*(?P<y>\d{4})-?W(?P<w>\d{2})(?:-?(?P<wd>[1-7]))?" + _TIME + _TAIL)
_OFFSET_Z = re.compile(r"([+-]\d{2}:?\d{2})Z$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９：／－．", "0123456789:/-.")
_KST_JST = re.compile("년|오전|오후|午前|午後")
_PM = frozenset({"pm", "p.m.", "p.m", "pm.", "p m", "오후", "午後", "下午"})


def parse_date(value: str | None, *, naive_offset: int = 0, china: bool = False) -> datetime | None:
    """``value`` as an aware UTC datetime, or None when it cannot be read for sure.

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
    if (first.isdigit() and len(text) >= 10 and text[4] == "-" and text[7:8] == "-"
            and text[10:11] in ("", "T", "t", " ")):  # fromisoformat reads "-01" as an hour
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=_fixed(naive_offset))
            return parsed.astimezone(UTC)
    match = _RFC822.match(text)
    if match:
        return _build(match.groupdict(), naive_offset, china)
    if not text.isascii():
        text = text.translate(_FULLWIDTH)
        if _KST_JST.search(text):
            naive_offset = 9 * 3600  # Korean and Japanese sites write their local time
    if text.isdigit():
        return _digits_only(text)
    if text.endswith("Z"):
        text = _OFFSET_Z.sub(r"\1", text)
    for pattern in (_ORDINAL, _WEEK):
        match = pattern.match(text)
        if match:
            return _iso_calendar(match.groupdict(), naive_offset, china)
    for pattern in (_YMD, _MDY, _CJK, _Y_MON_D, _RFC822):
        match = pattern.match(text)
        if match:
            return _build(match.groupdict(), naive_offset, china)
    match = _NUMERIC_DMY.match(text)
    if match:
        return _day_first_or_not(match.groupdict(), naive_offset, china)
    return None


def _digits_only(text: str) -> datetime | None:
    """``20200110``, an ordinal ``2003335`` / ``03335``, or a Unix time in s or ms."""
    n = len(text)
    if n == 8:
        return _build({"y": text[:4], "m": text[4:6], "d": text[6:]}, 0, False)
    if n in (5, 7):
        return _iso_calendar({"y": text[: n - 3], "o": text[n - 3 :]}, 0, False)
    if n in (9, 10, 12, 13):
        seconds = int(text) / (1000 if n > 10 else 1)
        return datetime.fromtimestamp(seconds, UTC)
    if n == 4:
        return _build({"y": text}, 0, False)
    return None


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 50 else 1900
    return year


def _build(g: dict[str, str | None], naive_offset: int, china: bool) -> datetime | None:
    year_text = g.get("y") or g.get("y2") or g.get("y3")
    if year_text is None:
        return None
    mon_name = g.get("mon")
    if mon_name is not None:
        month = month_number(mon_name)
        if month is None:
            return None
    else:
        month = int(g.get("m") or g.get("m2") or 1)
    day = int(g.get("d") or g.get("d2") or 1)
    return _at(date(_year(year_text), month, day), g, naive_offset, china)


def _day_first_or_not(g: dict[str, str | None], naive_offset: int, china: bool) -> datetime | None:
    """``a/b/yyyy``: day first when ``a`` > 12 or written with dots, month first when ``b`` > 12;
    otherwise (``03/04/2020``) the order is a guess, and a guess is no date."""
    a, b = int(g["a"] or 0), int(g["b"] or 0)
    if g.get("sep") == "." or a > 12:
        day, month = a, b
    elif b > 12 or a == b:
        day, month = b, a
    else:
        return None
    return _at(date(int(g["y"] or 0), month, day), g, naive_offset, china)


def _iso_calendar(g: dict[str, str | None], naive_offset: int, china: bool) -> datetime | None:
    year = _year(g["y"] or "")
    if g.get("o") is not None:
        ordinal = int(g["o"] or 0)
        if not 1 <= ordinal <= (366 if _leap(year) else 365):
            return None
        day = date(year, 1, 1) + timedelta(days=ordinal - 1)
    else:
        day = date.fromisocalendar(year, int(g["w"] or 0), int(g.get("wd") or 1))
    return _at(day, g, naive_offset, china)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _at(day: date, g: dict[str, str | None], naive_offset: int, china: bool) -> datetime | None:
    """``day`` at the match's time in its zone, as UTC."""
    has_time = g.get("h") is not None
    hour, minute, second = int(g.get("h") or 0), int(g.get("mi") or 0), int(g.get("s") or 0)
    marker = g.get("ampm") or g.get("mark")
    if marker:
        if hour > 12 or hour == 0:
            return None  # "13:00 PM": which one is wrong?
        hour = hour % 12 + (12 if marker.lower().replace(" ", "") in _PM else 0)
    zone_text = g.get("zone")
    if zone_text and not has_time and zone_text[0] in "+-":
        return None  # "2013-01-27-01": an hour? a zone? not sure, so no date
    zone = _zone(zone_text, naive_offset, china)
    if zone is None:
        return None
    extra = timedelta(0)
    if hour == 24 and minute == 0 and second == 0:
        hour, extra = 0, timedelta(days=1)
    if second == 60:
        second, extra = 59, timedelta(seconds=1)
    local = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone)
    return (local + extra).astimezone(UTC) if extra else local.astimezone(UTC)


@lru_cache(maxsize=64)
def _fixed(seconds: int) -> timezone:
    return UTC if seconds == 0 else timezone(timedelta(seconds=seconds))


def _zone(zone: str | None, naive_offset: int, china: bool) -> tzinfo | None:
    """The time zone a zone token names; None for a name we do not know."""
    if not zone:
        return _fixed(naive_offset)
    if "/" in zone or zone.upper() in SEASONAL:
        return named_zone(zone)
    sign_at = max(zone.find("+"), zone.find("-"))
    name, numeric = (zone[:sign_at], zone[sign_at:]) if sign_at >= 0 else (zone, "")
    base = 0
    if name:
        upper = name.upper()
        if upper == "CST" and china:
            base = CHINA
        elif upper in ZONES:
            base = ZONES[upper]
        elif len(upper) == 1:
            return _fixed(naive_offset)  # military letters are used inconsistently
        else:
            return None
    if not numeric:
        return _fixed(base)
    sign = -1 if numeric[0] == "-" else 1
    digits = numeric[1:].replace(":", "")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 14 or minutes > 59:
        return None
    return _fixed(base + sign * (hours * 3600 + minutes * 60))
