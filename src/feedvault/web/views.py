"""Shaping stored values for pages and JSON: dates, day groups, charts, API objects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from feedvault.models import Entry

CHART_DAYS = 30


def fmt_dt(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def day_groups(entries: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """Consecutive entries grouped under their UTC publication day (input is newest first)."""
    groups: list[tuple[str, list[Entry]]] = []
    for entry in entries:
        day = entry.published.astimezone(UTC).strftime("%Y-%m-%d")
        if not groups or groups[-1][0] != day:
            groups.append((day, []))
        groups[-1][1].append(entry)
    return groups


@dataclass(frozen=True, slots=True)
class Bar:
    x: int
    y: int
    height: int
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    bars: list[Bar]
    start: str
    end: str
    total: int


def chart_bars(counts: list[tuple[str, int]], days: int = CHART_DAYS,
               today: date | None = None, height: int = 24) -> Chart:
    """One bar per day for the last ``days`` days (gaps filled), scaled to ``height``."""
    by_day = dict(counts)
    end = today or datetime.now(tz=UTC).date()
    series = [(d, by_day.get(d.isoformat(), 0))
              for d in (end - timedelta(days=days - 1 - i) for i in range(days))]
    top = max((n for _, n in series), default=0) or 1
    bars = []
    for i, (day, n) in enumerate(series):
        h = round(n * height / top) if n else 0
        bars.append(Bar(i * 4, height - h, h, f"{day.isoformat()}: {n}"))
    return Chart(bars, series[0][0].isoformat(), end.isoformat(), sum(n for _, n in series))


MAX_PAGE = 100_000
MAX_ID = 2**63 - 1  # SQLite's (and PostgreSQL's bigint) largest integer
_DIGITS = re.compile(r"[0-9]{1,19}")


class BadParam(ValueError):
    """A number in the URL or a form that is not one, or out of range: a 400, not a 500."""


def int_param(value: str | None, name: str, *, default: int, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``; missing or empty gives ``default``.

    Only ASCII digits (``int`` also takes "٣", "1_000" and " 7 "), and at most 19 of them,
    so nothing too large for the database ever reaches it."""
    if value is None or value == "":
        return default
    if not _DIGITS.fullmatch(value) or not low <= int(value) <= high:
        raise BadParam(f"{name}: wants a whole number from {low} to {high}, not {value[:40]!r}")
    return int(value)


def page_number(value: str | None) -> int:
    return int_param(value, "page", default=1, low=1, high=MAX_PAGE)


def path_id(value: object) -> int:
    """An id from the path (Starlette's ``int`` convertor takes any run of digits): ids the
    database cannot hold are simply not there."""
    from feedvault.errors import EntryNotFound

    if not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise EntryNotFound(str(value)[:40])
    return value
