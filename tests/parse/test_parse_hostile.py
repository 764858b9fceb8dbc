"""Issue #14's crash classes, in every format: what can be read is read, the rest is a
one-line ParseError, and nothing else ever comes out of parse_feed."""

from __future__ import annotations

import pytest

from feedvault.errors import ParseError
from feedvault.parse import parse_feed

URL = "https://feeds.example/feed"
RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'


def rss2(item_extra: str, version: str = "2.0") -> bytes:
    return (f'<rss version="{version}"><channel><title>T</title><link>https://site.example/</link>'
            f"<item><title>One</title><link>https://site.example/1</link>"
            f"<description>a {item_extra} b</description>{item_extra}</item>"
            f"</channel></rss>").encode()


def rss10(extra: str) -> bytes:
    return (f'<rdf:RDF {RDF} xmlns="http://purl.org/rss/1.0/">'
            '<channel rdf:about="https://site.example/"><title>T</title>'
            f"<link>https://site.example/</link></channel>{extra}"
            '<item rdf:about="https://site.example/1"><title>One</title>'
            f"<link>https://site.example/1</link>{extra}</item></rdf:RDF>").encode()


def rss090(extra: str) -> bytes:
    return (f'<rdf:RDF {RDF} xmlns="http://my.netscape.com/rdf/simple/0.9/">'
            f"<channel><title>T</title><link>https://site.example/</link></channel>{extra}"
            f"<item><title>One</title><link>https://site.example/1</link>{extra}</item>"
            "</rdf:RDF>").encode()


def atom10(content: str) -> bytes:
    return ('<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:f</id>'
            '<link href="https://site.example/"/><entry><id>urn:1</id><title>One</title>'
            f'<link href="https://site.example/1"/>{content}</entry></feed>').encode()


def atom03(content: str) -> bytes:
    return ('<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>'
            '<link rel="alternate" href="https://site.example/"/><entry><id>urn:1</id>'
            f'<title>One</title><link rel="alternate" href="https://site.example/1"/>{content}'
            "</entry></feed>").encode()


UNDECLARED = "<ite:x>hi</ite:x>"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("rss091", rss2(UNDECLARED, "0.91")),
        ("rss092", rss2(UNDECLARED, "0.92")),
        ("rss20", rss2(UNDECLARED)),
        ("rss10", rss10("<ite:x/>")),
        ("rss090", rss090("<ite:x/>")),
        ("atom10", atom10(f'<content type="html">x</content>{UNDECLARED}')),
        ("atom03", atom03(f'<content type="text/html" mode="escaped">x</content>{UNDECLARED}')),
    ],
)
def test_undeclared_prefix_on_a_child_keeps_the_entry(name: str, data: bytes) -> None:
    feed = parse_feed(data, url=URL)
    assert feed.format == name
    assert [(e.title, e.link) for e in feed.entries] == [("One", "https://site.example/1")]
    assert any("prefix ite" in w for w in feed.warnings)


@pytest.mark.parametrize(
    "data",
    [
        atom10('<content type="xhtml"><x:div>Hello <b>world</b></x:div></content>'),
        atom10('<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Hello '
               "<b>world</b></div></content>".replace("<b>", "<y:b>").replace("</b>", "</y:b>")),
        atom03('<content type="application/xhtml+xml" mode="xml"><x:div>Hello world</x:div>'
               "</content>"),
    ],
)
def test_xhtml_content_with_an_undeclared_prefix_keeps_its_text(data: bytes) -> None:
    entry = parse_feed(data, url=URL).entries[0]
    assert "Hello" in entry.content_html
    assert "world" in entry.content_html


def test_xhtml_title_with_an_undeclared_prefix() -> None:
    data = atom10("").replace(b"<title>One</title>",
                              b'<title type="xhtml"><x:div>O<y:b>n</y:b>e</x:div></title>')
    assert parse_feed(data, url=URL).entries[0].title == "One"


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b'<x:rss version="2.0"><channel><title>T</title><item><title>One</title></item>'
         b"</channel></x:rss>", "rss20"),
        (b'<a:feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>urn:1</id>'
         b"<title>One</title></entry></a:feed>", "atom10"),
        (b"<p:feed><title>T</title><entry><id>urn:1</id><title>One</title></entry></p:feed>",
         "atom10"),
        (b"<z:channel><title>T</title><item><title>One</title></item></z:channel>", "rss20"),
        (b'<rdf:RDF xmlns="http://purl.org/rss/1.0/"><channel><title>T</title></channel>'
         b"<item><title>One</title></item></rdf:RDF>", "rss10"),
    ],
)
def test_root_element_with_an_undeclared_prefix_is_read_as_the_plain_format(
    data: bytes, fmt: str
) -> None:
    feed = parse_feed(data, url=URL)
    assert feed.format == fmt
    assert feed.title == "T"
    assert [e.title for e in feed.entries] == ["One"]


def test_unknown_root_with_an_undeclared_prefix_is_a_one_line_parse_error() -> None:
    with pytest.raises(ParseError, match="root element is <svg>") as info:
        parse_feed(b"<x:svg><g/></x:svg>", url=URL)
    assert "\n" not in str(info.value)


# --- JSON Feed ----------------------------------------------------------------------------

def json_feed(items: str, version: str = "1.1", extra: str = "") -> bytes:
    return (f'{{"version": "https://jsonfeed.org/version/{version}", "title": "J",'
            f' "home_page_url": "https://site.example/"{extra}, "items": [{items}]}}').encode()


@pytest.mark.parametrize("version", ["1", "1.1"])
def test_json_lone_surrogates_become_replacement_characters(version: str) -> None:
    data = json_feed('{"id": "a\\ud800", "title": "t\\udfffx", "content_html": "<p>\\ud83d</p>",'
                     ' "authors": [{"name": "\\udc00"}], "author": {"name": "\\udc00"}},'
                     ' {"id": "pair", "title": "\\ud83d\\ude00"}', version)
    feed = parse_feed(data, url=URL)
    first, second = feed.entries
    assert (first.guid, first.title, first.content_html) == ("a\ufffd", "t\ufffdx", "<p>\ufffd</p>")
    assert first.author == "\ufffd"
    assert second.title == "\U0001f600"  # a valid pair stays one character
    for text in (first.guid or "", first.title, first.content_html, second.title):
        text.encode("utf-8")  # storable


def test_json_nul_characters_become_replacement_characters() -> None:
    """PostgreSQL text cannot hold NUL; XML cannot carry it; HTML parsers replace it."""
    data = json_feed('{"id": "1\\u0000", "title": "a\\u0000b", "content_html": "\\u0000<p>x</p>",'
                     ' "url": "https://site.example/\\u0000"}')
    entry = parse_feed(data, url=URL).entries[0]
    assert (entry.guid, entry.title) == ("1\ufffd", "a\ufffdb")
    assert entry.content_html == "\ufffd<p>x</p>"
    assert entry.link == "https://site.example/\ufffd"


@pytest.mark.parametrize(
    ("ref", "becomes"),
    [("&#xD800;", "\ufffd"), ("&#xdfff;", "\ufffd"), ("&#55296;", "\ufffd"),
     ("&#x0000D800;", "\ufffd"), ("&#x110000;", "\ufffd"), ("&#1;", ""), ("&#x1b;", ""),
     ("&#xFFFE;", ""), ("&#x1F600;", "\U0001f600")],
)
def test_character_references_xml_cannot_carry_are_replaced_or_dropped(
    ref: str, becomes: str
) -> None:
    """Strict libxml2 refuses them; its recover mode would keep invalid UTF-8 (surrogates)
    or characters lxml refuses to write back (controls)."""
    data = rss2("").replace(b"<title>One</title>", f"<title>a{ref}b</title>".encode())
    data = data.replace(b"</channel>", b"<ite:broken/></channel>")  # recover mode
    assert parse_feed(data, url=URL).entries[0].title == f"a{becomes}b"


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_json_nested_very_deep_keeps_the_items(depth: int) -> None:
    deep = "[" * depth + "]" * depth
    data = json_feed('{"id": "1", "title": "kept"}, {"id": "2", "x": ' + deep + "}",
                     extra=', "_junk": ' + deep)
    feed = parse_feed(data, url=URL)
    assert [e.title for e in feed.entries][:1] == ["kept"]
    assert [e.guid for e in feed.entries] == ["1", "2"]


def test_json_nested_deep_and_truncated_keeps_the_items_before() -> None:
    data = json_feed('{"id": "1", "title": "kept"}, {"id": "2", "x": ' + "[" * 100_000)
    feed = parse_feed(data[:-2], url=URL)
    assert [e.title for e in feed.entries][:1] == ["kept"]
    assert feed.warnings


@pytest.mark.parametrize("digits", [5_000, 100_000])
def test_json_absurd_numbers_are_absent(digits: int) -> None:
    number = "9" * digits
    data = json_feed(f'{{"id": {number}, "url": "https://site.example/1", "title": "t"}},'
                     f' {{"id": 42, "title": "n", "_n": -{number}}}', extra=f', "_n": {number}')
    feed = parse_feed(data, url=URL)
    assert [(e.guid, e.link) for e in feed.entries] == [
        (None, "https://site.example/1"), ("42", None)
    ]


def test_json_absurd_number_in_a_truncated_document() -> None:
    data = json_feed('{"id": "1", "title": "kept"}, {"id": ' + "9" * 5_000 + ', "title": "x"')
    feed = parse_feed(data[:-3], url=URL)
    assert [e.title for e in feed.entries][:1] == ["kept"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{" + b"[" * 100_000, "not a feed"),
        (b'{"x": ' + b"9" * 10_000 + b"}", "not a JSON Feed"),
        (b'{"\\ud800": 1}', "not a JSON Feed"),
    ],
)
def test_unreadable_json_is_a_one_line_parse_error(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        parse_feed(data, url=URL)
    assert "\n" not in str(info.value)


# --- depth and size -----------------------------------------------------------------------

def deep_atom(depth: int) -> bytes:
    nest = "<span>" * depth + "deep" + "</span>" * depth
    return atom10(f'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{nest}'
                  "</div></content>").replace(b"<title>One", b'<title type="xhtml">'
                                              + nest.encode() + b"One")


def test_xml_nested_2000_deep_is_read_without_recursion_errors() -> None:
    entry = parse_feed(deep_atom(2_000), url=URL).entries[0]
    assert entry.title == "deepOne"
    assert "deep" in entry.content_html


def test_xml_nested_beyond_libxml2s_limit_keeps_the_entry() -> None:
    feed = parse_feed(deep_atom(3_000), url=URL)
    assert [e.guid for e in feed.entries] == ["urn:1"]
    assert any("depth" in w for w in feed.warnings)


def big_body(size: int) -> str:
    paragraph = "<p>" + "lorem ipsum dolor sit amet " * 40 + "</p>"
    return paragraph * (size // len(paragraph) + 1) + "<p>END-OF-ITEM</p>"


@pytest.mark.parametrize("wrapping", ["cdata", "escaped", "broken-elsewhere"])
def test_a_12_mb_item_is_read_whole(wrapping: str) -> None:
    body = big_body(12 * 1024 * 1024)
    carried = (f"<![CDATA[{body}]]>" if wrapping == "cdata"
               else body.replace("&", "&amp;").replace("<", "&lt;"))
    item = f"<item><title>big</title><link>https://site.example/big</link>" \
           f"<description>{carried}</description></item>"
    tail = "<item><title>after</title></item>"
    if wrapping == "broken-elsewhere":
        tail = "<item><title>after &nbsp; <b></title></item>"  # not well formed: recover mode
    data = ('<rss version="2.0"><channel><title>T</title>'
            f"{item}{tail}</channel></rss>").encode()
    feed = parse_feed(data, url=URL)
    assert feed.entries[0].content_html == body
    assert feed.entries[1].title.startswith("after")


# --- only http(s) links -------------------------------------------------------------------

BAD_LINKS = ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
             "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
             "vbscript:msgbox(1)", "file:///etc/passwd", "\x01javascript:alert(1)"]


def xml_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").replace(
        "\t", "&#9;").replace("\x01", "")


@pytest.mark.parametrize("bad", BAD_LINKS)
def test_rss_link_that_is_not_http_is_dropped(bad: str) -> None:
    data = (f'<rss version="2.0"><channel><title>T</title><link>{xml_attr(bad)}</link>'
            f"<item><title>x</title><guid>g-1</guid><link>{xml_attr(bad)}</link></item>"
            "<item><title>rel</title><link>/2</link></item></channel></rss>").encode()
    feed = parse_feed(data, url=URL)
    assert feed.link is None
    first, second = feed.entries
    assert (first.guid, first.link) == ("g-1", None)
    assert second.link == "https://feeds.example/2"  # relative links still resolve
    assert any(w.startswith("dropped 2 links that are not http(s)") for w in feed.warnings)


def test_rss_link_that_is_not_http_falls_back_to_a_permalink_guid() -> None:
    data = (b'<rss version="2.0"><channel><title>T</title><item><title>x</title>'
            b"<link>javascript:alert(1)</link><guid>https://site.example/p/1</guid></item>"
            b"</channel></rss>")
    assert parse_feed(data, url=URL).entries[0].link == "https://site.example/p/1"


@pytest.mark.parametrize("bad", BAD_LINKS)
def test_atom_href_that_is_not_http_is_dropped(bad: str) -> None:
    data = ('<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
            f'<link href="{xml_attr(bad)}"/><entry><id>urn:1</id><title>x</title>'
            f'<link href="{xml_attr(bad)}"/></entry>'
            '<entry><id>urn:2</id><title>y</title><link href="HTTPS://site.example/2"/>'
            "</entry></feed>").encode()
    feed = parse_feed(data, url=URL)
    assert feed.link is None
    assert [(e.guid, e.link) for e in feed.entries] == [
        ("urn:1", None), ("urn:2", "https://site.example/2")  # an upper-case scheme is fine
    ]
    assert any("not http(s)" in w for w in feed.warnings)


@pytest.mark.parametrize("bad", BAD_LINKS)
def test_json_links_that_are_not_http_are_dropped(bad: str) -> None:
    quoted = bad.replace("\t", "\\t").replace("\x01", "\\u0001").replace('"', '\\"')
    data = (f'{{"version": "https://jsonfeed.org/version/1.1", "title": "J",'
            f' "home_page_url": "{quoted}", "items": ['
            f'{{"id": "1", "url": "{quoted}", "external_url": "{quoted}", "title": "a"}},'
            f'{{"id": "2", "url": "{quoted}", "external_url": "https://elsewhere.example/2"}},'
            f'{{"id": "3", "url": "3.html"}}]}}').encode()
    feed = parse_feed(data, url=URL)
    assert feed.link is None
    assert [(e.guid, e.link) for e in feed.entries] == [
        ("1", None), ("2", "https://elsewhere.example/2"), ("3", "https://feeds.example/3.html")
    ]
    assert any(w.startswith("dropped 4 links") for w in feed.warnings)


def test_relative_link_without_any_base_is_dropped() -> None:
    data = b'<rss version="2.0"><channel><title>T</title><item><link>/a</link></item></channel>'
    feed = parse_feed(data)
    assert feed.entries[0].link is None
    assert any("relative" in w for w in feed.warnings)
