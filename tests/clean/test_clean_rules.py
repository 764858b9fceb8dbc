"""Site rules are data: user files add rules; a broken file is a one-line error naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedvault.clean import clean_entry, load_rules
from feedvault.errors import UsageError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_rule_removes_keeps_and_rewrites(tmp_path: Path) -> None:
    rules = load_rules([write(tmp_path, """
[[rule]]
name = "example"
hosts = ["example.com"]
keep = ["article.story"]
remove = ["div.ad", "xpath:descendant::p[contains(., 'Subscribe now')]"]
remove_text = ['Read more\\W*']
rewrite = [{ match = '^http://cdn\\.example\\.com/', replace = 'https://cdn.example.com/' }]
unwrap = [{ match = '^https://example\\.com/out$', param = "to" }]
""")])
    raw = ('<nav>menu</nav><article class="story"><p>Body.</p><div class="ad">buy</div>'
           '<p>Subscribe now!</p><span>Read more »</span>'
           '<img src="http://cdn.example.com/a.jpg" alt="A">'
           '<a href="https://example.com/out?to=https%3A%2F%2Fother.org%2Fx%3Futm_source%3Drss">'
           'link</a></article><footer>foot</footer>')
    result = clean_entry(raw, link="https://www.example.com/story", rules=rules)
    assert result.text == "Body.\n\nlink"
    assert result.images == ("https://cdn.example.com/a.jpg",)
    assert 'href="https://other.org/x"' in result.html
    assert 'alt="A"' in result.html
    other_site = clean_entry(raw, link="https://elsewhere.org/", rules=rules)
    assert "menu" in other_site.text and "Subscribe now" in other_site.text


def test_rule_selected_by_feed_slug(tmp_path: Path) -> None:
    rules = load_rules([write(tmp_path, '[[rule]]\nfeeds = ["mirror"]\nremove = ["p.x"]\n')])
    raw = '<p class="x">chrome</p><p>text</p>'
    assert clean_entry(raw, feed_slug="mirror", rules=rules).text == "text"
    assert clean_entry(raw, feed_slug="other", rules=rules).text == "chrome\n\ntext"


@pytest.mark.parametrize(("text", "problem"), [
    ("[[rule]\nname = 1", "mine.toml"),
    ('[[rule]]\nremove = ["div[["]', "bad selector"),
    ('[[rule]]\nremove = ["xpath://div[" ]', "bad selector"),
    ('[[rule]]\nremove_text = ["(unclosed"]', "bad regular expression"),
    ('[[rule]]\nhosts = "example.com"', "list of strings"),
    ('[[rule]]\ncolour = "red"', "unknown key"),
    ('[[rule]]\n[rule.date]\npattern = "(?P<day>\\\\d+)"\ntimezone = "UTC"', "named group"),
    ('[[rule]]\n[rule.date]\npattern = "(?P<year>1)(?P<month>1)(?P<day>1)"\n'
     'timezone = "Mars/Olympus"', "unknown time zone"),
    ('[[rule]]\nrewrite = [{ match = "a", replace = "\\\\9" }]', "replacement"),
    ('[[rule]]\nunwrap = [{ match = "a" }]', "unwrap"),
])
def test_broken_user_file_names_file_and_problem(tmp_path: Path, text: str,
                                                 problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as info:
        load_rules([path])
    message = str(info.value)
    assert str(path) in message and problem in message and "\n" not in message


def test_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read"):
        load_rules([tmp_path / "absent.toml"])


def test_builtin_rules_cover_the_corpus_sites() -> None:
    names = {r.name for r in load_rules().rules}
    assert {"rfi", "feedx-footer", "feedburner", "tracking-pixels", "nytimes-cn", "bbc",
            "dw"} <= names
