"""Dates as feeds write them, including the corpus's odd forms."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedvault.parse.dates import parse_date

CHINA = 8 * 3600


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


CASES = [
    # RFC 822 / 2822, numeric zones and names
    ("Sun, 18 Oct 2020 14:33:00 +0800", 0, utc(2020, 10, 18, 6, 33)),
    ("Sat, 17 Oct 2020 09:05:12 GMT", 0, utc(2020, 10, 17, 9, 5, 12)),
    ("Wed, 17 Jan 2018 15:50:00 EST", 0, utc(2018, 1, 17, 20, 50)),
    ("Wed, 17 Jan 2018 15:50:00 EDT", 0, utc(2018, 1, 17, 19, 50)),
    ("Thu, 30 Jul 2020 10:00:00 HKT", 0, utc(2020, 7, 30, 2, 0)),
    ("Thu, 30 Jul 2020 10:00:00 UT", 0, utc(2020, 7, 30, 10, 0)),
    ("Thu, 30 Jul 2020 10:00:00 -0430", 0, utc(2020, 7, 30, 14, 30)),
    ("Thu, 30 Jul 2020 10:00:00 +05:30", 0, utc(2020, 7, 30, 4, 30)),
    ("30 Jul 20 10:00 PST", 0, utc(2020, 7, 30, 18, 0)),
    ("Thu, 1 Jan 1998 00:00:00 GMT (comment)", 0, utc(1998, 1, 1)),
    ("Thursday, 30 July 2020 10:00:00 GMT", 0, utc(2020, 7, 30, 10, 0)),
    ("Thu, 30 Jul 2020", 0, utc(2020, 7, 30)),
    ("Thu, 30 Jul 2020 10:00:00", CHINA, utc(2020, 7, 30, 2, 0)),  # no zone: feed's default
    # ISO 8601 / W3CDTF / RFC 3339
    ("2020-10-18T14:33:00Z", 0, utc(2020, 10, 18, 14, 33)),
    ("2020-10-18T14:33:00.123+08:00", 0, utc(2020, 10, 18, 6, 33, 0, 123000)),
    ("2020-10-18T14:33:00-04:00", 0, utc(2020, 10, 18, 18, 33)),
    ("2020-10-18t14:33:00z", 0, utc(2020, 10, 18, 14, 33)),
    ("2020-10-18", 0, utc(2020, 10, 18)),
    ("2020-10", 0, utc(2020, 10, 1)),
    ("2020", 0, utc(2020, 1, 1)),
    ("20201018T143300Z", 0, utc(2020, 10, 18, 14, 33)),
    ("2020-01-10T14:33", CHINA, utc(2020, 1, 10, 6, 33)),  # JSON Feed sample without zone
    # corpus oddities
    ("2020/1/10 14:33:00", CHINA, utc(2020, 1, 10, 6, 33)),  # kc0011 (GB2312 forum)
    ("2020-01-10 14:33", 0, utc(2020, 1, 10, 14, 33)),
    ("2020年1月10日 14:33", CHINA, utc(2020, 1, 10, 6, 33)),
    ("2020年01月10日", CHINA, utc(2020, 1, 9, 16, 0)),
    ("Jan 10, 2020 2:33 PM", 0, utc(2020, 1, 10, 14, 33)),
    ("Fri Jan 10 14:33:00 2020", 0, utc(2020, 1, 10, 14, 33)),  # asctime
    ("Fri, 10 Jan 2020 24:00:00 GMT", 0, utc(2020, 1, 11)),
]


@pytest.mark.parametrize(("text", "offset", "expected"), CASES, ids=[c[0] for c in CASES])
def test_parse_date(text: str, offset: int, expected: datetime) -> None:
    parsed = parse_date(text, naive_offset=offset, china=offset == CHINA)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is UTC


def test_cst_is_china_only_in_chinese_feeds() -> None:
    text = "Thu, 30 Jul 2020 10:00:00 CST"
    assert parse_date(text) == utc(2020, 7, 30, 16, 0)  # US Central, as RFC 822 says
    assert parse_date(text, naive_offset=CHINA, china=True) == utc(2020, 7, 30, 2, 0)


@pytest.mark.parametrize(
    "text",
    ["", "   ", None, "yesterday", "Thu, 32 Jul 2020 10:00:00 GMT", "2020-13-01",
     "Thu, 30 Foo 2020 10:00:00 GMT", "Thu, 30 Jul 2020 10:00:00 XYZT", "2020-02-30",
     "99999-01-01", "\x00\x01", "Thu, 30 Jul 2020 99:00:00 GMT"],
)
def test_unreadable_dates_are_none(text: str | None) -> None:
    assert parse_date(text) is None


KST = 9 * 3600
# The families other readers' date tests cover (issue #15), each to the right UTC instant.
FAMILIES = [
    # zones: seasonal US abbreviations follow daylight saving time; IANA names via zoneinfo
    ("Wed, 02 Oct 2002 08:00:00 PT", utc(2002, 10, 2, 15, 0)),
    ("Mon, 02 Jan 2023 08:00:00 PT", utc(2023, 1, 2, 16, 0)),
    ("Wed, 02 Oct 2002 08:00:00 ET", utc(2002, 10, 2, 12, 0)),
    ("Wed, 02 Oct 2002 08:00:00 America/Los_Angeles", utc(2002, 10, 2, 15, 0)),
    ("Thu, 25 Feb 2016 00:00:00 Europe/Brussels", utc(2016, 2, 24, 23, 0)),
    ("Wed, 02 Oct 2002 08:00:00 Etc/GMT", utc(2002, 10, 2, 8, 0)),
    ("Thu, 29 Oct 2020 07:36:03 GMT-07:00", utc(2020, 10, 29, 14, 36, 3)),
    ("2020-11-08T16:20:00-05:00Z", utc(2020, 11, 8, 21, 20)),
    # asctime and Twitter: the zone before the year
    ("Sun Jul 15 01:16:00 +0000 2012", utc(2012, 7, 15, 1, 16)),
    ("Sun Jan  4 16:29:06 PST 2004", utc(2004, 1, 5, 0, 29, 6)),
    ("Thu Nov 12 2020 17:00:00 GMT+0000 (Coordinated Universal Time)", utc(2020, 11, 12, 17)),
    # month and weekday names in other languages
    ("Di, 23 Jan 2018 00:00:00 +0100", utc(2018, 1, 22, 23)),
    ("Do, 29 Mär 2018 00:00:00 +0200", utc(2018, 3, 28, 22)),
    ("mer, 9 avr 2018 00:00:00 +0200", utc(2018, 4, 8, 22)),
    ("ven., 03 juil. 2020 15:09:58 +0000", utc(2020, 7, 3, 15, 9, 58)),
    ("mar., 01 déc. 2020 16:11:02 +0000", utc(2020, 12, 1, 16, 11, 2)),
    ("Lundi, 16. Novembre 2020 - 15:54", utc(2020, 11, 16, 15, 54)),
    ("mié, 14 oct 2020 10:00:00 +0200", utc(2020, 10, 14, 8)),
    ("sáb, 10 ago 2019 10:00:00 GMT", utc(2019, 8, 10, 10)),
    ("gio, 10 set 2020 10:00:00 +0200", utc(2020, 9, 10, 8)),
    ("ter, 13 out 2020 10:00:00 -0300", utc(2020, 10, 13, 13)),
    ("Κυρ, 11 Ιούλ 2004 12:00:00 EST", utc(2004, 7, 11, 17)),
    ("2004-július-13T9:15-05:00", utc(2004, 7, 13, 14, 15)),
    # Korean, Japanese, Chinese, full-width digits
    ("2004-05-25 오후 11:23:17", utc(2004, 5, 25, 14, 23, 17)),
    ("2004년 05월 28일  01:31:15", utc(2004, 5, 27, 16, 31, 15)),
    ("２０２４年２月３日 １０:３４", utc(2024, 2, 3, 10, 34)),
    ("2024年2月3日 下午 2时05分", utc(2024, 2, 3, 14, 5)),
    # US forms
    ("Nov. 16, 2020, 10:57 a.m.", utc(2020, 11, 16, 10, 57)),
    ("Jan. 4, 2016, 12:37 p.m.", utc(2016, 1, 4, 12, 37)),
    ("09/15/2014 4:20 pm PST", utc(2014, 9, 16, 0, 20)),
    ("Mon, 03/30/2020 - 19:19", utc(2020, 3, 30, 19, 19)),
    ("Fri, 26/06/2020", utc(2020, 6, 26)),
    ("15.09.2014 14:20", utc(2014, 9, 15, 14, 20)),
    ("Friday, December 22, 2017 - 3:09pm", utc(2017, 12, 22, 15, 9)),
    ("Mon, November 16, 2020, 11:12 PM EST", utc(2020, 11, 17, 4, 12)),
    ("Mon, 16th Nov 2020 13:16:28 GMT", utc(2020, 11, 16, 13, 16, 28)),
    ("5 August, 2019", utc(2019, 8, 5)),
    ("Thurs, 15 Oct 2020 00:00:39 +0000", utc(2020, 10, 15, 0, 0, 39)),
    # Unix times, ISO ordinal and week dates, MSSQL and perforce
    ("1520932969", utc(2018, 3, 13, 9, 22, 49)),
    ("1520932969123", utc(2018, 3, 13, 9, 22, 49, 123000)),
    ("03335", utc(2003, 12, 1)),
    ("2003-335", utc(2003, 12, 1)),
    ("2003335", utc(2003, 12, 1)),
    ("2009-W01-1", utc(2008, 12, 29)),
    ("2009W011", utc(2008, 12, 29)),
    ("2004-W53-6T10:00Z", utc(2005, 1, 1, 10)),
    ("2004-07-08 23:56:58.0", utc(2004, 7, 8, 23, 56, 58)),
    ("2004-07-08 23:56:58.7 +0900", utc(2004, 7, 8, 14, 56, 58)),
    ("Fri, 2006/09/15 08:19:53 EDT", utc(2006, 9, 15, 12, 19, 53)),
]
# Not sure, so no date: never a wrong one.
UNSURE = [
    "2013-01-27-01",  # an hour? a zone?
    "03/04/2020",  # March 4th or April 3rd
    "Nov. 2020",  # no day
    "Sat, 11 04 2020 08:51:49 +0100",
    "13:00 PM",
    "Sun, 31 Dec 9999 23:59:59 -9999",
    "31 Feb 2020",
    "Wed, 02 Oct 2002 08:00:00 XYZ",  # an unknown zone
    "Wed, 02 Oct 2002 08:00:00 Mars/Olympus",
    "Foo, 02 Bar 2002",
    "2003-367",
]


@pytest.mark.parametrize(("text", "expected"), FAMILIES, ids=[c[0] for c in FAMILIES])
def test_date_families(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", UNSURE)
def test_a_date_not_sure_of_is_no_date(text: str) -> None:
    assert parse_date(text) is None
