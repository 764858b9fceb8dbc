"""The evidence line of every change on /changes is in the reader's language: the same words
as `feedvault changes` in English, Chinese for a zh reader (a real vault with real marks)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from test_changes_web import ChangedSite, build

from feedvault.changes.report import describe as describe_en
from feedvault.web.evidence import describe
from feedvault.web.i18n import MESSAGES, translate

# Every shape of evidence the changes package records (changes/marks.py, origin.py).
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("edit", "feed", {"seq": 2, "fields": ["title", "text"], "size": 41, "ratio": 0.8731}),
    ("edit", "feed", {"seq": 3, "fields": ["link", "images"], "size": 0, "ratio": 1.0}),
    ("edit", "feed", {"seq": 2, "fields": [], "size": 0}),
    ("gone", "feed", {"older_still_listed": 3, "last_listed": "2025-06-01T08:00:00Z"}),
    ("gone", "feed", {}),
    ("back", "feed", {"document": "ab12"}),
    (
        "gone",
        "origin",
        {
            "reason": "not_found",
            "status": 404,
            "final_url": None,
            "similarity": None,
            "checked_at": "2025-06-02T09:00:00Z",
        },
    ),
    (
        "gone",
        "origin",
        {
            "reason": "front_page",
            "final_url": "https://example.org/",
            "checked_at": "2025-06-02T09:00:00Z",
        },
    ),
    (
        "gone",
        "origin",
        {
            "reason": "other_article",
            "final_url": "https://example.org/b",
            "similarity": 0.12,
            "checked_at": "2025-06-02T09:00:00Z",
        },
    ),
    (
        "gone",
        "origin",
        {"reason": "text_missing", "similarity": 0.05, "checked_at": "2025-06-02T09:00:00Z"},
    ),
    (
        "back",
        "origin",
        {
            "reason": "moved",
            "final_url": "https://example.org/new",
            "checked_at": "2025-06-03T09:00:00Z",
        },
    ),
    (
        "back",
        "origin",
        {"reason": "present", "similarity": 0.97, "checked_at": "2025-06-03T09:00:00Z"},
    ),
    ("gone", "origin", {"reason": "teapot", "checked_at": "2025-06-03T09:00:00Z"}),
    ("gone", "origin", {}),
]


def _t(lang: str) -> Any:
    return lambda key, **args: translate(lang, key, **args)


@pytest.mark.parametrize(("kind", "how", "evidence"), CASES)
def test_english_says_what_the_command_line_says(
    kind: str, how: str, evidence: dict[str, Any]
) -> None:
    assert describe(_t("en"), kind, how, evidence) == describe_en(kind, how, evidence)


@pytest.mark.parametrize(("kind", "how", "evidence"), CASES)
def test_chinese_has_no_english_words_but_keeps_the_facts(
    kind: str, how: str, evidence: dict[str, Any]
) -> None:
    line = describe(_t("zh"), kind, how, evidence)
    facts = [
        str(v)
        for k, v in evidence.items()
        if k in ("status", "final_url", "checked_at", "last_listed", "size", "older_still_listed")
        and v
    ]
    for fact in facts:
        assert fact in line, (fact, line)
    without_facts = line
    for fact in facts:
        without_facts = without_facts.replace(fact, "")
    if evidence.get("reason") != "teapot":  # an unknown reason is shown as stored
        assert not re.search(r"[A-Za-z]{3,}", without_facts), line
    if isinstance(evidence.get("ratio"), float):
        assert f"相似度 {evidence['ratio']:.0%}" in line


def test_every_evidence_message_has_a_chinese_translation() -> None:
    keys = [k for k in MESSAGES["en"] if k.startswith(("ev_", "reason_", "field_"))]
    assert len(keys) >= 15
    for key in keys + ["list_sep"]:
        assert MESSAGES["zh"].get(key), key
        assert set(re.findall(r"{\w+}", MESSAGES["zh"][key])) == set(
            re.findall(r"{\w+}", MESSAGES["en"][key])
        ), key


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> ChangedSite:
    tmp = tmp_path_factory.mktemp("changes-i18n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CONFIG_HOME", str(tmp / "config"))
        return build(Path(tmp))


@pytest.fixture
def web(changed: ChangedSite) -> Iterator[TestClient]:
    from feedvault.web import create_app

    with TestClient(create_app(settings=changed.settings), follow_redirects=False) as c:
        yield c


def _evidence(html: str) -> list[str]:
    return re.findall(r'<p class="evidence">(.*?)</p>', html, re.S)


def test_changes_page_evidence_in_chinese(web: TestClient) -> None:
    en = _evidence(web.get("/changes?lang=en").text)
    zh = _evidence(web.get("/changes?lang=zh").text)
    assert len(en) == len(zh) == 4  # back (feed), gone (origin 404), gone (feed), edit
    assert en[0] == "listed in the feed again"
    assert en[1].startswith("gone at the origin: the page answers 404")
    assert zh[0] == "重新出现在订阅源中"
    assert zh[1].startswith("原文页面已消失：页面返回 404（检查于 ")
    assert zh[2].startswith("已从订阅源中消失，而 ") and "最后一次列出于 " in zh[2]
    assert zh[3].startswith("改动了标题、正文（") and "个字符有变化，相似度 " in zh[3]
    # The language sticks (cookie) and the English page is unchanged by it.
    assert _evidence(web.get("/changes").text) == zh
    assert _evidence(web.get("/changes?lang=en").text) == en
