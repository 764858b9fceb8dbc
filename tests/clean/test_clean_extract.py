"""Full text from an article page: CSS selector or trafilatura."""

from __future__ import annotations

import pytest

from feedvault.clean import clean_entry, extract_article
from feedvault.errors import UsageError

PARAGRAPHS = "".join(
    f"<p>这是第{i}段，讲述了一件相当重要的事情，内容足够长以便提取器把它当作正文。"
    f"Paragraph {i} of the article body has enough words to count as real content.</p>"
    for i in range(1, 9)
)
PAGE = (
    '<html><head><meta charset="utf-8"><title>T</title></head><body>'
    '<nav><a href="/">首页</a><a href="/about">关于</a></nav>'
    f'<div class="post-content"><h1>标题</h1>{PARAGRAPHS}<img src="/i.jpg" alt="图"></div>'
    '<footer>© 2024 版权所有</footer></body></html>'
)


def test_selector_picks_the_article() -> None:
    raw = extract_article(PAGE.encode("utf-8"), url="https://cdt.example/a/1",
                          selector="div.post-content")
    assert raw is not None and raw.startswith('<div class="post-content">')
    cleaned = clean_entry(raw, base_url="https://cdt.example/a/1")
    assert cleaned.text.startswith("标题\n\n这是第1段")
    assert "首页" not in cleaned.text and "版权所有" not in cleaned.text
    assert cleaned.images == ("https://cdt.example/i.jpg",)


def test_selector_that_matches_nothing() -> None:
    assert extract_article(PAGE, url="https://x.example/", selector="div.nothing") is None


def test_bad_selector_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="selector"):
        extract_article(PAGE, url="https://x.example/", selector="div[[")


def test_extractor_without_selector() -> None:
    pytest.importorskip("trafilatura")
    raw = extract_article(PAGE, url="https://cdt.example/a/1")
    assert raw is not None
    text = clean_entry(raw, base_url="https://cdt.example/a/1").text
    assert "这是第1段" in text and "Paragraph 8" in text
    assert "版权所有" not in text and "关于" not in text


def test_empty_page() -> None:
    assert extract_article(b"", url="https://x.example/") is None
