"""Plain-text constructs (Atom type="text", JSON Feed content_text) keep their characters
through the clean stage, laid out in paragraphs; HTML bodies keep their repairs."""

from __future__ import annotations

import json

from feedvault.clean.entry import clean_entry
from feedvault.decide import content_hash
from feedvault.parse import parse_feed
from feedvault.parse.text import TEXT_MARK, escape

TEXT = "Use <div> tags &amp; </example>\n\nSecond block\nits second line <b>"


def _atom(content: str, kind: str) -> bytes:
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>x</id>'
        f'<title>a</title><content type="{kind}">{content}</content></entry></feed>'
    ).encode()


def test_atom_text_content_keeps_its_characters() -> None:
    entry = parse_feed(_atom(escape(TEXT), "text")).entries[0]
    cleaned = clean_entry(entry.content_html)
    assert cleaned.text == TEXT
    assert cleaned.html == (
        "<p>Use &lt;div&gt; tags &amp;amp; &lt;/example&gt;</p>"
        "<p>Second block<br>its second line &lt;b&gt;</p>"
    )


def test_json_feed_content_text_keeps_its_characters() -> None:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "j",
           "items": [{"id": "1", "content_text": TEXT}]}
    entry = parse_feed(json.dumps(doc).encode()).entries[0]
    assert clean_entry(entry.content_html).text == TEXT


def test_html_content_is_still_repaired() -> None:
    """The same characters as HTML: a double-escaped body is undone once, and a stray tag
    in a text node is deleted (real feeds need both)."""
    double = parse_feed(_atom(escape("&lt;p&gt;Hi &lt;b&gt;there&lt;/b&gt;&lt;/p&gt;"),
                              "html")).entries[0]
    assert clean_entry(double.content_html).html == "<p>Hi <b>there</b></p>"
    stray = clean_entry("<p>one &lt;/div&gt; two</p>")
    assert "div" not in stray.text and "one" in stray.text


def test_the_mark_changes_no_content_hash() -> None:
    """Entries stored before the parser marked plain text keep their hash: no false edit."""
    old_raw = escape("a < b")
    assert content_hash("t", "https://x.example/", TEXT_MARK + old_raw) == content_hash(
        "t", "https://x.example/", old_raw
    )


def test_a_blank_text_body_is_empty() -> None:
    assert clean_entry(TEXT_MARK + "  \n\n ").html == ""
