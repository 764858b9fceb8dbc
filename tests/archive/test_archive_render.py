"""Rendering: duty-machine's exact bytes, idempotence on the corpus, and the list file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from archive_corpus import ARCHIVE_CORPUS

from feedvault.archive import (
    epoch_ms,
    iter_archive_paths,
    js_trim,
    read_archive_file,
    read_archive_text,
    render_item,
    render_list,
)

DUTY_MACHINE = [
    path
    for path, _ in iter_archive_paths([ARCHIVE_CORPUS])
    if path.read_bytes().startswith(b"<!--")
]


def test_corpus_has_duty_machine_files() -> None:
    assert len(DUTY_MACHINE) == 273  # 280 oped2 articles minus 9 dated cdt ones, + 2 news


@pytest.mark.parametrize("path", DUTY_MACHINE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_render_read_render_is_stable_and_byte_exact(path: Path) -> None:
    item = read_archive_file(path)
    assert item.published is not None
    first = render_item(item.title, item.link, item.published, item.html)
    again = read_archive_text(first, str(path))
    assert again.title == item.title and again.link == item.link
    assert again.published == item.published
    assert render_item(again.title, again.link, item.published, again.html) == first
    if "\n" not in item.html:  # every duty-machine body is one line: the file comes back as is
        assert first.encode("utf-8") == path.read_bytes()


def test_jekyll_and_dated_render_to_stable_duty_machine_text() -> None:
    for name in [
        "nodebe4-oped2-jekyll-posts/2014-08-27-000.md",
        "duty-machine-chinadigitaltimes/399577.md",
    ]:
        item = read_archive_file(ARCHIVE_CORPUS / name)
        assert item.published is not None
        text = render_item(item.title, item.link, item.published, item.html)
        body = text.split("\n------\n\n", 1)[1]
        assert body.count("\n") == 1 and body.endswith("\n")
        again = read_archive_text(text)
        assert again.variant == "duty-machine" and again.published == item.published
        assert render_item(again.title, again.link, item.published, again.html) == text


def test_render_item_exact_shape() -> None:
    published = datetime(2024, 2, 3, 17, 45, 2, 999000, tzinfo=timezone(timedelta(hours=8)))
    html = "  <div>\n\t<p>一</p>  \r\n\ufeff<p>二 三</p>\u3000\n\n"
    text = render_item("  标题 \n 续 ", "HTTPS://Example.ORG/路径 x?q=中#frag", published, html)
    assert text == (
        "<!--1706953502999-->\n"
        "[标题 续](https://example.org/%E8%B7%AF%E5%BE%84%20x?q=%E4%B8%AD#frag)\n"
        "------\n\n"
        "<div><p>一</p><p>二 三</p>\n"
    )


def test_render_item_without_link() -> None:
    text = render_item("t", None, datetime(1970, 1, 1, tzinfo=UTC), "<p>x</p>")
    assert text == "<!--0-->\n[t]()\n------\n\n<p>x</p>\n"
    assert read_archive_text(text).link is None


def test_epoch_ms_is_exact_and_naive_means_utc() -> None:
    moment = datetime(2020, 7, 20, 17, 55, 27, 123000, tzinfo=UTC)
    assert epoch_ms(moment) == 1595267727123
    assert epoch_ms(moment.replace(tzinfo=None)) == 1595267727123
    assert epoch_ms(datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)) == -1


def test_js_trim_matches_javascript_not_python() -> None:
    assert js_trim("\ufeff\xa0 x \u3000\u2028") == "x"
    assert js_trim("\x85x\x1c") == "\x85x\x1c"  # Python's strip would remove these


def _row(day: int, hour: int, title: str, name: str) -> tuple[datetime, str, str]:
    return datetime(2024, 2, day, hour, tzinfo=UTC), title, name


def test_render_list_format_newest_first_in_utc8() -> None:
    rows = [_row(3, 9, "older", "1048575.md"), _row(3, 17, "newer", "1048574.md")]
    text = render_list("法广", rows, site_dir="rfi")
    assert text == (
        "法广\n------\n\n"
        "2-4 [newer](/articles/rfi/1048574.md)\n\n"  # 17:00 UTC is the 4th in UTC+8
        "2-3 [older](/articles/rfi/1048575.md)\n"
    )
    assert render_list("rfi", rows[:1]) == "rfi\n------\n\n2-3 [older](/articles/rfi/1048575.md)\n"
    assert render_list("empty", []) == "empty\n------\n\n"


def test_render_list_keeps_latest_300() -> None:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    rows = [(start + timedelta(hours=i), f"t{i}", f"{1048575 - i}.md") for i in range(450)]
    text = render_list("s", rows)
    entries = text.split("\n------\n\n", 1)[1].rstrip("\n").split("\n\n")
    assert len(entries) == 300
    assert entries[0].endswith("[t449](/articles/s/1048126.md)")
    assert entries[-1].endswith("[t150](/articles/s/1048425.md)")
