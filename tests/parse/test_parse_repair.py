"""A fault in one place of a feed that is not well formed changes nothing anywhere else.

libxml2's recover mode, after one bare ``&``, dropped every later ``&amp;``/``&lt;``/``&gt;``
of the document; parse/repair.py mends each fault where it is. Each fault is put at each
kind of place (feed title, an item's title, link, content) of an RSS and an Atom feed, and
every other item must read exactly as in the well-formed feed.
"""

from __future__ import annotations

import pytest

from feedvault.parse import parse_feed
from feedvault.parse.repair import repair_markup

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{feed_title}</title><link>https://example.org/</link>
{items}</channel></rss>"""
RSS_ITEM = """<item><title>{title}</title><link>{link}</link><guid>g{n}</guid>
<description>{content}</description></item>
"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{feed_title}</title><id>urn:f</id>
{items}</feed>"""
ATOM_ITEM = """<entry><title>{title}</title><link href="{link}"/><id>urn:e{n}</id>
<content type="html">{content}</content></entry>
"""

CLEAN_ITEM = {
    "title": "Tom &amp; Jerry &lt;3",
    "link": "https://example.org/a?x=1&amp;y={n}",
    "content": "&lt;p&gt;After&lt;b&gt;bold {n}&lt;/b&gt;&lt;/p&gt; &amp;amp; <![CDATA[x & <y>]]>",
}
# (fault as written, the text it must give)
FAULTS = {
    "bare ampersand": ("Q&A", "Q&A"),
    "html entity": ("a&nbsp;b&hellip;", "a\xa0b\u2026"),
    "unknown entity": ("&foo; bar", "&foo; bar"),
    "stray less-than": ("1 < 2", "1 < 2"),
    "control character": ("bell\x07here", "bellhere"),
}
PLACES = ("feed_title", "title", "link", "content")


def _document(kind: str, fault_at: str | None, fault: str, faulty_item: int = 1) -> bytes:
    template, item_template = (RSS, RSS_ITEM) if kind == "rss" else (ATOM, ATOM_ITEM)
    items = []
    for n in range(3):
        fields = {k: v.format(n=n) for k, v in CLEAN_ITEM.items()}
        if n == faulty_item and fault_at in ("title", "content"):
            fields[fault_at] = f"{fields[fault_at]} {fault}"
        if n == faulty_item and fault_at == "link":
            fields["link"] = f"https://example.org/{fault}"
        items.append(item_template.format(n=n, **fields))
    feed_title = f"News {fault}" if fault_at == "feed_title" else "News"
    return template.format(feed_title=feed_title, items="".join(items)).encode()


def _items(data: bytes) -> list[tuple[str, str | None, str | None]]:
    feed = parse_feed(data, url="https://example.org/feed")
    return [(e.title, e.link, e.content_html) for e in feed.entries]


@pytest.mark.parametrize("kind", ["rss", "atom"])
@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_changes_no_other_item(kind: str, place: str, fault: str) -> None:
    written, meant = FAULTS[fault]
    if place == "link" and fault in ("stray less-than", "control character"):
        written = written.replace(" ", "")  # a link has no spaces
    clean = _items(_document(kind, None, ""))
    broken_doc = _document(kind, place, written)
    broken = _items(broken_doc)
    assert len(broken) == 3
    for n in (0, 2):
        assert broken[n] == clean[n], f"{fault} in {place} changed item {n}"
    feed = parse_feed(broken_doc, url="https://example.org/feed")
    title_text = " ".join(meant.split())  # titles are plain text, whitespace collapsed
    if place == "feed_title":
        assert feed.title == f"News {title_text}"
        assert broken[1] == clean[1]
    elif place == "title":
        assert broken[1][0] == f"Tom & Jerry <3 {title_text}"
    elif place == "content":
        assert clean[1][2] is not None
        assert broken[1][2] == f"{clean[1][2]} {meant}"
    else:
        link_text = meant.replace(" ", "") if fault != "unknown entity" else meant
        assert broken[1][1] == f"https://example.org/{link_text}"


def test_the_reported_case_keeps_every_later_escape() -> None:
    doc = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Q&A site</title>
<item><title>Q&A: first</title><link>https://example.org/a?x=1&y=2</link></item>
<item><title>second</title><link>https://example.org/a&amp;b</link>
<description>&lt;p&gt;After&lt;b&gt;bold&lt;/b&gt;&lt;/p&gt;</description></item>
</channel></rss>"""
    feed = parse_feed(doc, url="https://example.org/feed")
    assert feed.title == "Q&A site"
    first, second = feed.entries
    assert first.title == "Q&A: first"
    assert first.link == "https://example.org/a?x=1&y=2"
    assert second.link == "https://example.org/a&b"
    assert second.content_html == "<p>After<b>bold</b></p>"


def test_repair_leaves_literal_sections_and_good_references_alone() -> None:
    good = (b"<a>&amp;&lt;&#38;&#x26;<![CDATA[ & < ]]><!-- & < --><?pi & < ?>"
            b"<b c='1'/></a>")
    assert repair_markup(good) == good
    assert repair_markup(b"<a>x & y < z \x01 &#1; &#xD800; &copy;</a>") == (
        b"<a>x &amp; y &lt; z   &#xFFFD; &#169;</a>"
    )
    declared = b'<!DOCTYPE a [<!ENTITY me "x">]><a>&me; & </a>'
    assert repair_markup(declared) == b'<!DOCTYPE a [<!ENTITY me "x">]><a>&me; &amp; </a>'


def test_an_uppercase_hex_reference_is_read() -> None:
    """HTML's ``&#X41;`` is no XML reference; as ``&#x41;`` it is read (and a fault after it
    does not take it with it)."""
    assert repair_markup(b"<a>&#X41;&#x42;</a>") == b"<a>&#x41;&#x42;</a>"
    feed = parse_feed(b"<rss><channel><title>t</title><item><title>&#X41; & B</title>"
                      b"</item></channel></rss>")
    assert feed.entries[0].title == "A & B"
