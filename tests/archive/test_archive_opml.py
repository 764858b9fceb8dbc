"""OPML: every real export in the corpus, malformed input, hostile input, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from archive_corpus import OPML_CORPUS

from feedvault.archive import OpmlFeed, read_opml, write_opml
from feedvault.errors import ArchiveFormatError

# Feeds per file after de-duplication by xmlUrl. SOURCES.md lists xmlUrl outlines found by a
# text search; two files differ: inoreader-echopi has 2 of its 19 inside an XML comment, and
# google-reader-aramzs lists 40 of its 710 feeds under two folders.
EXPECTED = {
    "feedly-lmmx.opml": 389,
    "feedly-miao1007.opml": 17,
    "feedly-mollykannn.opml": 69,
    "google-reader-aramzs.opml": 670,
    "inoreader-echopi.opml": 17,
    "rsparser-Subs.opml": 207,
    "rsparser-SubsNoTitleAttributes.opml": 207,
    "subscriptions-ls0111.opml": 1,
    "subscriptions-rycbar77.opml": 135,
}


def test_corpus_is_complete() -> None:
    assert sorted(p.name for p in OPML_CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_reads_and_round_trips(name: str) -> None:
    feeds = read_opml((OPML_CORPUS / name).read_bytes(), path=name)
    assert len(feeds) == EXPECTED[name]
    assert len({feed.xml_url for feed in feeds}) == len(feeds)
    assert all(feed.title.strip() and feed.xml_url.startswith("http") for feed in feeds)
    back = read_opml(write_opml(feeds))
    assert sorted(back, key=repr) == sorted(feeds, key=repr)
    assert write_opml(back) == write_opml(read_opml(write_opml(back)))  # deterministic


def test_categories_come_from_parent_outline() -> None:
    feeds = read_opml((OPML_CORPUS / "inoreader-echopi.opml").read_bytes())
    by_url = {feed.xml_url: feed for feed in feeds}
    assert by_url["https://css-tricks.com/feed/"] == OpmlFeed(
        "CSS-Tricks", "https://css-tricks.com/feed/", "http://css-tricks.com/", "cs"
    )
    sspai = by_url["http://sspai.com/feed"]
    assert sspai.category == "info" and sspai.title == "少数派"
    assert "https://twitrss.me/twitter_user_to_rss/?user=elonmusk" not in by_url  # commented


def test_missing_title_attribute_falls_back_to_text() -> None:
    with_titles = read_opml((OPML_CORPUS / "rsparser-Subs.opml").read_bytes())
    no_titles = read_opml((OPML_CORPUS / "rsparser-SubsNoTitleAttributes.opml").read_bytes())
    assert no_titles == with_titles
    assert no_titles[0].title == "Daring Fireball" and no_titles[0].category is None


def test_scheme_less_urls_from_old_exports_are_made_absolute() -> None:
    feeds = read_opml((OPML_CORPUS / "google-reader-aramzs.opml").read_bytes())
    by_title = {feed.title: feed for feed in feeds}
    assert by_title["CFOWorld Blogs"].xml_url == "http://www.cfoworld.com/blog/feed"
    assert by_title["CFOWorld Blogs"].html_url == "http://www.cfoworld.com/blog"
    data = b'<opml><body><outline text="p" xmlUrl="//cdn.example/f.xml"/></body></opml>'
    assert read_opml(data)[0].xml_url == "https://cdn.example/f.xml"


def test_no_title_no_text_uses_url_and_attributes_are_case_insensitive() -> None:
    data = b"""<opml version="1.0"><body><outline text="News">
      <outline xmlurl=" https://a.example/feed " htmlurl="https://a.example/"/>
      <outline><outline title="deep" xmlUrl="https://b.example/rss"/></outline>
      <outline title="dupe" xmlUrl="https://a.example/feed"/>
    </outline></body></opml>"""
    assert read_opml(data) == [
        OpmlFeed("https://a.example/feed", "https://a.example/feed", "https://a.example/", "News"),
        OpmlFeed("deep", "https://b.example/rss", None, "News"),
    ]


def test_malformed_xml_is_recovered() -> None:
    data = b"""<?xml version="1.0"?><opml version="2.0"><body>
      <outline text="A & B" xmlUrl="https://x.example/?a=1&b=2"/>
      <outline text="ok" xmlUrl="https://y.example/feed"/>
    </body>"""
    feeds = read_opml(data, path="broken.opml")
    assert [feed.xml_url for feed in feeds][-1] == "https://y.example/feed"
    assert len(feeds) == 2


@pytest.mark.parametrize(
    "data",
    [b"", b"   ", b"not xml at all", b"<rss><channel/></rss>", b"\xff\xfe\x00<"],
)
def test_not_opml_is_one_line_error_naming_file(data: bytes) -> None:
    with pytest.raises(ArchiveFormatError) as info:
        read_opml(data, path="subs.opml")
    assert str(info.value).startswith("subs.opml: ")
    assert "\n" not in str(info.value)


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    data = f"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY x SYSTEM "file://{secret}">]>
<opml version="2.0"><body><outline text="&x;" xmlUrl="https://e.example/f"/></body></opml>
""".encode()
    feeds = read_opml(data)
    assert all("TOPSECRET" not in feed.title for feed in feeds)


def test_write_opml_shape_and_unsafe_characters() -> None:
    feeds = [
        OpmlFeed("BBC 中文", "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml", None, "新闻"),
        OpmlFeed("Ctrl\x0bchar <&>", "https://x.example/?a=1&b=2", "https://x.example/", None),
    ]
    data = write_opml(feeds, title="我的订阅")
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<opml version=\"2.0\">")
    assert "<title>我的订阅</title>".encode() in data
    assert b'xmlUrl="https://x.example/?a=1&amp;b=2"' in data
    back = read_opml(data)
    assert back[0] == feeds[0]
    assert back[1].title == "Ctrlchar <&>"
