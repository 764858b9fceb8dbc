"""Compare what a feed says now with what the vault holds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from feedvault.decide.identity import content_hash, entry_key
from feedvault.models import EntryState as EntryState  # the decider's input, read by the store
from feedvault.parse.model import ParsedEntry


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str
    parsed: ParsedEntry
    content_hash: str


@dataclass(slots=True)
class Decision:
    new: list[Candidate] = field(default_factory=list)
    changed: list[tuple[int, Candidate]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    duplicates: int = 0  # items repeating a key already seen in the same document


def candidates(entries: Sequence[ParsedEntry]) -> tuple[list[Candidate], int]:
    """Keyed entries of one document; a repeated key keeps its first occurrence."""
    seen: set[str] = set()
    out: list[Candidate] = []
    for parsed in entries:
        key = entry_key(
            parsed.guid,
            parsed.link,
            parsed.title,
            parsed.published,
            parsed.enclosures[0] if parsed.enclosures else None,
        )
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Candidate(key, parsed, content_hash(parsed.title, parsed.link, parsed.content_html))
        )
    return out, len(entries) - len(out)


def decide(cands: Sequence[Candidate], states: Mapping[str, EntryState]) -> Decision:
    decision = Decision()
    for cand in cands:
        state = states.get(cand.key)
        if state is None:
            decision.new.append(cand)
        elif state.content_hash != cand.content_hash:
            decision.changed.append((state.entry_id, cand))
        else:
            decision.unchanged.append(state.entry_id)
    return decision
