"""Times are stored as integer milliseconds since the epoch, UTC; in Python they are aware.

Integer arithmetic on timedeltas, not float timestamps, so that a millisecond read from an
archive file comes back out as the same millisecond.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - EPOCH) // _MS


def from_ms(value: int) -> datetime:
    return EPOCH + timedelta(milliseconds=value)


def now_utc() -> datetime:
    return datetime.now(tz=UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, second precision (what --json prints)."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
