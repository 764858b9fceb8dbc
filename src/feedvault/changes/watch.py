"""One run of the origin watch against a vault (either backend): pick, fetch, classify, record.

Verdicts are written in one transaction at the end, so a run interrupted half-way records
nothing rather than half a picture; the next run simply checks those entries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedvault.changes.backend import changes_api
from feedvault.changes.origin import OriginWatch, WatchPolicy
from feedvault.timeutil import now_utc, to_ms

if TYPE_CHECKING:
    from feedvault.clean import RuleSet
    from feedvault.fetch.client import Fetcher


@dataclass(frozen=True, slots=True)
class WatchReport:
    checked: int
    gone: tuple[int, ...]
    back: tuple[int, ...]
    unknown: int  # network trouble: neither gone nor present

    def as_dict(self) -> dict[str, object]:
        return {
            "checked": self.checked,
            "gone": list(self.gone),
            "back": list(self.back),
            "unknown": self.unknown,
        }


def run_origin_watch(
    store: object,
    fetcher: Fetcher,
    policy: WatchPolicy | None = None,
    *,
    rules: RuleSet | None = None,
    feed_id: int | None = None,
) -> WatchReport:
    """Re-check the links of recent entries once; returns what was noticed."""
    db = changes_api(store)
    policy = policy or WatchPolicy()
    targets = db.origin_targets(to_ms(now_utc()), policy, feed_id)
    if not targets:
        return WatchReport(0, (), (), 0)
    watch = OriginWatch(fetcher, policy, rules)
    verdicts = watch.check(targets, lambda: to_ms(now_utc()))
    gone, back = db.record_origin_verdicts(verdicts)  # one transaction
    unknown = sum(1 for v in verdicts if v.verdict == "unknown")
    return WatchReport(len(verdicts), tuple(gone), tuple(back), unknown)
