"""Every body in the shared corpus cleans; Chinese text comes out without markup or promo."""

from __future__ import annotations

import re

import lxml.html
import pytest
from clean_corpus import Body, corpus_bodies

from feedvault.clean import clean_entry

_MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_SHARE_LABEL = re.compile(r"^\s*(?:分享|分享到|Share|Tweet)\s*[:：]?\s*$", re.MULTILINE)


@pytest.fixture(scope="module")
def bodies() -> list[Body]:
    found = corpus_bodies()
    assert len(found) > 2000
    return found


def test_every_corpus_body_cleans(bodies: list[Body]) -> None:
    for body in bodies:
        result = clean_entry(body.html, link=body.link)
        if result.html:
            lxml.html.fragment_fromstring(result.html, create_parent="div")
        assert "<script" not in result.html.lower(), body.source
        assert all(src.startswith(("http://", "https://")) for src in result.images)


def test_chinese_text_has_no_markup_promo_or_share_labels() -> None:
    zh = corpus_bodies(zh_only=True)
    assert len(zh) > 800
    for body in zh:
        text = clean_entry(body.html, link=body.link).text
        assert not _MARKUP.search(text), (body.source, _MARKUP.search(text))
        assert "获取更多RSS" not in text, body.source
        assert "feedx.net" not in text, body.source
        assert not _SHARE_LABEL.search(text), body.source
        assert "Feed enhanced by" not in text and "Permalink |" not in text, body.source


def test_feed_chrome_is_gone_from_the_corpus(bodies: list[Body]) -> None:
    for body in bodies:
        result = clean_entry(body.html, link=body.link)
        for chrome in ("feeds.feedburner.com/~", "medium.com/_/stat", "feedflare",
                       "data-selfpromo", "tools/r.html?url=", "at_medium=", "utm_source="):
            assert chrome not in result.html, (body.source, chrome)
