"""Reading every archive variant in the corpus, and the seed's byte-exact round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from archive_corpus import ARCHIVE_CORPUS, SEED

from feedvault.archive import (
    iter_archive_paths,
    looks_like_opml,
    read_archive_file,
    read_archive_text,
    render_item,
)
from feedvault.errors import ArchiveFormatError

CORPUS_FILES = [path for path, _ in iter_archive_paths([ARCHIVE_CORPUS])]


def test_seed_round_trip_is_byte_exact() -> None:
    item = read_archive_file(SEED)
    assert item.variant == "duty-machine"
    assert item.title == "美国称与中国商讨禁止芬太尼有进展"
    assert item.published == datetime(2024, 2, 3, 9, 45, 2, tzinfo=UTC)
    assert item.link is not None and item.link.startswith("https://www.rfi.fr/cn/%E7%BE%8E")
    assert item.html.startswith("<div>03/02/2024 - 10:34</div><img ")
    rendered = render_item(item.title, item.link, item.published, item.html)
    assert rendered.encode("utf-8") == SEED.read_bytes()


def test_corpus_walk_finds_every_variant() -> None:
    hints = {hint for _, hint in iter_archive_paths([ARCHIVE_CORPUS])}
    assert len(CORPUS_FILES) == 337  # 280 + 40 + 15 + 2 (SOURCES.md), MANIFEST.tsv skipped
    assert {"rfi", "cdt", "bbc", "nodebe4-oped2-jekyll-posts"} <= hints
    assert sorted(CORPUS_FILES) == CORPUS_FILES
    assert all(path.suffix == ".md" for path in CORPUS_FILES)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_file_reads(path: Path) -> None:
    item = read_archive_file(path)
    text = path.read_bytes().decode("utf-8")
    assert item.title.strip()
    assert item.html.strip()
    assert item.link and item.link.startswith("http")
    if "<!--" in text.split("\n", 1)[0] or "日期：" in text[:2000] or "\ndate:" in text[:2000]:
        assert item.published is not None
        assert item.published.utcoffset() == timedelta(0)
    expected = {"nodebe4-oped2-jekyll-posts": "jekyll"}.get(path.parent.name)
    if expected is None:
        expected = "duty-machine" if text.startswith("<!--") else "dated"
    assert item.variant == expected


def test_dated_variant_reads_rfc822_date() -> None:
    item = read_archive_file(ARCHIVE_CORPUS / "duty-machine-chinadigitaltimes" / "399577.md")
    assert item.variant == "dated"
    assert item.title == "曹教授｜谢谢俄国大使馆的特别提醒"
    assert item.published == datetime(2020, 7, 2, 18, 28, 24, tzinfo=UTC)
    assert item.html.startswith("<blockquote")


def test_jekyll_variant_keeps_front_matter_and_prefers_ms_date() -> None:
    item = read_archive_file(ARCHIVE_CORPUS / "nodebe4-oped2-jekyll-posts" / "2014-08-27-000.md")
    assert item.variant == "jekyll"
    assert item.front_matter["layout"] == "post"
    assert item.front_matter["title"] == "A Letter to My Former Family From a Shelter Cat"
    assert item.title == item.front_matter["title"]
    assert item.link == item.front_matter["from"]
    assert item.published == datetime(2014, 8, 27, 8, 11, 17, tzinfo=UTC)


def test_front_matter_date_used_when_no_ms_line() -> None:
    text = '---\ntitle: "A \\"quoted\\" title"\ndate: 2020-07-20 12:00:00 +0800\n---\n'
    text += "[](https://example.org/a)\n------\n\n<p>x</p>\n"
    item = read_archive_text(text, "post.md")
    assert item.title == 'A "quoted" title'
    assert item.published == datetime(2020, 7, 20, 4, 0, tzinfo=UTC)
    assert item.html == "<p>x</p>"


def test_bare_carriage_return_in_body_survives() -> None:
    # Four RFA files carry a bare \r inside a body line; duty-machine only split on \n.
    path = ARCHIVE_CORPUS / "nodebe4-oped2" / "rfa" / "1048408.md"
    raw = path.read_bytes()
    assert b"\r" in raw
    item = read_archive_file(path)
    assert "\r" in item.html and item.published is not None
    assert render_item(item.title, item.link, item.published, item.html).encode() == raw


def test_title_with_brackets_splits_at_last_link() -> None:
    text = "<!--0-->\n[[冷戰物語]做咩啫 [x](y)](https://matters.news/a(b))\n------\n\nbody\n"
    item = read_archive_text(text)
    assert item.title == "[冷戰物語]做咩啫 [x](y)"
    assert item.link == "https://matters.news/a(b)"


@pytest.mark.parametrize(
    "text, message",
    [
        ("# Just a README\n\nhello\n", "no '[title](link)' line"),
        ("<!--1-->\n[t](https://x.org/)\nbody\n", "missing '------'"),
        ("---\ntitle: x\n<!--1-->\n", "front matter"),
        ("", "no '[title](link)' line"),
    ],
)
def test_non_archive_text_is_one_line_error_naming_file(text: str, message: str) -> None:
    with pytest.raises(ArchiveFormatError) as info:
        read_archive_text(text, "some/file.md")
    assert str(info.value).startswith("some/file.md: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_unreadable_files_raise_archive_format_error(tmp_path: Path) -> None:
    binary = tmp_path / "x.md"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ArchiveFormatError, match="x.md: not UTF-8"):
        read_archive_file(binary)
    with pytest.raises(ArchiveFormatError, match="missing.md: cannot read"):
        read_archive_file(tmp_path / "missing.md")


def test_non_numeric_ms_line_gives_no_date_not_an_error() -> None:
    item = read_archive_text("<!--undefined-->\n[t](https://x.org/)\n------\n\nb\n")
    assert item.published is None and item.title == "t"


def test_iter_archive_paths_skips_lists_hidden_and_readme(tmp_path: Path) -> None:
    for rel in [
        "articles/rfi/1048575.md",
        "articles/rfi/1048574.md",
        "lists/rfi.md",
        ".feedvault/x.md",
        "README.md",
        "articles/rfi/MANIFEST.tsv",
        "articles/rfi/.hidden.md",
        "articles/rfi/notes.json",
        "other/seed.txt",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    found = list(iter_archive_paths([tmp_path, tmp_path / "articles"]))
    assert [(p.relative_to(tmp_path).as_posix(), hint) for p, hint in found] == [
        ("articles/rfi/1048574.md", "rfi"),
        ("articles/rfi/1048575.md", "rfi"),
        ("other/seed.txt", "other"),
    ]
    explicit = list(iter_archive_paths([tmp_path / "README.md"]))
    assert [p.name for p, _ in explicit] == ["README.md"]


def test_looks_like_opml(tmp_path: Path) -> None:
    opml = tmp_path / "subs.xml"
    opml.write_bytes(b'<?xml version="1.0"?>\n<!-- x -->\n<opml version="2.0"><body/></opml>')
    assert looks_like_opml(opml)
    assert looks_like_opml(tmp_path / "anything.OPML")
    assert not looks_like_opml(SEED)
    assert not looks_like_opml(tmp_path / "missing.xml")


def test_hostile_ms_lines_and_nul_are_read_not_raised() -> None:
    """Fuzzing found these: a ``<!--ms-->`` line of thousands of digits (int() refuses it)
    is no date; NUL (no PostgreSQL text can hold it) becomes U+FFFD."""
    huge = read_archive_text("<!-- " + "9" * 5000 + " -->\n[t](https://a.example/)\n------\n\nx")
    assert (huge.published, huge.title) == (None, "t")
    nul = read_archive_text("<!--0-->\n[a\x00b](https://a.example/)\n------\n\n<p>\x00</p>")
    assert (nul.title, nul.html) == ("a\ufffdb", "<p>\ufffd</p>")
