"""Re-check the article pages of recent entries: is the article still there?

An article taken down shows as a 404/410, a redirect to the front page or to another
article, or a page whose text no longer contains what we stored. Text is compared by
*containment* (share of the stored text's 3-token shingles found on the page), so a feed
that carries only a summary, or a page full of site chrome, still matches its article.
Fetches go through the hardened Fetcher's fetch_many: per-host limits, deadlines, caps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from feedvault.changes.diff import tokens
from feedvault.errors import FeedvaultError, FetchError
from feedvault.fetch.result import FetchRequest, FetchResult, RetryLater
from feedvault.timeutil import from_ms, iso
from feedvault.urls import canonical_url

if TYPE_CHECKING:
    from feedvault.clean import RuleSet
    from feedvault.fetch.client import Fetcher

PAGE_ACCEPT: Final = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
_FRONT_PATH: Final = re.compile(
    r"^/?(?:index\.\w+|home|default\.\w+|[a-z]{2}(?:[-_][a-z]{2,4})?)?/?$", re.IGNORECASE
)
_SHINGLE: Final = 3


@dataclass(frozen=True, slots=True)
class WatchPolicy:
    """Which entries to re-check and how hard: a window of days, a budget per run."""

    window_days: float = 7.0
    max_checks: int = 200
    recheck_hours: float = 24.0  # an entry checked more recently than this waits
    threshold: float = 0.5  # stored-text containment below this means the text is gone

    def __post_init__(self) -> None:
        if self.window_days <= 0 or self.max_checks < 1 or self.recheck_hours < 0:
            raise ValueError("window_days and max_checks must be positive")
        if not 0 < self.threshold <= 1:
            raise ValueError("threshold must be in (0, 1]")


@dataclass(frozen=True, slots=True)
class OriginTarget:
    entry_id: int
    link: str
    text: str  # the stored text of the current version
    feed_slug: str
    site_url: str | None = None
    selector: str | None = None
    gone: bool = False  # the last origin mark says gone
    snapshot: bool = False  # the feed keeps article snapshots: keep the page if it changed


@dataclass(frozen=True, slots=True)
class OriginVerdict:
    """``verdict`` is ok, gone or unknown (network trouble: no mark either way)."""

    entry_id: int
    verdict: str
    reason: str
    checked_at: int  # ms
    status: int | None = None
    final_url: str | None = None
    similarity: float | None = None

    def evidence(self) -> dict[str, Any]:
        sim = None if self.similarity is None else round(self.similarity, 3)
        return {
            "reason": self.reason,
            "status": self.status,
            "final_url": self.final_url,
            "similarity": sim,
            "checked_at": iso(from_ms(self.checked_at)),
        }


def shingles(text: str) -> set[tuple[str, ...]]:
    toks = [t.casefold() for t in tokens(text)]
    size = min(_SHINGLE, len(toks))
    return {tuple(toks[i : i + size]) for i in range(len(toks) - size + 1)} if size else set()


def containment(stored: str, page: str) -> float | None:
    """Share of the stored text found on the page; None when nothing was stored."""
    wanted = shingles(stored)
    if not wanted:
        return None
    return len(wanted & shingles(page)) / len(wanted)


def is_front_page(url: str, site_url: str | None = None) -> bool:
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    if site_url and canonical_url(url) == canonical_url(site_url):
        return True
    return _FRONT_PATH.match(path) is not None


class OriginWatch:
    """Fetch and classify; recording the verdicts is the caller's (see run_origin_watch)."""

    def __init__(
        self,
        fetcher: Fetcher,
        policy: WatchPolicy | None = None,
        rules: RuleSet | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.policy = policy or WatchPolicy()
        self.rules = rules

    def check(
        self,
        targets: Sequence[OriginTarget],
        now_ms: Callable[[], int],
        on_verdict: Callable[[OriginVerdict], None] | None = None,
        on_page: Callable[[OriginTarget, FetchResult, OriginVerdict], None] | None = None,
    ) -> list[OriginVerdict]:
        """Fetch every target's link (politely, in parallel) and classify each answer.

        ``on_page`` sees each page that was fetched (not an error), with its verdict, so
        the same fetch can keep a snapshot (changes/watch.py)."""
        by_key = {t.entry_id: t for t in targets}
        out: list[OriginVerdict] = []

        def done(request: FetchRequest, outcome: FetchResult | FetchError) -> None:
            target = by_key[int(str(request.key))]
            verdict = self.classify(target, outcome, now_ms())
            out.append(verdict)
            if on_verdict is not None:
                on_verdict(verdict)
            if on_page is not None and isinstance(outcome, FetchResult):
                on_page(target, outcome, verdict)

        requests = [FetchRequest(t.link, accept=PAGE_ACCEPT, key=t.entry_id) for t in targets]
        self.fetcher.fetch_many(requests, done)
        return out

    def classify(
        self, target: OriginTarget, outcome: FetchResult | FetchError, at: int
    ) -> OriginVerdict:
        def verdict(kind: str, reason: str, **kw: Any) -> OriginVerdict:
            return OriginVerdict(target.entry_id, kind, reason, at, **kw)

        if isinstance(outcome, FetchError):
            if isinstance(outcome, RetryLater) or outcome.status not in (404, 410):
                return verdict("unknown", str(outcome)[:300], status=outcome.status)
            return verdict("gone", "not_found", status=outcome.status, final_url=outcome.url)
        status, final = outcome.status, outcome.final_url
        if outcome.gone:
            return verdict("gone", "not_found", status=status, final_url=final)
        moved = canonical_url(final) != canonical_url(target.link)
        if moved and is_front_page(final, target.site_url):
            return verdict("gone", "front_page", status=status, final_url=final)
        similarity = self._similarity(target, outcome)
        if similarity is not None and similarity < self.policy.threshold:
            reason = "other_article" if moved else "text_missing"
            return verdict("gone", reason, status=status, final_url=final, similarity=similarity)
        reason = "moved" if moved else "present"
        return verdict("ok", reason, status=status, final_url=final, similarity=similarity)

    def _similarity(self, target: OriginTarget, outcome: FetchResult) -> float | None:
        """Containment in the extracted article, else in the whole page's text."""
        from feedvault.clean import clean_entry, extract_article
        from feedvault.fetch.charset import decode_text

        page = decode_text(outcome.content, outcome.content_type)
        url = outcome.final_url

        def text_of(html: str) -> str:
            return clean_entry(
                html, base_url=url, link=url, feed_slug=target.feed_slug, rules=self.rules
            ).text

        try:
            article = extract_article(page, url=url, selector=target.selector)
        except FeedvaultError:  # no extractor installed, or a bad selector: use the page
            article = None
        best = containment(target.text, text_of(article)) if article else None
        if best is None or best < self.policy.threshold:
            whole = containment(target.text, text_of(page))
            if whole is not None and (best is None or whole > best):
                best = whole
        return best
