"""Entries that left a feed early: taken down, not scrolled out. Pure, no I/O.

A feed shows a window of its latest items; old items leaving it is normal. An item leaving
while an item *older* than it (by published date) is still listed was removed on purpose.
Only items listed in both documents count as "still listed", so a backdated newcomer cannot
make the whole window look deleted, and equal dates (first-seen times) are never "older".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Disappearance:
    """Evidence for one key: how many items older than it are still listed."""

    key: str
    older_still_listed: int
    oldest_listed_ms: int  # published of the oldest item still listed


def feed_disappearances(
    previous_keys: Sequence[str],
    current_keys: Collection[str],
    published_by_key: Mapping[str, int],
) -> list[str]:
    """Keys of ``previous_keys`` gone from ``current_keys`` while older items remain."""
    return [d.key for d in explain_disappearances(previous_keys, current_keys, published_by_key)]


def explain_disappearances(
    previous_keys: Sequence[str],
    current_keys: Collection[str],
    published_by_key: Mapping[str, int],
) -> list[Disappearance]:
    """feed_disappearances with the evidence, in the previous document's order."""
    current = set(current_keys)
    kept = sorted(
        published_by_key[k] for k in previous_keys if k in current and k in published_by_key
    )
    if not kept:
        return []  # nothing stayed: a whole new window, or an empty document
    out: list[Disappearance] = []
    for key in previous_keys:
        if key in current or key not in published_by_key:
            continue
        published = published_by_key[key]
        older = _count_below(kept, published)
        if older:
            out.append(Disappearance(key, older, kept[0]))
    return out


def returned(current_keys: Sequence[str], gone_keys: Collection[str]) -> list[str]:
    """Keys listed again after a "gone" mark from the feed."""
    gone = set(gone_keys)
    return [k for k in current_keys if k in gone]


def _count_below(sorted_values: list[int], limit: int) -> int:
    from bisect import bisect_left

    return bisect_left(sorted_values, limit)
