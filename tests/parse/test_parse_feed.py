"""parse_feed on hand-made documents: safety, refusals, recovery, encodings, field rules."""

from __future__ import annotations

import pytest

from feedvault.errors import ParseError
from feedvault.parse import parse_feed
from feedvault.parse.text import TEXT_MARK

UTF8_DECL = '<?xml version="1.0" encoding="utf-8"?>'


def rss(items: str, head: str = UTF8_DECL, channel: str = "") -> bytes:
    return (f'{head}<rss version="2.0"><channel><title>T</title>'
            f"<link>https://site.example/</link>{channel}{items}</channel></rss>").encode()


# --- safety -------------------------------------------------------------------------------

def test_external_entity_is_not_fetched_or_expanded(tmp_path: object) -> None:
    data = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
            b'<!ENTITY net SYSTEM "http://127.0.0.1:9/evil">]>'
            b'<rss version="2.0"><channel><title>a&xxe;b&net;</title>'
            b"<item><title>x&xxe;</title><description>&xxe;</description></item>"
            b"</channel></rss>")
    feed = parse_feed(data)
    assert feed.title == "ab"
    assert "root:" not in feed.entries[0].content_html
    assert feed.entries[0].title == "x"


def test_billion_laughs_does_not_expand() -> None:
    lol = "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">' for i in range(10)
    )
    data = (f'<?xml version="1.0"?><!DOCTYPE rss [{lol}]><rss version="2.0"><channel>'
            "<title>&lol9;</title><item><title>t</title><description>&lol9;</description>"
            "</item></channel></rss>").encode()
    # libxml2 refuses the amplification; we keep what came before (how long it takes:
    # benchmarks/bench_limits.py)
    feed = parse_feed(data)
    assert len(feed.title) < 100
    assert all(len(e.content_html) < 100 for e in feed.entries)
    assert any("amplification" in w for w in feed.warnings)


# --- refusals -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"<!DOCTYPE html><html><head><title>Hi</title></head><body>x</body></html>", "HTML"),
        (b"<!-- c --><html lang=en><body><p>x</p></body></html>", "HTML"),
        (bytes(range(256)) * 8, "not a feed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a feed"),
        (b"<?xml version='1.0'?><svg><g/></svg>", "root element is <svg>"),
        (b'{"hello": "world"}', "not a JSON Feed"),
        (b"[1, 2, 3]", "not a feed"),
    ],
)
def test_not_a_feed(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        parse_feed(data, url="https://x.example/feed")
    assert "\n" not in str(info.value)
    assert info.value.url == "https://x.example/feed"


# --- recovery -----------------------------------------------------------------------------

def test_html_entities_in_xml_are_recovered() -> None:
    feed = parse_feed(rss("<item><title>A&nbsp;B &mdash; C</title><link>https://a.example/1</link>"
                          "</item>"))
    assert feed.entries[0].title in ("A B — C", "A\u00a0B — C")
    assert feed.warnings and feed.warnings[0].startswith("not well formed: Entity 'nbsp'")
    assert "line 1" in feed.warnings[0]


def test_undeclared_namespace_prefix_is_recovered() -> None:
    feed = parse_feed(rss("<item><title>t</title><dc:creator>Ann</dc:creator>"
                          "<content:encoded><![CDATA[<p>full</p>]]></content:encoded>"
                          "<description>short</description></item>"))
    entry = feed.entries[0]
    assert entry.author == "Ann"
    assert entry.content_html == "<p>full</p>"
    assert entry.summary_html == "short"
    assert any("not defined" in w for w in feed.warnings)


def test_broken_document_keeps_complete_items() -> None:
    data = rss("<item><title>one</title></item><item><title>two</title><description>"
               "<![CDATA[<p>cut")[: -len("</channel></rss>")]
    feed = parse_feed(data)
    assert [e.title for e in feed.entries][:1] == ["one"]
    assert feed.warnings


def test_junk_before_the_document_is_skipped() -> None:
    junk = b"\n\nWarning: something in /var/www\n"
    feed = parse_feed(junk + rss("<item><title>a</title></item>"))
    assert feed.entries[0].title == "a"
    assert any("skipped" in w for w in feed.warnings)


# --- encodings ----------------------------------------------------------------------------

def test_http_charset_wins_over_declaration() -> None:
    data = rss("<item><title>café</title></item>",
               head='<?xml version="1.0" encoding="utf-8"?>').decode().encode("iso-8859-1")
    feed = parse_feed(data, content_type="application/rss+xml; charset=ISO-8859-1")
    assert feed.encoding == "iso-8859-1"
    assert feed.entries[0].title == "café"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("bom", [True, False])
def test_utf16_and_utf32(codec: str, bom: bool) -> None:
    text = rss("<item><title>中文</title></item>",
               head=f'<?xml version="1.0" encoding="{codec[:6]}"?>').decode()
    data = text.encode(codec)
    if bom:
        data = "\ufeff".encode(codec) + data
    feed = parse_feed(data)
    assert feed.entries[0].title == "中文"
    assert feed.encoding == codec.replace("-le", "le").replace("-be", "be")


def test_gb2312_declared_is_read_as_gb18030() -> None:
    data = rss("<item><title>镕 — 喆</title></item>",
               head='<?xml version="1.0" encoding="gb2312"?>').decode().encode("gb18030")
    feed = parse_feed(data)
    assert feed.encoding == "gb18030"
    assert feed.entries[0].title == "镕 — 喆"


def test_big5() -> None:
    data = rss("<item><title>繁體中文</title></item>",
               head='<?xml version="1.0" encoding="big5"?>').decode().encode("big5")
    assert parse_feed(data).entries[0].title == "繁體中文"


def test_undeclared_gbk_falls_back_with_warning() -> None:
    data = rss("<item><title>没有声明编码的中文标题</title></item>", head="").decode().encode("gbk")
    feed = parse_feed(data)
    assert feed.entries[0].title == "没有声明编码的中文标题"
    assert feed.encoding == "gb18030"
    assert feed.warnings


# --- field rules --------------------------------------------------------------------------

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://site.example/blog/" xml:lang="zh-CN">
  <title type="html">&lt;b&gt;My&lt;/b&gt;   blog</title>
  <link rel="self" href="/feed.xml"/><link href="/"/>
  <entry xml:base="posts/">
    <id>  tag:site.example,2020:1  </id>
    <title>a &lt;b&gt; c</title>
    <link rel="enclosure" href="a.mp3"/><link rel="alternate" href="one.html"/>
    <summary>1 &lt; 2</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"
      ><p>Hi &amp; <a href="x">x</a></p></div></content>
    <published>2020-01-10T14:33:00</published>
    <updated>2020-01-11T00:00:00Z</updated>
    <author><name>Ann</name></author>
  </entry>
  <entry><title type="text">only text</title><content>5 &gt; 4 &amp; &lt;b&gt;</content></entry>
</feed>"""


def test_atom_fields() -> None:
    feed = parse_feed(ATOM, url="https://feeds.example/f.xml")
    assert feed.format == "atom10"
    assert feed.title == "My blog"
    assert feed.link == "https://site.example/"
    assert feed.language == "zh-CN"
    first, second = feed.entries
    assert first.guid == "tag:site.example,2020:1"
    assert first.title == "a <b> c"  # type text: markup is literal text
    assert first.link == "https://site.example/blog/posts/one.html"
    assert first.enclosures == ("https://site.example/blog/posts/a.mp3",)
    assert first.content_html == '<p>Hi &amp; <a href="x">x</a></p>'
    assert first.summary_html == "1 &lt; 2"
    assert first.base_url == "https://site.example/blog/posts/"
    assert first.published is not None and first.published.hour == 6  # zh: naive is UTC+8
    assert first.author == "Ann"
    assert second.content_html == TEXT_MARK + "5 &gt; 4 &amp; &lt;b&gt;"
    assert second.summary_html is None


def test_rss_links_and_guids() -> None:
    feed = parse_feed(rss(
        "<item><guid>https://a.example/p/1</guid><title>permalink guid</title></item>"
        "<item><guid isPermaLink='false'>https://a.example/p/2</guid></item>"
        "<item><guid>12345</guid><link> /rel/3 </link></item>"
        "<item><description>&lt;p&gt;escaped &amp;amp; html&lt;/p&gt;</description></item>"
    ))
    links = [e.link for e in feed.entries]
    assert links == ["https://a.example/p/1", None, "https://site.example/rel/3", None]
    assert feed.entries[2].guid == "12345"
    assert feed.entries[3].content_html == "<p>escaped &amp; html</p>"
    assert feed.entries[3].summary_html is None


def test_relative_links_fall_back_to_the_feed_url() -> None:
    data = b'<rss version="2.0"><channel><item><link>p/1.html</link></item></channel></rss>'
    feed = parse_feed(data, url="https://x.example/feeds/rss.xml")
    assert feed.entries[0].link == "https://x.example/feeds/p/1.html"


def test_rss_title_markup_is_stripped_and_entities_decoded() -> None:
    feed = parse_feed(rss("<item><title><![CDATA[ <b>Big</b>  &amp; news ]]></title></item>"))
    assert feed.entries[0].title == "Big & news"


@pytest.mark.parametrize(
    ("root", "fmt"),
    [
        ('<rss version="0.91"><channel>', "rss091"),
        ('<rss version="0.92"><channel>', "rss092"),
        ('<rss version="2.0"><channel>', "rss20"),
        ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
         'xmlns="http://purl.org/rss/1.0/"><channel>', "rss10"),
        ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
         'xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel>', "rss090"),
        ('<feed version="0.3" xmlns="http://purl.org/atom/ns#">', "atom03"),
    ],
)
def test_formats(root: str, fmt: str) -> None:
    close = "</channel>" + ("</rss>" if root.startswith("<rss") else "</rdf:RDF>")
    if fmt == "atom03":
        close = "</feed>"
    assert parse_feed(f"{root}<title>x</title>{close}".encode()).format == fmt


def test_json_feed_detected_by_content_not_content_type() -> None:
    data = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "language": "zh",'
            b' "home_page_url": "https://j.example/", "items": [{"id": 7, "url": "/a",'
            b' "content_text": "a < b", "date_published": "2020-01-10T14:33"}]}')
    feed = parse_feed(data, content_type="text/xml")
    assert feed.format == "json11"
    entry = feed.entries[0]
    assert (entry.guid, entry.link, entry.content_html) == (
        "7", "https://j.example/a", TEXT_MARK + "a &lt; b"
    )
    assert entry.published is not None and entry.published.hour == 6


@pytest.mark.parametrize(
    ("written", "title"),
    [
        (b"&lt;/example&gt;", "</example>"),  # a mention of a tag is text
        (b"Use &lt;div&gt; tags", "Use <div> tags"),
        (b"&lt;b&gt;Bold&lt;/b&gt; news", "Bold news"),  # markup: an element opened and closed
        (b"A &amp;amp; B", "A & B"),  # escaped twice
        (b"<![CDATA[<i>x</i> y]]>", "x y"),
    ],
)
def test_untyped_rss_titles_keep_the_tags_they_mention(written: bytes, title: str) -> None:
    doc = (b'<rss version="2.0"><channel><title>c</title><item><title>' + written
           + b"</title><guid>g</guid></item></channel></rss>")
    assert parse_feed(doc).entries[0].title == title
