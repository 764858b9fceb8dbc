"""Site rules as data: which chrome to cut, which URLs to rewrite, where the date line is.

Rules live in TOML files (the built-in ones under ``clean/rules/``, users add their own) so
that fixing a site's new share widget is a data change, not a code change. Each file holds
``[[rule]]`` tables; a rule applies to an entry when its host or feed slug matches, or always
when it names neither.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import GenericTranslator, SelectorError
from lxml import etree

from feedvault.errors import UsageError

_KEYS = frozenset({
    "name", "hosts", "feeds", "remove", "keep", "remove_text", "drop_images", "unwrap",
    "rewrite", "date",
})
_DATE_KEYS = frozenset({"pattern", "timezone", "remove"})
_CSS = GenericTranslator()


@dataclass(frozen=True)
class Unwrap:
    """A redirect wrapper: URLs matching ``pattern`` stand for the URL in query ``param``."""

    pattern: re.Pattern[str]
    param: str


@dataclass(frozen=True)
class DateRule:
    """The article's own date line: a leaf element whose whole text matches ``pattern``."""

    pattern: re.Pattern[str]
    timezone: ZoneInfo
    remove: bool = True


@dataclass(frozen=True)
class SiteRule:
    name: str
    source: str
    hosts: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    remove: tuple[etree.XPath, ...] = ()
    keep: tuple[etree.XPath, ...] = ()
    remove_text: tuple[re.Pattern[str], ...] = ()
    drop_images: tuple[re.Pattern[str], ...] = ()
    unwrap: tuple[Unwrap, ...] = ()
    rewrite: tuple[tuple[re.Pattern[str], str], ...] = ()
    date: DateRule | None = None

    def applies(self, host: str, feed_slug: str | None) -> bool:
        if not self.hosts and not self.feeds:
            return True
        if feed_slug is not None and feed_slug in self.feeds:
            return True
        return any(host == h or host.endswith("." + h) for h in self.hosts)


@dataclass(frozen=True)
class ActiveRules:
    """The rules for one (host, feed) pair, flattened so the hot path loops over tuples."""

    remove: etree.XPath | None
    keep: etree.XPath | None
    remove_text: re.Pattern[str] | None
    drop_images: re.Pattern[str] | None
    unwrap: tuple[Unwrap, ...]
    rewrite: tuple[tuple[re.Pattern[str], str], ...]
    dates: tuple[DateRule, ...]


@dataclass
class RuleSet:
    """All loaded rules; ``active`` picks and caches the ones for a host and feed."""

    rules: tuple[SiteRule, ...]
    _cache: dict[tuple[str, str | None], ActiveRules] = field(default_factory=dict, repr=False)
    _by_choice: dict[tuple[int, ...], ActiveRules] = field(default_factory=dict, repr=False)

    def active(self, host: str, feed_slug: str | None) -> ActiveRules:
        """The flattened rules for a host and feed. Compiled XPaths are shared by every
        (host, feed) that picks the same rules, so thousands of feeds cost a few entries."""
        key = (host, feed_slug)
        found = self._cache.get(key)
        if found is None:
            choice = tuple(i for i, r in enumerate(self.rules) if r.applies(host, feed_slug))
            found = self._by_choice.get(choice)
            if found is None:
                found = self._by_choice[choice] = _flatten(self.rules[i] for i in choice)
            if len(self._cache) < 65536:
                self._cache[key] = found
        return found


def _union(patterns: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))


def _either(paths: list[etree.XPath]) -> etree.XPath | None:
    """One XPath union for many selectors: one evaluation per entry instead of dozens."""
    return etree.XPath(" | ".join(p.path for p in paths)) if paths else None


def _flatten(rules: Iterable[SiteRule]) -> ActiveRules:
    chosen = list(rules)
    return ActiveRules(
        remove=_either([x for r in chosen for x in r.remove]),
        keep=_either([x for r in chosen for x in r.keep]),
        remove_text=_union([x for r in chosen for x in r.remove_text]),
        drop_images=_union([x for r in chosen for x in r.drop_images]),
        unwrap=tuple(x for r in chosen for x in r.unwrap),
        rewrite=tuple(x for r in chosen for x in r.rewrite),
        dates=tuple(r.date for r in chosen if r.date is not None),
    )


def load_rules(extra: Sequence[Path] = ()) -> RuleSet:
    """The built-in rules followed by the rules in each of ``extra`` (user files)."""
    return RuleSet(_builtin_rules() + tuple(r for p in extra for r in _load_file(Path(p))))


@lru_cache(maxsize=1)
def _builtin_rules() -> tuple[SiteRule, ...]:
    folder = resources.files("feedvault.clean").joinpath("rules")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    return tuple(r for f in files for r in _parse(f.read_text(encoding="utf-8"), f.name))


@lru_cache(maxsize=1)
def builtin_ruleset() -> RuleSet:
    return RuleSet(_builtin_rules())


def _load_file(path: Path) -> tuple[SiteRule, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"rule file {path}: cannot read: {exc}") from exc
    return _parse(text, str(path))


def _parse(text: str, source: str) -> tuple[SiteRule, ...]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"rule file {source}: {exc}") from exc
    unknown = set(data) - {"rule"}
    if unknown:
        raise UsageError(f"rule file {source}: unknown top-level key(s) {sorted(unknown)}")
    tables = data.get("rule", [])
    if not isinstance(tables, list):
        raise UsageError(f"rule file {source}: 'rule' must be an array of tables ([[rule]])")
    out = []
    for i, table in enumerate(tables, 1):
        try:
            out.append(_build(table, source, i))
        except _RuleProblem as exc:
            raise UsageError(f"rule file {source}: rule #{i}: {exc}") from exc
    return tuple(out)


class _RuleProblem(Exception):
    pass


def _strings(table: dict[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _RuleProblem(f"{key!r} must be a list of strings")
    return value


def _regex(text: str, key: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise _RuleProblem(f"{key!r}: bad regular expression {text!r}: {exc}") from exc


def _selector(text: str, key: str) -> etree.XPath:
    """A CSS selector, or an XPath expression when written as ``xpath:...``."""
    try:
        if text.startswith("xpath:"):
            return etree.XPath(text.removeprefix("xpath:"))
        return etree.XPath(_CSS.css_to_xpath(text, prefix="descendant::"))
    except (SelectorError, etree.XPathSyntaxError) as exc:
        raise _RuleProblem(f"{key!r}: bad selector {text!r}: {exc}") from exc


def _build(table: Any, source: str, index: int) -> SiteRule:
    if not isinstance(table, dict):
        raise _RuleProblem("must be a table")
    unknown = set(table) - _KEYS
    if unknown:
        raise _RuleProblem(f"unknown key(s) {sorted(unknown)}")
    name = table.get("name", f"{source}#{index}")
    if not isinstance(name, str):
        raise _RuleProblem("'name' must be a string")
    return SiteRule(
        name=name,
        source=source,
        hosts=tuple(h.lower().strip(".") for h in _strings(table, "hosts")),
        feeds=tuple(_strings(table, "feeds")),
        remove=tuple(_selector(s, "remove") for s in _strings(table, "remove")),
        keep=tuple(_selector(s, "keep") for s in _strings(table, "keep")),
        remove_text=tuple(_regex(s, "remove_text") for s in _strings(table, "remove_text")),
        drop_images=tuple(_regex(s, "drop_images") for s in _strings(table, "drop_images")),
        unwrap=_unwraps(table.get("unwrap", [])),
        rewrite=_rewrites(table.get("rewrite", [])),
        date=_date(table["date"]) if "date" in table else None,
    )


def _unwraps(items: Any) -> tuple[Unwrap, ...]:
    if not isinstance(items, list):
        raise _RuleProblem("'unwrap' must be a list of {match, param} tables")
    out = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"match", "param"}:
            raise _RuleProblem("each 'unwrap' entry needs exactly 'match' and 'param'")
        if not isinstance(item["match"], str) or not isinstance(item["param"], str):
            raise _RuleProblem("'unwrap' match and param must be strings")
        out.append(Unwrap(_regex(item["match"], "unwrap"), item["param"]))
    return tuple(out)


def _rewrites(items: Any) -> tuple[tuple[re.Pattern[str], str], ...]:
    if not isinstance(items, list):
        raise _RuleProblem("'rewrite' must be a list of {match, replace} tables")
    out = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"match", "replace"}:
            raise _RuleProblem("each 'rewrite' entry needs exactly 'match' and 'replace'")
        if not isinstance(item["match"], str) or not isinstance(item["replace"], str):
            raise _RuleProblem("'rewrite' match and replace must be strings")
        pattern = _regex(item["match"], "rewrite")
        try:
            pattern.sub(item["replace"], "")  # compiles the template: bad \\N fails here
        except (re.error, IndexError) as exc:
            raise _RuleProblem(f"'rewrite' replacement {item['replace']!r}: {exc}") from exc
        out.append((pattern, item["replace"]))
    return tuple(out)


def _date(item: Any) -> DateRule:
    if not isinstance(item, dict) or "pattern" not in item or "timezone" not in item:
        raise _RuleProblem("'date' must be a table with 'pattern' and 'timezone'")
    unknown = set(item) - _DATE_KEYS
    if unknown:
        raise _RuleProblem(f"'date': unknown key(s) {sorted(unknown)}")
    pattern = _regex(str(item["pattern"]), "date.pattern")
    missing = {"year", "month", "day"} - set(pattern.groupindex)
    if missing:
        raise _RuleProblem(f"'date.pattern' lacks named group(s) {sorted(missing)}")
    try:
        zone = ZoneInfo(str(item["timezone"]))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _RuleProblem(f"'date.timezone': unknown time zone {item['timezone']!r}") from exc
    remove = item.get("remove", True)
    if not isinstance(remove, bool):
        raise _RuleProblem("'date.remove' must be true or false")
    return DateRule(pattern, zone, remove)
