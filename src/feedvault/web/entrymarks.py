"""Edit and disappearance marks beside an entry: on its page, in feed listings and in the
JSON API (issue #18 part 4). The marks themselves and their evidence are the changes
package's (store.changes); /changes lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from feedvault.changes.marks import MarkSummary
from feedvault.changes.model import Mark
from feedvault.timeutil import iso
from feedvault.web.context import Ctx
from feedvault.web.evidence import describe
from feedvault.web.views import fmt_dt


def summaries(ctx: Ctx, entry_ids: Iterable[int]) -> dict[int, MarkSummary]:
    """Entry id -> its summary, for the entries that have marks."""
    changes: Any = getattr(ctx.vault.store, "changes", None)
    if changes is None:
        return {}
    found: dict[int, MarkSummary] = changes.mark_summaries(entry_ids)
    return found


def marks_json(summary: MarkSummary | None, entry_id: int) -> dict[str, Any]:
    """The API's ``marks`` of an entry; ``evidence`` is the entry page's list of marks."""
    s = summary or MarkSummary()
    return {
        "edits": s.edits,
        "last_edit": iso(s.last_edit),
        "gone_since": iso(s.gone_since),
        "gone_how": s.gone_how,
        "evidence": f"/entries/{entry_id}#marks",
    }


SHOWN = 50  # a live ticker edited every few minutes has thousands: the latest are shown


def entry_marks(ctx: Ctx, entry_id: int) -> tuple[int, list[tuple[Mark, str, str]]]:
    """How many marks one entry has, and the latest ``SHOWN`` of them, oldest first, with
    their evidence lines and times."""
    changes: Any = getattr(ctx.vault.store, "changes", None)
    if changes is None:
        return 0, []
    marks: list[Mark] = changes.marks_for_entry(entry_id)
    return len(marks), [(m, describe(ctx.t, m.kind, m.how, m.evidence), fmt_dt(m.at))
                        for m in marks[-SHOWN:]]
