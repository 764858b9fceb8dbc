"""What counts as an edit: visible changes only, sized in characters, in any script."""

from __future__ import annotations

from pathlib import Path

from feedvault.changes.diff import describe_raw_edit, is_noise, text_change
from feedvault.parse import parse_feed

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


def corpus_items(name: str) -> list[tuple[str, str, str | None]]:
    feed = parse_feed((CORPUS / "feeds" / name).read_bytes())
    return [(e.content_html, e.title, e.link) for e in feed.entries if e.content_html]


def rerender(html: str) -> str:
    """What a CMS re-render does: other whitespace, quotes and attribute order."""
    return html.replace("><", ">\n   <").replace('" ', '"  ')


def test_whitespace_attribute_order_and_tracking_are_noise() -> None:
    old = '<p class="lead" id="x">Hello <a href="https://ex.com/a?id=1">world</a></p>' \
          '<img src="https://ex.com/i.jpg" alt="pic">'
    new = '<p id="x"  class="lead">\n Hello  <a href="https://ex.com/a?id=1&utm_source=rss">' \
          'world</a>\n</p><img alt="pic" src="https://ex.com/i.jpg?utm_campaign=z">'
    link, tracked = "https://ex.com/story", "http://ex.com/story/?utm_medium=feed"
    assert is_noise(old, new, "Title", " Title ", link, tracked)
    summary = describe_raw_edit(old, new, "Title", "Title", link, link)
    assert (summary.fields, summary.size, summary.ratio) == ((), 0, 1.0)


def test_real_items_rerendered_are_noise() -> None:
    items = corpus_items("en/bbc-1.xml")[:10] + corpus_items("zh/nytimes-cn-1.xml")[:10]
    assert len(items) >= 15
    for raw, title, link in items:
        assert is_noise(raw, rerender(raw), title, title, link, link), title


def test_visible_changes_are_edits() -> None:
    old = "<p>The vote was 12 to 3.</p><img src='https://ex.com/a.jpg'>"
    new = "<p>The vote was 11 to 4.</p><img src='https://ex.com/b.jpg'>"
    s = describe_raw_edit(old, new, "Vote", "Vote held", "https://ex.com/1", "https://ex.com/2")
    assert s.fields == ("title", "link", "text", "images")
    assert s.size == 6 and 0.8 < s.ratio < 1  # whole words: "12"->"11" is 4, "3"->"4" is 2


def test_chinese_edit_is_sized_in_characters() -> None:
    size, ratio = text_change(
        "警方周二表示，洪水已连续三天封闭河边道路。", "警方周三表示，洪水已连续四天封闭河边道路。"
    )
    assert size == 4 and ratio > 0.8
    assert text_change("同一篇文章", "同一 篇\n文章") == (0, 1.0)


def test_rewrite_is_fast_and_total() -> None:
    items = corpus_items("zh/nytimes-cn-1.xml")
    a, b = items[0][0], items[1][0]
    s = describe_raw_edit(a, b, "x", "x", None, None)
    assert "text" in s.fields and s.ratio < 0.5
    long_a = " ".join(f"word{i}" for i in range(20000))
    long_b = long_a.replace("word100 ", "changed ")
    # 20,000 x 20,000 tokens is over the full diff's cell budget, so an exact size shows
    # that the common ends were trimmed first (no quadratic diff; timing: bench_limits.py)
    size, _ = text_change(long_a, long_b)
    assert size == len("word100") + len("changed")
