"""Documents other readers read and feedvault used to get wrong or refuse."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedvault.clean.entry import clean_entry
from feedvault.errors import ParseError
from feedvault.parse import parse_feed


def test_an_atom_id_that_is_a_web_url_is_the_link_when_there_is_none() -> None:
    doc = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>u</id>
    <entry><id>https://example.org/post/1</id><title>x</title></entry>
    <entry><id>tag:example.org,2020:2</id><title>y</title></entry>
    <entry><id>https://example.org/post/3</id><title>z</title>
      <link href="https://example.org/real/3"/></entry></feed>"""
    assert [e.link for e in parse_feed(doc).entries] == [
        "https://example.org/post/1", None, "https://example.org/real/3"
    ]


def test_atom03_content_in_xml_mode_keeps_its_markup() -> None:
    doc = b"""<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>t</title>
    <entry><id>u1</id><title>x</title><content type="text/html" mode="xml"><b
    xmlns="http://www.w3.org/1999/xhtml">bold</b> text</content></entry></feed>"""
    assert parse_feed(doc).entries[0].content_html == "<b>bold</b> text"


def test_rss_written_as_json_is_read() -> None:
    doc = b"""{"rss": {"version": "2.0", "channel": {"title": "Scripting", "link":
    "https://example.org/", "item": [{"title": "a", "link": "https://example.org/a",
    "description": "<p>x</p>", "guid": {"#value": "1", "isPermaLink": false},
    "pubDate": "Sun, 18 Oct 2020 14:33:00 +0800", "author": "me@example.org (Me)",
    "enclosure": {"url": "https://example.org/a.mp3", "type": "audio/mpeg"}}]}}}"""
    feed = parse_feed(doc)
    assert (feed.format, feed.title, feed.link) == ("rss20json", "Scripting", "https://example.org/")
    (entry,) = feed.entries
    assert (entry.guid, entry.link, entry.content_html, entry.author) == (
        "1", "https://example.org/a", "<p>x</p>", "Me"
    )
    assert entry.published == datetime(2020, 10, 18, 6, 33, tzinfo=UTC)
    assert entry.enclosures == ("https://example.org/a.mp3",)


def test_microsoft_cdf_is_refused_with_its_name() -> None:
    data = b'<?xml version="1.0"?><CHANNEL HREF="http://127.0.0.1/"><ITEM><TITLE>a</TITLE>' \
        b"</ITEM></CHANNEL>"
    with pytest.raises(ParseError, match="Microsoft CDF channel, not supported"):
        parse_feed(data)


def test_youtube_media_description_is_the_content() -> None:
    data = (
        b'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">'
        b"<title>yt</title><entry><id>yt:video:1</id><title>v</title>"
        b'<link rel="alternate" href="https://127.0.0.1/watch?v=1"/><media:group>'
        b'<media:content url="https://127.0.0.1/v/1" type="application/x-shockwave-flash"/>'
        b"<media:description>Line one &lt;b&gt;\n\nLine two</media:description>"
        b"</media:group></entry></feed>"
    )
    entry = parse_feed(data).entries[0]
    assert clean_entry(entry.content_html).text == "Line one <b>\n\nLine two"
    assert entry.enclosures == ("https://127.0.0.1/v/1",)
