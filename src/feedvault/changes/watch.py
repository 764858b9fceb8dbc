"""One run of the origin watch against a vault (either backend): pick, fetch, classify, record.

Verdicts are written in one transaction at the end, so a run interrupted half-way records
nothing rather than half a picture; the next run simply checks those entries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from feedvault.bugs import one_line
from feedvault.changes.backend import changes_api
from feedvault.changes.origin import OriginTarget, OriginVerdict, OriginWatch, WatchPolicy
from feedvault.errors import FeedvaultError, VaultFault
from feedvault.timeutil import now_utc, to_ms

if TYPE_CHECKING:
    from feedvault.clean import RuleSet
    from feedvault.fetch.client import Fetcher
    from feedvault.fetch.result import FetchResult
    from feedvault.media.files import MediaFiles
    from feedvault.store.base import Storage
    from feedvault.store.sql.media import MediaCatalog


@dataclass(frozen=True, slots=True)
class WatchReport:
    checked: int
    gone: tuple[int, ...]
    back: tuple[int, ...]
    unknown: int  # network trouble: neither gone nor present
    snapshots: int = 0  # pages kept because they differ from the entry's latest snapshot
    warnings: tuple[str, ...] = ()  # one line each: a snapshot that could not be kept

    def as_dict(self) -> dict[str, object]:
        return {
            "checked": self.checked,
            "gone": list(self.gone),
            "back": list(self.back),
            "unknown": self.unknown,
            "snapshots": self.snapshots,
            "warnings": list(self.warnings),
        }


class _Snapshots:
    """Keeps the rechecked pages of snapshot feeds as they arrive (update/snapshots.py):
    a page whose bytes equal the entry's latest snapshot adds nothing; a redirect to the
    front page is not the article and is not kept."""

    def __init__(
        self, catalog: MediaCatalog, files: MediaFiles, targets: list[OriginTarget]
    ) -> None:
        from feedvault.update.snapshots import latest_snapshots

        self.catalog, self.files = catalog, files
        self.latest = latest_snapshots(catalog, [t.entry_id for t in targets if t.snapshot])
        self.kept = 0
        self.warnings: list[str] = []

    def page(self, target: OriginTarget, page: FetchResult, verdict: OriginVerdict) -> None:
        from feedvault.update.snapshots import keep_snapshot

        if not target.snapshot or page.gone or verdict.reason == "front_page":
            return
        try:
            kept = keep_snapshot(
                self.catalog, self.files, target.entry_id, target.link, page, now_utc(),
                self.latest.get(target.entry_id),
            )
        except VaultFault:
            raise
        except FeedvaultError as exc:
            self.warnings.append(
                f"{target.feed_slug}: no snapshot of {target.link}: {one_line(exc)}"
            )
            return
        self.kept += kept is not None


def run_origin_watch(
    store: object,
    fetcher: Fetcher,
    policy: WatchPolicy | None = None,
    *,
    rules: RuleSet | None = None,
    feed_id: int | None = None,
    media_files: MediaFiles | None = None,
) -> WatchReport:
    """Re-check the links of recent entries once; returns what was noticed. With
    ``media_files``, the pages of feeds that keep snapshots are kept as they arrive (each
    its own write: a run interrupted half-way keeps the snapshots already taken)."""
    db = changes_api(store)
    policy = policy or WatchPolicy()
    targets = db.origin_targets(to_ms(now_utc()), policy, feed_id)
    if not targets:
        return WatchReport(0, (), (), 0)
    watch = OriginWatch(fetcher, policy, rules)
    keeper = None
    if media_files is not None and any(t.snapshot for t in targets):
        keeper = _Snapshots(cast("Storage", store).media, media_files, targets)
    on_page = keeper.page if keeper is not None else None
    verdicts = watch.check(targets, lambda: to_ms(now_utc()), on_page=on_page)
    gone, back = db.record_origin_verdicts(verdicts)  # one transaction
    unknown = sum(1 for v in verdicts if v.verdict == "unknown")
    if keeper is None:
        return WatchReport(len(verdicts), tuple(gone), tuple(back), unknown)
    return WatchReport(
        len(verdicts), tuple(gone), tuple(back), unknown, keeper.kept, tuple(keeper.warnings)
    )
