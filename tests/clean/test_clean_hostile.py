"""Nothing executable survives: checked by re-parsing the cleaned HTML with lxml."""

from __future__ import annotations

import html
import re
from pathlib import Path

import lxml.html
import pytest
from clean_corpus import CORPUS
from clean_vectors import VECTORS

from feedvault.clean import clean_entry

FORBIDDEN = {"script", "iframe", "object", "embed", "form", "meta", "base", "style", "link",
             "frame", "frameset", "applet", "svg", "math", "input", "button", "textarea"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def assert_inert(output: str) -> None:
    if not output.strip():
        return
    root = lxml.html.fragment_fromstring(output, create_parent="div")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        assert el.tag.lower() not in FORBIDDEN, output
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), output
            assert name.lower() not in {"style", "srcdoc", "formaction", "action"}, output
            plain = _INVISIBLE.sub("", html.unescape(value)).lower()
            assert not plain.startswith(("javascript:", "vbscript:", "livescript:")), output
            if name.lower() in {"href", "src", "poster"}:
                assert not plain.startswith("data:"), output
        if el.tag == "a" and el.get("href"):
            assert set(el.get("rel", "").split()) >= {"noopener", "noreferrer", "nofollow"}


@pytest.mark.parametrize("vector", VECTORS)
def test_owasp_style_vectors_leave_nothing_executable(vector: str) -> None:
    result = clean_entry(vector, base_url="https://news.example/a/")
    assert_inert(result.html)
    assert "alert(1)</script>" not in result.text.lower()


def test_vector_list_is_substantial() -> None:
    assert len(VECTORS) >= 60


def _feedparser_sanitize_cases() -> list[Path]:
    return sorted((CORPUS / "feedparser-tests" / "wellformed" / "sanitize").glob("*.xml"))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_feedparser_sanitize_cases_leave_nothing_executable() -> None:
    import feedparser

    cases = _feedparser_sanitize_cases()
    assert len(cases) > 700
    checked = 0
    for path in cases:
        parsed = feedparser.parse(str(path), sanitize_html=False, resolve_relative_uris=False)
        for raw in _strings(parsed.get("feed", {})) + _strings(parsed.get("entries", [])):
            if "<" in raw or "&lt;" in raw:
                assert_inert(clean_entry(raw).html)
                checked += 1
    assert checked > 500


def test_the_checker_catches_what_it_must() -> None:
    for bad in ['<a href="jav&#x09;ascript:alert(1)">x</a>', "<img src=x onerror=alert(1)>",
                "<svg></svg>", '<a href="data:text/html,x">x</a>']:
        with pytest.raises(AssertionError):
            assert_inert(bad)
