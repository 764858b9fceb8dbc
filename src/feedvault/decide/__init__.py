"""The decide stage: which parsed entries are new, changed or unchanged. Pure, no I/O."""

from feedvault.decide.decider import Decision, decide
from feedvault.decide.identity import content_hash, entry_key

__all__ = ["Decision", "content_hash", "decide", "entry_key"]
