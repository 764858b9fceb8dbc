"""Pipeline glue: a changed hash that is only a re-render is not a new version.

Called right after ``decide`` (``decision = drop_noise(store, decision, ...)``): the decider
compares hashes of the raw bytes, which any re-render changes; this compares what a reader
sees. A noisy item counts as unchanged, so its ``last_seen`` still moves on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedvault.changes.diff import is_noise

if TYPE_CHECKING:
    from feedvault.clean import RuleSet
    from feedvault.decide.decider import Candidate, Decision
    from feedvault.store.base import Storage


def drop_noise(
    store: Storage,
    decision: Decision,
    *,
    feed_slug: str | None = None,
    rules: RuleSet | None = None,
) -> Decision:
    """Move changed entries whose change is only noise to ``decision.unchanged``."""
    if not decision.changed:
        return decision
    current = {e.id: e for e in store.get_entries([eid for eid, _ in decision.changed])}
    kept: list[tuple[int, Candidate]] = []
    for entry_id, cand in decision.changed:
        old, new = current.get(entry_id), cand.parsed
        if old is not None and is_noise(
            old.raw_html, new.content_html, old.title, new.title, old.link, new.link,
            feed_slug=feed_slug, rules=rules,
        ):
            decision.unchanged.append(entry_id)
        else:
            kept.append((entry_id, cand))
    decision.changed = kept
    return decision
