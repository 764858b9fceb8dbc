"""Values of the changes package: marks as stored and changes as reported. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

KINDS: Final = ("edit", "gone", "back")
HOWS: Final = ("feed", "origin")


@dataclass(frozen=True, slots=True)
class Mark:
    """One thing noticed about an entry: an edit, a disappearance or a return.

    ``how`` says where it was noticed: the feed document, or the article's own page.
    """

    id: int
    entry_id: int
    kind: str
    at: datetime
    how: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Change:
    """A mark with what a report shows beside it (the feed and the entry's current title)."""

    kind: str
    entry_id: int
    feed: str
    title: str
    at: datetime
    evidence: dict[str, Any]
    how: str = "feed"
    mark_id: int = 0
    link: str | None = None


@dataclass(frozen=True, slots=True)
class EditSummary:
    """``fields`` in title, link, text, images; ``size`` counts text characters changed.

    A value here (not in diff.py) so that an update batch can carry it without the store
    importing the diffing code.
    """

    fields: tuple[str, ...]
    size: int
    ratio: float  # similarity of the normalised texts, 1.0 = same

    @property
    def is_noise(self) -> bool:
        return not self.fields

    def as_dict(self) -> dict[str, object]:
        return {"fields": list(self.fields), "size": self.size, "ratio": round(self.ratio, 4)}
