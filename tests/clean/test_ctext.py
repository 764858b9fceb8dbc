"""The C text scanner (``_ctext.html_text``) gives exactly what the tree walk gives."""

from __future__ import annotations

import random

from clean_corpus import corpus_bodies
from lxml import etree

from feedvault.clean import entry as clean
from feedvault.clean import text as text_module
from feedvault.clean._ctext import html_text  # built by the install (setup.py)
from feedvault.clean.ruleset import builtin_ruleset
from feedvault.clean.text import tree_text


def _cleaned_body(raw: str, link: str | None = None) -> etree._Element | None:
    """The body exactly as clean_entry hands it to the text step."""
    body = clean._parse(raw)
    if body is None:
        return None
    active = builtin_ruleset().active(clean.host_of(link), None)
    clean._apply_selectors(body, active)
    clean._Walk(link, active).run(body)
    clean._trim_edges(body)
    return body


def _check(body: etree._Element) -> bool:
    """Same text as the tree walk; False when the scanner declined (None)."""
    markup = etree.tostring(body, encoding="unicode", method="html")
    fast = html_text(markup)
    if fast is None:
        return False
    assert fast == tree_text(body), markup[:300]
    return True


def test_the_c_scanner_is_the_one_in_use() -> None:
    assert text_module._html_text is html_text


def test_same_text_on_every_corpus_body() -> None:
    bodies = corpus_bodies()
    assert len(bodies) > 1000
    checked = declined = 0
    for b in bodies:
        body = _cleaned_body(b.html, b.link)
        if body is None:
            continue
        if _check(body):
            checked += 1
        else:
            declined += 1
    assert checked > 1000
    assert declined < checked / 50  # the fallback is for oddities, not the common case


_TAGS = ["p", "div", "span", "a", "b", "br", "pre", "code", "td", "th", "tr", "table", "li",
         "ul", "h2", "hr", "img", "video", "audio", "blockquote", "figure", "figcaption",
         "section", "em", "rp", "ruby", "sup", "wbr", "col", "xyz", "o:p"]
_WORDS = ["新闻", "  ", "\n", "\t", "word", "&amp;", "&lt;b&gt;", "&nbsp;", "\u3000", "a  b",
          "&#x4e2d;", "&#20013;", " ", "x\u00a0y", "\u2028", "…", "'\"", ">"]


def _random_html(rng: random.Random, depth: int = 0) -> str:
    out = []
    for _ in range(rng.randrange(1, 6)):
        if depth < 4 and rng.random() < 0.5:
            tag = rng.choice(_TAGS)
            attrs = rng.choice(["", ' title="a&gt;b"', " class='x\"y'", ' src="/i.png"'])
            out.append(f"<{tag}{attrs}>{_random_html(rng, depth + 1)}</{tag}>")
        else:
            out.append(rng.choice(_WORDS))
    return "".join(out)


def test_same_text_on_random_markup() -> None:
    rng = random.Random(3)
    checked = 0
    for _ in range(4000):
        body = _cleaned_body(_random_html(rng))
        if body is not None and _check(body):
            checked += 1
    assert checked > 3500


def test_blocks_breaks_pre_and_cells() -> None:
    markup = (
        "<body>lead<p>one  two\n three</p><p>a<br>b<br><br><br><br>c</p>"
        "<pre>\n  keep   this\n</pre><table><tr><td>x</td><td>y</td></tr></table>"
        "<video>not text</video>tail &amp; &lt;tag&gt;</body>after the root"
    )
    assert html_text(markup) == (
        "lead\n\none two three\n\na\nb\n\nc\n\n  keep   this\n\nx y\n\ntail & <tag>"
    )


def test_declines_what_it_does_not_read() -> None:
    assert html_text('<body><divclass="x" y="1">t</divclass="x"></body>') is None
    assert html_text("<body><!-- c --></body>") is None
    assert html_text("<body>&copy;</body>") is None
    assert html_text("<body>a\x00b</body>") is None
