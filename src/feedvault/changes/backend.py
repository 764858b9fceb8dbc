"""``changes_api(store)``: the store's changes capability (``store.changes``), for callers
that may hold a store without one (a UsageError then, which the CLI and web pages show)."""

from __future__ import annotations

from feedvault.changes.marks import Changes
from feedvault.errors import UsageError

ChangesDb = Changes  # the name callers used before the capability moved onto the store


def changes_api(store: object) -> Changes:
    """``store.changes``, or a UsageError if the store records no changes."""
    changes = getattr(store, "changes", None)
    if isinstance(changes, Changes):
        return changes
    raise UsageError(f"changes are not recorded by the {type(store).__name__} backend")
