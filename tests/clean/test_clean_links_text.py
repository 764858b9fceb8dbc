"""Link hygiene, double escaping and the plain text."""

from __future__ import annotations

from feedvault.clean import clean_entry


def test_relative_urls_resolve_against_base_then_link() -> None:
    raw = '<a href="/b">b</a><img src="i.png" alt="i">'
    with_base = clean_entry(raw, base_url="https://feed.example/x/", link="https://a.org/p/q")
    assert 'href="https://feed.example/b"' in with_base.html
    assert with_base.images == ("https://feed.example/x/i.png",)
    from_link = clean_entry(raw, link="https://a.org/p/q")
    assert 'href="https://a.org/b"' in from_link.html
    assert from_link.images == ("https://a.org/p/i.png",)


def test_tracking_params_go_and_others_stay() -> None:
    raw = '<a href="https://www.bbc.co.uk/news/1?at_medium=RSS&amp;id=7&amp;utm_source=x">n</a>'
    assert 'href="https://www.bbc.co.uk/news/1?id=7"' in clean_entry(raw).html


def test_nyt_redirect_wrapper_is_unwrapped() -> None:
    raw = '<a href="/tools/r.html?url=%2Fculture%2F20150313%2Fc13artbasel%2F&amp;from=RSS">a</a>'
    result = clean_entry(raw, link="https://cn.nytimes.com/culture/x/")
    assert 'href="https://cn.nytimes.com/culture/20150313/c13artbasel/"' in result.html


def test_pixels_and_feedburner_go_real_images_stay() -> None:
    raw = ('<p>t</p><img src="https://medium.com/_/stat?event=post.clientViewed" width="1" '
           'height="1"><img src="https://pix.example/c.gif" width="1" height="1">'
           '<div class="feedflare"><a href="http://feeds.feedburner.com/~ff/x?a=1">'
           '<img src="http://feeds.feedburner.com/~ff/x?d=1"></a></div>'
           '<img src="//feeds.feedburner.com/~r/x/~4/abc" height="1" width="1">'
           '<figure><img src="https://img.example/a.jpg" alt="A cat" width="640">'
           '<figcaption>A cat.</figcaption></figure>')
    result = clean_entry(raw, link="https://blog.example/p")
    assert result.images == ("https://img.example/a.jpg",)
    assert "feedburner" not in result.html and "medium.com" not in result.html
    assert '<figcaption>A cat.</figcaption>' in result.html and 'alt="A cat"' in result.html
    assert result.text == "t\n\nA cat."


def test_lazy_images_and_iframes() -> None:
    raw = ('<img src="data:image/gif;base64,R0lG" data-src="https://img.example/real.jpg">'
           '<iframe src="https://www.youtube.com/embed/abc" title="Video"></iframe>')
    result = clean_entry(raw)
    assert result.images == ("https://img.example/real.jpg",)
    assert '<a href="https://www.youtube.com/embed/abc"' in result.html
    assert "Video" in result.text and "iframe" not in result.html


def test_double_escaped_body_is_unescaped_once() -> None:
    result = clean_entry("&lt;p&gt;One &amp;amp; two&lt;/p&gt;&lt;p&gt;Three&lt;/p&gt;")
    assert result.html == "<p>One &amp; two</p><p>Three</p>"
    assert result.text == "One & two\n\nThree"


def test_code_samples_keep_their_escaped_markup() -> None:
    raw = "<p>Use</p><pre><code>&lt;div&gt;x&lt;/div&gt;</code></pre>"
    result = clean_entry(raw)
    assert "&lt;div&gt;" in result.html
    assert "<div>x</div>" in result.text


def test_text_blocks_breaks_entities_and_whitespace() -> None:
    raw = ("<h2>Title</h2>\n<p>a  &amp;\n b&nbsp;c<br>d</p><ul><li>one</li><li>two</li></ul>"
           "<table><tr><td>x</td><td>y</td></tr></table><script>var s;</script>tail")
    assert clean_entry(raw).text == "Title\n\na & b c\nd\n\none\n\ntwo\n\nx y\n\ntail"


def test_empty_and_junk_input() -> None:
    for raw in ("", "   ", "<!-- only a comment -->", "\x00\x01", "<p></p>"):
        result = clean_entry(raw)
        assert result.html == "" and result.text == "" and result.images == ()


def test_headings_tables_and_style_attributes() -> None:
    raw = '<h1 style="font-size:90px">H</h1><p style="color:red" class="x" id="y">p</p>'
    assert clean_entry(raw).html == "<h1>H</h1><p>p</p>"
