"""image_refs: which images a version shows, from its raw and its cleaned HTML."""

from __future__ import annotations

import pytest

from feedvault.clean.entry import clean_entry
from feedvault.media.model import MediaRef
from feedvault.media.refs import MAX_CANDIDATES, MAX_URL_CHARS, image_refs, parse_srcset

BASE = "http://127.0.0.1:9/news/story.html"


def urls(refs: list[MediaRef]) -> list[str]:
    return [r.url for r in refs]


def test_img_src_resolved_against_the_base_in_document_order() -> None:
    html = '<p><img src="a.png"><img src="/b.jpg"><img src="//127.0.0.1:9/c.gif"></p>'
    assert image_refs(html, BASE) == [
        MediaRef("http://127.0.0.1:9/news/a.png", "img"),
        MediaRef("http://127.0.0.1:9/b.jpg", "img"),
        MediaRef("http://127.0.0.1:9/c.gif", "img"),
    ]


def test_protocol_relative_without_base_is_https_as_the_cleaner_does() -> None:
    assert urls(image_refs('<img src="//127.0.0.1:9/x.png">', None)) == ["https://127.0.0.1:9/x.png"]


def test_a_pages_base_element_is_honoured_when_reading_raw_html() -> None:
    page = ('<html><head><base href="/cdn/"></head><body><img src="a.png">'
            '<img src="http://127.0.0.1:9/b.png"></body></html>')
    assert urls(image_refs(page, BASE)) == ["http://127.0.0.1:9/cdn/a.png",
                                            "http://127.0.0.1:9/b.png"]
    bad = '<base href="javascript:x"><img src="a.png">'
    assert urls(image_refs(bad, BASE)) == ["http://127.0.0.1:9/news/a.png"]


def test_srcset_largest_width_wins_and_remembers_the_src_shown() -> None:
    html = ('<img src="small.jpg" srcset="small.jpg 320w, big.jpg 1200w, mid.jpg 800w">')
    assert image_refs(html, BASE) == [
        MediaRef("http://127.0.0.1:9/news/big.jpg", "srcset",
                 shown_as="http://127.0.0.1:9/news/small.jpg")
    ]


def test_srcset_density_largest_x_and_1x_keeps_src() -> None:
    two_x = '<img src="a.png" srcset="a.png 1x, a@3x.png 3x, a@2x.png 2x">'
    assert urls(image_refs(two_x, BASE)) == ["http://127.0.0.1:9/news/a@3x.png"]
    one_x = '<img src="a.png" srcset="other.png 1x">'
    assert image_refs(one_x, BASE) == [MediaRef("http://127.0.0.1:9/news/a.png", "img")]


def test_srcset_without_src_is_still_listed() -> None:
    assert image_refs('<img srcset="x.png 2x">', BASE) == [
        MediaRef("http://127.0.0.1:9/news/x.png", "srcset")
    ]


def test_picture_sources_offer_the_best_candidate_of_a_shown_type() -> None:
    html = (
        '<picture><source type="image/jxl" srcset="huge.jxl 4000w">'
        '<source type="image/webp" srcset="p-800.webp 800w, p-1600.webp 1600w">'
        '<source media="(max-width: 600px)" srcset="crop.jpg 600w">'
        '<img src="p.jpg" alt="x"></picture>'
    )
    assert image_refs(html, BASE) == [
        MediaRef("http://127.0.0.1:9/news/p-1600.webp", "source",
                 shown_as="http://127.0.0.1:9/news/p.jpg")
    ]


def test_video_poster_and_enclosures_after_the_images() -> None:
    html = '<video src="v.mp4" poster="poster.jpg"></video><img src="a.png">'
    refs = image_refs(html, BASE, enclosures=["http://127.0.0.1:9/pod.mp3", "relative.mp3",
                                              "http://127.0.0.1:9/pod.mp3"])
    assert refs == [
        MediaRef("http://127.0.0.1:9/news/poster.jpg", "poster"),
        MediaRef("http://127.0.0.1:9/news/a.png", "img"),
        MediaRef("http://127.0.0.1:9/pod.mp3", "enclosure"),
    ]


def test_lazy_loading_placeholders_are_looked_past() -> None:
    html = ('<img src="data:image/gif;base64,R0lGOD" data-src="real.jpg" '
            'data-srcset="real.jpg 400w, real-big.jpg 1000w">')
    assert image_refs(html, BASE) == [
        MediaRef("http://127.0.0.1:9/news/real-big.jpg", "srcset",
                 shown_as="http://127.0.0.1:9/news/real.jpg")
    ]


def test_same_url_once_and_every_shown_src_still_covered() -> None:
    html = ('<img src="a.jpg"><img src="a.jpg"><img src="b.jpg" srcset="a.jpg 2x">'
            '<img src="c.jpg" srcset="big.jpg 900w"><img src="d.jpg" srcset="big.jpg 900w">')
    refs = image_refs(html, "http://127.0.0.1:9/")
    assert refs == [
        MediaRef("http://127.0.0.1:9/a.jpg", "img"),
        MediaRef("http://127.0.0.1:9/b.jpg", "img"),  # its better candidate is a.jpg: listed
        MediaRef("http://127.0.0.1:9/big.jpg", "srcset", shown_as="http://127.0.0.1:9/c.jpg"),
        MediaRef("http://127.0.0.1:9/d.jpg", "img"),
    ]
    assert len(set(urls(refs))) == len(refs)


@pytest.mark.parametrize("src", [
    "data:image/png;base64,iVBORw0KGgo=", "javascript:alert(1)", "mailto:x@y", "ftp://h/x.png",
    "http://", "http:///path", "", "   ", "http://[::1", "about:blank", "x" * 10_000,
    "http://127.0.0.1:9/" + "a" * MAX_URL_CHARS,
])
def test_what_is_not_an_absolute_http_url_is_left_out(src: str) -> None:
    assert image_refs(f'<img src="{src}"><video poster="{src}"></video>', None) == []
    assert image_refs(f'<img srcset="{src} 2x">', None) == []


@pytest.mark.parametrize("html", [
    "", " ", "<", "<img", "<img src=", "\x00\x01<img src='\ud800'>", "<![CDATA[<img src=x>",
    "<svg><image href='http://127.0.0.1:9/s.png'/></svg>", "<img srcset=',,,,  ,'>",
    "<img srcset='a.png (((((( 2x'>", "<img srcset='a.png 2x 3x, b.png -1w, c.png NaNx'>",
    "<picture><source srcset></picture>", "&#0;&#xD800;<img src=&#0;>", "<html>" * 1000,
])
def test_hostile_html_never_raises(html: str) -> None:
    assert isinstance(image_refs(html, BASE, shown=html), list)
    assert isinstance(image_refs(html, BASE), list)


def test_huge_attribute_values_read_only_the_first_candidates() -> None:
    """A srcset of 100,000 candidates is read up to MAX_CANDIDATES (linear, bounded)."""
    huge = ", ".join(f"img{i}.jpg {i + 1}w" for i in range(100_000))
    html = f'<img src="a.jpg" srcset="{huge}" alt="{"x" * 1_000_000}">' * 3
    refs = image_refs(html, BASE)
    assert refs == [MediaRef(f"http://127.0.0.1:9/news/img{MAX_CANDIDATES - 1}.jpg", "srcset",
                             shown_as="http://127.0.0.1:9/news/a.jpg")]
    assert len(parse_srcset(huge)) == MAX_CANDIDATES


def test_parse_srcset_as_the_standard_splits_it() -> None:
    assert parse_srcset("a.jpg 1x,b.jpg 2x") == [("a.jpg", None, 1.0), ("b.jpg", None, 2.0)]
    assert parse_srcset("https://c/w_300,h_200/x.jpg 300w, y.jpg") == [
        ("https://c/w_300,h_200/x.jpg", 300, 1.0), ("y.jpg", None, 1.0)]
    assert parse_srcset("a.jpg,, b.jpg 100w 50h") == [("a.jpg", None, 1.0), ("b.jpg", 100, 1.0)]
    assert parse_srcset("a.jpg 0w, b.jpg 1.5x, c.jpg 2y, d.jpg 2x 3x") == [("b.jpg", None, 1.5)]


# --- raw and cleaned together: what H1's archiver calls for a version ----------------------


def refs_for(raw: str, link: str = BASE) -> tuple[list[MediaRef], str]:
    cleaned = clean_entry(raw, base_url=link, link=link).html
    return image_refs(raw, link, shown=cleaned), cleaned


def test_with_the_cleaned_html_every_shown_src_is_covered_and_srcset_upgrades() -> None:
    raw = (
        '<p>text</p><img src="a.jpg?utm_source=rss" srcset="a.jpg 400w, a-big.jpg 1600w">'
        '<img src="b.png" width="1" height="1">'  # a pixel: the cleaner drops it, not shown
        '<picture><source srcset="c.webp 2x" type="image/webp"><img src="c.jpg"></picture>'
        '<img src="data:image/gif;base64,R0l" data-src="lazy.jpg">'
        '<video poster="/p.jpg" src="/v.mp4" controls></video>'
    )
    refs, cleaned = refs_for(raw)
    assert "srcset" not in cleaned and "picture" not in cleaned
    assert refs == [
        MediaRef("http://127.0.0.1:9/news/a-big.jpg", "srcset",
                 shown_as="http://127.0.0.1:9/news/a.jpg"),
        MediaRef("http://127.0.0.1:9/news/c.webp", "source",
                 shown_as="http://127.0.0.1:9/news/c.jpg"),
        MediaRef("http://127.0.0.1:9/news/lazy.jpg", "img"),
        MediaRef("http://127.0.0.1:9/p.jpg", "poster"),
    ]


def test_a_src_the_raw_html_cannot_match_is_listed_as_the_cleaned_html_shows_it() -> None:
    """The cleaner resolved against another base (xml:base): the upgrade is lost, the
    coverage is not."""
    raw = '<img src="a.jpg" srcset="a-big.jpg 2x">'
    cleaned = clean_entry(raw, base_url="http://127.0.0.1:9/other/", link=BASE).html
    refs = image_refs(raw, BASE, shown=cleaned)
    assert refs == [MediaRef("http://127.0.0.1:9/other/a.jpg", "img")]


def test_cleaned_html_alone_lists_exactly_its_img_src() -> None:
    raw = '<img src="x.jpg" srcset="y.jpg 3x"><img src="z.gif">'
    cleaned = clean_entry(raw, base_url=BASE, link=BASE).html
    assert image_refs(cleaned, None) == [
        MediaRef("http://127.0.0.1:9/news/x.jpg", "img"),
        MediaRef("http://127.0.0.1:9/news/z.gif", "img"),
    ]


def test_corpus_feeds_every_cleaned_img_is_covered(corpus: object) -> None:
    """Real items: for every stored-as-cleaned image, some ref has it as url or shown_as."""
    from pathlib import Path

    from feedvault.parse import parse_feed

    assert isinstance(corpus, Path)
    checked = 0
    for path in sorted((corpus / "feeds").rglob("*.xml"))[:40]:
        parsed = parse_feed(path.read_bytes(), url=path.as_uri())
        for entry in parsed.entries:
            if "<img" not in entry.content_html:
                continue
            base = entry.base_url or entry.link
            cleaned = clean_entry(entry.content_html, base_url=base, link=entry.link)
            refs = image_refs(entry.content_html, entry.link, shown=cleaned.html)
            covered = {r.shown_as or r.url for r in refs}
            shown = [r.url for r in image_refs(cleaned.html, None)]
            assert set(shown) <= covered, (path.name, entry.link)
            checked += len(shown)
    assert checked > 50
