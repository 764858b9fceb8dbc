"""Compare what a feed says now with what the vault holds."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from feedvault.decide.identity import content_hash, entry_key, link_key, split_key
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


Known = Callable[[Sequence[str]], Mapping[str, EntryState]]


def candidates(
    entries: Sequence[ParsedEntry], known: Known | None = None
) -> tuple[list[Candidate], int]:
    """Keyed entries of one document, and how many repeated an article already seen.

    ``known(keys)`` gives the stored entries among ``keys``, asked once for every key an
    item may take (its plain key and its split key: one round trip, twice the keys);
    without it the vault is taken to be empty. The rule for items sharing a key is in
    decide/identity.py.
    """
    groups: dict[str, dict[str, ParsedEntry]] = {}  # key -> canonical link -> first item
    order: list[tuple[str, str]] = []
    for parsed in entries:
        key = entry_key(
            parsed.guid,
            parsed.link,
            parsed.title,
            parsed.published,
            parsed.enclosures[0] if parsed.enclosures else None,
        )
        members = groups.setdefault(key, {})
        link = link_key(parsed.link)
        if link in members:
            continue
        members[link] = parsed
        order.append((key, link))
    splits = {(key, link): split_key(key, link) for key, link in order}
    stored = known([*groups, *splits.values()]) if known is not None else {}
    out: list[Candidate] = []
    for key, link in order:
        members = groups[key]
        own = splits[key, link]
        if own in stored:
            final = own if len(members) > 1 or not _stored_link(stored, key, link) else key
        elif len(members) == 1 or _stored_link(stored, key, link):
            final = key
        else:
            final = own
        parsed = members[link]
        out.append(
            Candidate(final, parsed, content_hash(parsed.title, parsed.link, parsed.content_html))
        )
    return out, len(entries) - len(out)


def _stored_link(stored: Mapping[str, EntryState], key: str, link: str) -> bool:
    """Whether the vault's entry ``key`` is the article at ``link``."""
    state = stored.get(key)
    return state is not None and link_key(state.link) == link


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
