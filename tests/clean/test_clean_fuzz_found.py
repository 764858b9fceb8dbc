"""Crashes the fuzzer (benchmarks/fuzz.py) found in clean_entry, and the 10 MB text node."""

from __future__ import annotations

import pytest

from feedvault.clean import clean_entry

CONTROL_REFS = ["&#1;", "&#0;", "&#x1b;", "&#11;", "&#x0C;", "&#31;", "&#xFFFE;", "&#65535;",
                "&#1", "&#x1F"]


@pytest.mark.parametrize("ref", CONTROL_REFS)
def test_references_to_control_characters_do_not_crash_the_cleaner(ref: str) -> None:
    """lxml refuses such characters when the cleaner writes text or attributes back
    (dropping a tracking image moves its tail); the HTML parser had decoded them."""
    raw = (f'<p title="a{ref}b">x{ref}y<img src="https://t.example/pixel.gif" width="1" '
           f'height="1">after{ref}</p><p><a href="/x{ref}">l</a></p>')
    result = clean_entry(raw, base_url="https://site.example/")
    assert "x" in result.text and "after" in result.text


def test_references_to_ordinary_characters_are_kept() -> None:
    result = clean_entry("<p>&#123;&#x1F600;&#32;&#x1Fb;</p>")
    assert result.text.strip() == "{\U0001f600 \u01fb"


def test_a_text_node_over_10_mb_is_kept_whole() -> None:
    raw = "<p>" + "word " * (11 * 1024 * 1024 // 5) + "END</p>"
    result = clean_entry(raw)
    assert result.text.endswith("END")
    assert len(result.html) == len(raw)
