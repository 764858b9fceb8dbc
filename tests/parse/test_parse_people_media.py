"""Authors pass down as the specs say; Media RSS and FeedBurner's originals are read;
enclosures are absolute, each once, and never resolved from a value that is no URL."""

from __future__ import annotations

from feedvault.parse import parse_feed

ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id>
<author><name>Feed Writer</name><email>f@example.org</email></author>
<entry><id>urn:1</id><title>own</title><author><name>Entry Writer</name></author></entry>
<entry><id>urn:2</id><title>inherits</title></entry>
<entry><id>urn:3</id><title>from source</title>
  <source><id>urn:s</id><author><name>Source Writer</name></author></source></entry>
<entry><id>urn:4</id><title>email only</title><author><email>e@example.org</email></author></entry>
</feed>"""

RSS = b"""<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
 xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
<channel><title>c</title><link>https://example.org/</link><itunes:author>Show Host</itunes:author>
<item><guid>1</guid><author>jane@example.org (Jane Doe)</author>
  <link>https://feeds.feedburner.com/~r/x/~3/abc/</link>
  <feedburner:origLink>https://example.org/articles/1</feedburner:origLink>
  <enclosure url="https://feeds.feedburner.com/~r/x/~5/ep1.mp3" type="audio/mpeg" length="1"/>
  <feedburner:origEnclosureLink>https://example.org/ep1.mp3</feedburner:origEnclosureLink>
</item>
<item><guid>2</guid><dc:creator>John Roe &lt;john@example.org&gt;</dc:creator>
  <media:group><media:content url="https://example.org/v.mp4" type="video/mp4"/>
  <media:thumbnail url="/thumb.jpg"/></media:group>
  <media:content url="https://example.org/v.mp4"/>
  <enclosure url="null"/><enclosure url="not a url"/>
  <enclosure url="/a.mp3"/><enclosure url="/a.mp3"/>
</item>
<item><guid>3</guid><media:credit role="photographer">Cam Era</media:credit>
  <media:thumbnail url="https://example.org/t3.jpg"/></item>
<item><guid>4</guid><media:credit role="author">Credited Writer</media:credit></item>
</channel></rss>"""


def test_atom_entries_inherit_the_feed_author_unless_they_or_their_source_have_one() -> None:
    feed = parse_feed(ATOM)
    assert [e.author for e in feed.entries] == [
        "Entry Writer", "Feed Writer", "Source Writer", "e@example.org"
    ]


def test_rss_authors_names_from_email_forms_itunes_and_media_credit() -> None:
    feed = parse_feed(RSS, url="https://example.org/feed")
    assert [e.author for e in feed.entries] == [
        "Jane Doe", "John Roe", "Show Host", "Credited Writer"
    ]


def test_feedburner_originals_replace_the_tracking_links() -> None:
    first = parse_feed(RSS, url="https://example.org/feed").entries[0]
    assert first.link == "https://example.org/articles/1"
    assert first.enclosures[0] == "https://example.org/ep1.mp3"


def test_media_rss_enclosures_resolved_deduplicated_and_no_junk() -> None:
    entries = parse_feed(RSS, url="https://example.org/feed").entries
    assert entries[1].enclosures == (
        "https://example.org/v.mp4", "https://example.org/thumb.jpg", "https://example.org/a.mp3"
    )
    assert entries[2].enclosures == ("https://example.org/t3.jpg",)


def test_json_feed_authors_as_one_object_and_from_the_feed() -> None:
    doc = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "j",
    "authors": {"name": "Feed Person"},
    "items": [{"id": "1", "content_text": "x"},
              {"id": "2", "content_text": "y", "authors": {"name": "Item Person"}},
              {"id": "3", "content_text": "z", "author": {"name": "Old Style"}}]}"""
    feed = parse_feed(doc)
    assert [e.author for e in feed.entries] == ["Feed Person", "Item Person", "Old Style"]
