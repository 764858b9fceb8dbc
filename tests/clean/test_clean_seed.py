"""The seed article: RFI via feedx, with share buttons, promo placeholders and feedx footer."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest
from clean_corpus import SEED, archive_body

from feedvault.clean import CleanResult, clean_entry


@pytest.fixture(scope="module")
def seed() -> CleanResult:
    body = archive_body(SEED)
    assert body.link is not None and "rfi.fr" in body.link
    return clean_entry(body.html, link=body.link)


def test_eleven_paragraphs_and_the_photo(seed: CleanResult) -> None:
    root = lxml.html.fragment_fromstring(seed.html, create_parent="div")
    assert len(root.findall(".//p")) == 11
    images = root.findall(".//img")
    assert [i.get("src") for i in images] == [
        "https://s.rfi.fr/media/display/2429d442-5e8b-11ec-975a-005056a97e36/w:1280/p:16x9/"
        "AP21119723253276.jpg"
    ]
    assert seed.images == (images[0].get("src"),)


def test_no_chrome(seed: CleanResult) -> None:
    for chrome in ("facebook", "whatsapp", "x.com", "intent/tweet", "selfpromo", "share-button",
                   "share-modal", "data-root-share", "分享", "获取更多RSS", "feedx",
                   "03/02/2024", "<hr", "style="):
        assert chrome not in seed.html, chrome
        assert chrome not in seed.text, chrome


def test_text_starts_with_the_lead(seed: CleanResult) -> None:
    assert seed.text.startswith("美国一位高级官员周五在与中国讨论芬太尼")
    assert seed.text.endswith("因为北京认为这场危机削弱了美国。")
    paragraphs = seed.text.split("\n\n")
    assert len(paragraphs) == 11
    assert all(p == p.strip() and "<" not in p for p in paragraphs)


def test_date_line_is_paris_time(seed: CleanResult) -> None:
    assert seed.date_hint == datetime(2024, 2, 3, 9, 34, tzinfo=UTC)


def test_date_line_in_summer_time() -> None:
    result = clean_entry("<div>25/09/2023 - 00:48</div><p>x</p>", link="https://www.rfi.fr/cn/a")
    assert result.date_hint == datetime(2023, 9, 24, 22, 48, tzinfo=UTC)
    assert result.text == "x"


def test_date_rule_is_per_site() -> None:
    result = clean_entry("<div>25/09/2023 - 00:48</div>", link="https://example.com/a")
    assert result.date_hint is None
    assert "25/09/2023" in result.text
