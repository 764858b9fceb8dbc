"""The clean stage: raw item HTML to safe HTML, plain text, a date hint and image URLs.

Site chrome is described by rule files (``clean/rules/*.toml``, plus the user's own), not code.
"""

from feedvault.clean.entry import CleanResult, clean_entry
from feedvault.clean.extract import extract_article
from feedvault.clean.ruleset import RuleSet, load_rules

__all__ = ["CleanResult", "RuleSet", "clean_entry", "extract_article", "load_rules"]
