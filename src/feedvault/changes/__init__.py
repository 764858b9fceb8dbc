"""Edits and disappearances: what changed in an entry, and entries that were taken down.

Pure parts (diff, feedwatch, origin classification, report) know nothing of storage; the
SQLite statements live in :mod:`feedvault.changes.sqlite` and run in the store's transaction.
"""

from feedvault.changes.diff import EditSummary, describe_edit, describe_raw_edit, is_noise
from feedvault.changes.feedwatch import feed_disappearances
from feedvault.changes.model import Change, Mark
from feedvault.changes.origin import OriginTarget, OriginVerdict, OriginWatch, WatchPolicy
from feedvault.changes.report import changes_atom, describe, format_marks

__all__ = [
    "Change",
    "EditSummary",
    "Mark",
    "OriginTarget",
    "OriginVerdict",
    "OriginWatch",
    "WatchPolicy",
    "changes_atom",
    "describe",
    "describe_edit",
    "describe_raw_edit",
    "feed_disappearances",
    "format_marks",
    "is_noise",
]
