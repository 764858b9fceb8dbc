"""When to poll a feed next: learnt from how often it publishes, bounded, jittered.

Pure functions; the runner stores the result with the feed in the same transaction as its
entries. Errors back off exponentially; a server's Retry-After is honoured up to a cap.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(hours=24)
DEFAULT_INTERVAL = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(hours=24)
JITTER = 0.1


def learnt_interval(published: Sequence[datetime]) -> timedelta:
    """Half the median gap between recent publications, so a new item waits half a gap.

    Fewer than three dates teach nothing: the default applies.
    """
    times = sorted(published, reverse=True)
    if len(times) < 3:
        return DEFAULT_INTERVAL
    gaps = sorted(a - b for a, b in zip(times, times[1:], strict=False))
    median = gaps[len(gaps) // 2]
    return _clamp(median / 2)


def next_check(
    now: datetime,
    *,
    published: Sequence[datetime] = (),
    override_seconds: float | None = None,
    error_count: int = 0,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """The next time to poll: override, else learnt interval; backed off after errors."""
    rng = rng or random.Random()
    if retry_after is not None:
        wait = min(timedelta(seconds=max(retry_after, 0.0)), MAX_RETRY_AFTER)
        return now + max(wait, MIN_INTERVAL)
    base = timedelta(seconds=override_seconds) if override_seconds else learnt_interval(published)
    if error_count > 0:
        base = min(base * (2 ** min(error_count, 10)), MAX_INTERVAL)
    jittered = base * (1 + rng.uniform(-JITTER, JITTER))
    return now + jittered


def _clamp(value: timedelta) -> timedelta:
    return max(MIN_INTERVAL, min(MAX_INTERVAL, value))
