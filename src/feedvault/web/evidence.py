"""The evidence line of a change mark in the reader's language (the /changes page).

``feedvault.changes.report.describe`` writes the same line in English for the command line
and Atom; this one goes through the web app's messages, so a zh reader sees Chinese. The
English messages say exactly what ``describe`` says (a test holds them together).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Translate = Callable[..., str]

FIELDS = ("title", "link", "text", "images")
REASONS = ("not_found", "front_page", "other_article", "text_missing", "moved", "present")


def _pct(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, int | float) else "?"


def describe(t: Translate, kind: str, how: str, evidence: Mapping[str, Any]) -> str:
    """One line saying what was noticed and the evidence for it, through ``t`` (ctx.t)."""
    if kind == "edit":
        names = [t(f"field_{f}") if f in FIELDS else str(f) for f in evidence.get("fields") or ()]
        fields = t("list_sep").join(names) or t("ev_nothing_visible")
        ratio = evidence.get("ratio")
        similar = t("ev_similar", pct=_pct(ratio)) if isinstance(ratio, int | float) else ""
        return t("ev_edit", fields=fields, size=evidence.get("size", 0), similar=similar)
    if how == "feed":
        if kind == "gone":
            return t(
                "ev_left_feed",
                n=evidence.get("older_still_listed", "?"),
                when=evidence.get("last_listed") or "?",
            )
        return t("ev_listed_again")
    reason = str(evidence.get("reason", ""))
    if reason in REASONS:
        detail = t(
            f"reason_{reason}",
            status=evidence.get("status"),
            final_url=evidence.get("final_url") or "",
            pct=_pct(evidence.get("similarity")),
        )
    else:
        detail = reason or t("reason_checked")
    key = "ev_gone_origin" if kind == "gone" else "ev_back_origin"
    return t(key, detail=detail, when=evidence.get("checked_at") or "?")
