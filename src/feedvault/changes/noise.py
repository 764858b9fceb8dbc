"""Is a changed item an edit, and which one: a pure function of data read before deciding.

The decider compares hashes of the raw bytes, which any re-render changes; this compares what
a reader sees. The pipeline reads the changed entries' current versions in its read phase
(``prepare``), then asks ``judge_edit`` for each: None means only noise (the item counts as
unchanged, so its ``last_seen`` still moves on), else the edit summary the 'edit' mark
carries, which travels in the update batch: the write transaction only inserts it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from feedvault.changes.diff import VersionLike, describe_edit, reclean
from feedvault.changes.model import EditSummary

if TYPE_CHECKING:
    from feedvault.clean import RuleSet


class StoredVersion(VersionLike, Protocol):
    """An entry's current version as stored (``Entry`` has it): its raw body too."""

    @property
    def raw_html(self) -> str: ...


def judge_edit(
    old: StoredVersion,
    new: VersionLike,
    new_raw_html: str,
    *,
    cleaned_like_noise: bool,
    feed_slug: str | None = None,
    rules: RuleSet | None = None,
) -> EditSummary | None:
    """None when ``new`` is only a re-render of ``old``; else what changed from ``old``.

    Noise compares both raw bodies cleaned with today's rules (a rules or cleaner change is no
    edit); the summary compares the stored version with the new one, as the versions table
    shows them. ``cleaned_like_noise``: ``new`` was cleaned with its link as base URL, as the
    noise check cleans, so its cleaning is reused; and when the old body cleans to what is
    stored, the noise comparison already is the summary: one clean and one diff per side.
    """
    old_now = reclean(old.raw_html, old.title, old.link, feed_slug, rules)
    new_now = new if cleaned_like_noise else reclean(new_raw_html, new.title, new.link,
                                                     feed_slug, rules)
    verdict = describe_edit(old_now, new_now)
    if verdict.is_noise:
        return None
    if cleaned_like_noise and (old_now.text, old_now.content_html) == (old.text,
                                                                       old.content_html):
        return verdict
    return describe_edit(old, new)
