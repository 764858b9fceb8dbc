"""Feed discovery, feed sniffing and charset detection, on real feeds from the corpus."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fetch_loopback import Server, respond

from feedvault.fetch import Fetcher
from feedvault.fetch.charset import decode_text, detect_encoding
from feedvault.fetch.discover import (
    candidate_urls,
    discover_feeds,
    feed_title,
    find_feeds,
    looks_like_feed,
)

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
FEED_FILES = sorted((CORPUS / "feeds").glob("*/*"))
GB_FEED = CORPUS / "feeds" / "zh" / "kc0011-gb2312-1.xml"
NOT_FEEDS = {
    "rsparser-allthis-partial.json",  # cut off mid-way
    "rsparser-ScriptingNews.json",  # RSS 2.0 mapped to JSON, not a JSON Feed
}
GB_TITLE = "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文"

PAGE = b"""<!DOCTYPE html>
<html><head><title>News</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="All news" href="/feed.rss">
<link rel="Alternate" type="application/atom+xml; charset=utf-8" title="Atom" href="atom">
<link rel="alternate" type="application/feed+json" href="https://cdn.example/feed.json">
<link rel="alternate" type="application/rss+xml" href="/feed.rss">
<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
<link rel="alternate" type="text/xml+oembed" href="/oembed">
<link rel="alternate" hreflang="fr" href="/fr/">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body><p>Hello</p></body></html>"""


def test_discover_feeds_from_link_elements() -> None:
    assert discover_feeds(PAGE, "https://site.example/news/") == [
        ("https://site.example/feed.rss", "All news"),
        ("https://site.example/news/atom", "Atom"),
        ("https://cdn.example/feed.json", ""),
    ]


def test_discover_feeds_honours_base_and_survives_junk() -> None:
    page = b'<html><head><base href="https://b.example/x/"><link rel="alternate" ' \
           b'type="application/atom+xml" href="a.xml"></head></html>'
    assert discover_feeds(page, "https://site.example/") == [("https://b.example/x/a.xml", "")]
    assert discover_feeds(b"", "https://site.example/") == []
    assert discover_feeds(b"\x00\xff not html at all", "https://site.example/") == []


def test_candidate_urls_are_on_the_site_root() -> None:
    assert candidate_urls("https://site.example/a/b?q=1") == [
        "https://site.example/feed", "https://site.example/rss",
        "https://site.example/atom.xml", "https://site.example/feed.xml",
        "https://site.example/index.xml", "https://site.example/rss.xml",
    ]


@pytest.mark.parametrize("path", FEED_FILES, ids=lambda p: p.name)
def test_every_corpus_feed_looks_like_a_feed(path: Path) -> None:
    content = path.read_bytes()
    assert looks_like_feed(content, None) is (path.name not in NOT_FEEDS)


@pytest.mark.parametrize("content", [
    PAGE, b"<html><body>rss feed</body></html>", b"", b"   ", b"{\"items\": 3}",
    b"<?xml version='1.0'?><urlset><url/></urlset>", b"[1, 2]", b"{not json",
    b"<!-- <rss> --><html/>",
])
def test_pages_and_other_xml_do_not_look_like_feeds(content: bytes) -> None:
    assert not looks_like_feed(content, "text/xml")


def test_feed_sniffing_sees_past_prolog_bom_and_utf16() -> None:
    atom = '<?xml version="1.0"?>\n<!-- hi -->\n<!DOCTYPE feed [<!ENTITY x "y">]>\n' \
           '<?xml-stylesheet href="s.xsl"?>\n<feed xmlns="http://www.w3.org/2005/Atom"/>'
    assert looks_like_feed(atom.encode(), "text/html")
    assert looks_like_feed(b"\xef\xbb\xbf" + atom.encode(), None)
    assert looks_like_feed(atom.encode("utf-16"), None)
    assert looks_like_feed(b"<rdf:RDF xmlns:rdf='x'/>", None)
    assert looks_like_feed(b'{"items": []}', "application/feed+json")


def test_feed_title() -> None:
    assert feed_title(GB_FEED.read_bytes()) == GB_TITLE
    assert feed_title(b'{"version": "https://jsonfeed.org/version/1", "title": " J "}') == "J"
    assert feed_title(b"<html") == ""


def test_find_feeds_on_a_page_a_feed_and_by_probing(
    make_server: Callable[..., Server], fetcher: Fetcher
) -> None:
    site = make_server()
    feed = GB_FEED.read_bytes()
    site.routes["/"] = lambda r, c: respond(c, 200, {"Content-Type": "text/html"}, PAGE)
    site.routes["/feed.rss"] = lambda r, c: respond(c, 200, {}, feed)
    assert find_feeds(fetcher, site.url("/"))[0] == (site.url("/feed.rss"), "All news")
    assert find_feeds(fetcher, site.url("/feed.rss")) == [(site.url("/feed.rss"), GB_TITLE)]

    bare = make_server()
    bare.routes["/"] = lambda r, c: respond(c, 200, {"Content-Type": "text/html"}, b"<p>hi")
    bare.routes["/rss"] = lambda r, c: respond(c, 301, {"Location": "/rss.xml"})
    bare.routes["/rss.xml"] = lambda r, c: respond(c, 200, {}, feed)
    bare.routes["/feed"] = lambda r, c: respond(c, 200, {}, b"<html>not a feed</html>")
    assert find_feeds(fetcher, bare.url("/")) == [(bare.url("/rss.xml"), GB_TITLE)]


def test_html_page_instead_of_a_feed_is_fetched_but_not_a_feed(
    server: Server, fetcher: Fetcher
) -> None:
    server.routes["/feed"] = lambda r, c: respond(
        c, 200, {"Content-Type": "application/rss+xml"}, PAGE
    )
    result = fetcher.fetch(server.url("/feed"))
    assert result.content == PAGE and result.status == 200
    assert not looks_like_feed(result.content, result.content_type)


# --- charsets ---


@pytest.mark.parametrize("label", [
    "text/xml; charset=utf-8", "text/xml; charset=iso-8859-1", "text/xml", None,
    "text/xml; charset=gb2312", "text/xml; charset=bogus-charset",
])
def test_gb2312_feed_decodes_whatever_the_header_says(label: str | None,
                                                      server: Server, fetcher: Fetcher) -> None:
    server.routes["/feed"] = lambda r, c: respond(
        c, 200, {"Content-Type": label} if label else {}, GB_FEED.read_bytes()
    )
    result = fetcher.fetch(server.url("/feed"))
    assert detect_encoding(result.content, result.content_type) == "gb18030"
    assert GB_TITLE in decode_text(result.content, result.content_type)


def test_utf8_labelled_gb2312_decodes_as_utf8() -> None:
    utf8 = GB_FEED.read_bytes().decode("gb18030").encode("utf-8")
    assert detect_encoding(utf8, "text/xml; charset=gb2312") == "utf-8"
    assert GB_TITLE in decode_text(utf8, "text/xml; charset=gb2312")


def test_charset_from_bom_declaration_and_label() -> None:
    assert decode_text("\ufeff<rss>é</rss>".encode("utf-16-le"), "text/xml; charset=utf-8") \
        == "<rss>é</rss>"
    assert decode_text(b"\xef\xbb\xbf<rss/>") == "<rss/>"
    latin = '<?xml version="1.0" encoding="iso-8859-1"?><rss>café</rss>'.encode("latin-1")
    assert detect_encoding(latin, None) == "cp1252"
    assert decode_text(latin).endswith("café</rss>")
    broken = b"<rss>caf\xe9 \xff</rss>"  # neither UTF-8 nor GB18030: replaced, no exception
    assert decode_text(broken, "text/xml; charset=utf-8") == "<rss>caf\ufffd \ufffd</rss>"
