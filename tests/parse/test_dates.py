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
