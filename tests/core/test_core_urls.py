"""The fast paths of urls.py give exactly what the general ones give."""

from __future__ import annotations

import random
import re
from pathlib import Path

from feedvault import urls

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
_URL = re.compile(r"""https?://[^\s"'<>\\]+""", re.IGNORECASE)


def _corpus_urls() -> list[str]:
    found: set[str] = set()
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.suffix in (".xml", ".json", ".md", ".opml", ".rss", ".atom"):
            found.update(_URL.findall(path.read_text("utf-8", "replace")))
    return sorted(found)


def _random_urls(n: int) -> list[str]:
    rng = random.Random(5)
    parts = ["http://", "https://", "HTTPS://", "ftp://", "//", "example.org", "Example.ORG",
             "a.b-c.cn", ":8080", ":443", "user@", "/", "/a", "/b/", "//c", "/%e4%b8%ad",
             "/中文", "?", "?utm_source=x", "&id=3", "?a=1&b=2", "&utm_medium=rss", "#top",
             "#", ";p=1", "/x.html", "?UTM_Campaign=y", "?utm%5Fsource=z", "?q=a+b", " ",
             "\t", "[::1]", "?fbclid=1", "/~u/", "?rss=1", "?at_medium=a", "@"]
    return ["".join(rng.choices(parts, k=rng.randrange(1, 7))) for _ in range(n)]


def test_fast_paths_match_the_general_ones() -> None:
    corpus = _corpus_urls()
    assert len(corpus) > 1000
    simple = 0
    for url in corpus + _random_urls(20000):
        assert urls.canonical_url(url) == urls._canonical_url_general(url.strip()), url
        simple += urls._SIMPLE_URL.fullmatch(url.strip()) is not None
        try:
            general = urls._strip_tracking_general(url)
        except ValueError:
            continue  # the caller (clean_url) keeps such a URL as it is either way
        assert urls.strip_tracking(url) == general, url
    assert simple > 500  # the fast path is taken for ordinary article links


def test_tracking_parameters_still_go() -> None:
    assert urls.strip_tracking("https://a.org/x?id=1&utm_source=rss") == "https://a.org/x?id=1"
    assert urls.strip_tracking("https://a.org/x?utm%5Fsource=rss") == "https://a.org/x"
    assert urls.strip_tracking("https://a.org/x?id=1#utm_source") == "https://a.org/x?id=1#utm_source"
    assert urls.canonical_url("https://a.org/x/") == "a.org/x"
    assert urls.canonical_url("HTTP://A.org:80/x?utm_campaign=1") == "a.org/x"
