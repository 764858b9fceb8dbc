"""Changes are computed before writing (issue #19): the noise verdict and the edit summary of a
changed entry are made in `prepare`, travel in the batch, and the write transaction only
inserts the mark. What a user sees (versions, marks and their evidence) is what comparing the
stored versions gives, on both backends."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import pytest

from feedvault.changes import marks
from feedvault.changes.diff import describe_edit
from feedvault.changes.noise import judge_edit
from feedvault.models import Feed
from feedvault.store.base import FeedSpec
from feedvault.timeutil import now_utc
from feedvault.update.pipeline import (
    Document,
    Page,
    StaleDecision,
    commit,
    ingest,
    prepare,
    store_pages,
)

LINK = "http://127.0.0.1/a"


def _doc(title: str, body: str) -> Document:
    xml = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>'
        "<link>http://127.0.0.1/</link><item>"
        f"<guid>{LINK}</guid><title>{escape(title)}</title><link>{LINK}</link>"
        f"<description>{escape(body)}</description></item></channel></rss>"
    )
    return Document(xml.encode(), "http://127.0.0.1/feed.xml", "application/rss+xml")


def _feed(vault: Any) -> Feed:
    store = vault.store
    store.add_feed(FeedSpec("site", "Site", None))
    return store.get_feed("site")  # type: ignore[no-any-return]


def _ingest(vault: Any, doc: Document) -> Any:
    store = vault.store
    return ingest(store, store.get_feed("site"), doc, seen_at=now_utc())


def _no_diff_while_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The write transaction must not compare versions: it only inserts what it was given."""

    def refuse(*_: object) -> None:
        raise AssertionError("the write transaction compared versions")

    monkeypatch.setattr(marks, "describe_edit", refuse)


def _expected_evidence(vault: Any, entry_id: int, seq: int) -> dict[str, object]:
    versions = {v.seq: v for v in vault.store.versions(entry_id)}
    old, new = versions[seq - 1], versions[seq]
    evidence: dict[str, object] = {"seq": seq, **describe_edit(old, new).as_dict()}
    if new.document_sha:
        evidence["document"] = new.document_sha
    return evidence


def test_the_edit_mark_carries_the_summary_computed_before_writing(
    vault: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _feed(vault)
    first = _ingest(vault, _doc("Budget vote", "<p>The council met on Monday.</p>"))
    assert first.new == 1
    _no_diff_while_writing(monkeypatch)
    second = _ingest(
        vault, _doc("Budget vote delayed", "<p>The council met on Monday and Tuesday.</p>")
    )
    monkeypatch.undo()
    assert (second.new, second.changed) == (0, 1)
    entry = vault.store.list_entries()[0]
    edits = [m for m in vault.store.changes.marks_for_entry(entry.id) if m.kind == "edit"]
    assert len(edits) == 1
    assert edits[0].how == "feed"
    assert edits[0].evidence == _expected_evidence(vault, entry.id, 2)
    assert edits[0].evidence["fields"] == ["title", "text"]


def test_a_re_render_is_no_version_and_no_mark(vault: Any) -> None:
    _feed(vault)
    _ingest(vault, _doc("Title", '<p class="a">Same   words here.</p>'))
    again = _ingest(vault, _doc("Title", "<div><p>Same words here.</p></div>"))
    assert (again.changed, again.unchanged) == (0, 1)
    entry = vault.store.list_entries()[0]
    assert entry.version_count == 1
    assert vault.store.changes.marks_for_entry(entry.id) == []


def test_a_batch_decided_before_another_writer_is_redecided_with_a_new_summary(
    vault: Any,
) -> None:
    store = vault.store
    _feed(vault)
    _ingest(vault, _doc("T", "<p>one</p>"))
    third = _doc("T", "<p>one two three four five six</p>")
    prepared = prepare(store, store.get_feed("site"), third, seen_at=now_utc())
    (_, early, _), = prepared.batch.changed  # type: ignore[union-attr]
    _ingest(vault, _doc("T", "<p>one two three four five</p>"))  # another writer, first
    with pytest.raises(StaleDecision):
        commit(store, prepared)
    assert _ingest(vault, third).changed == 1  # decided again, against version 2
    entry = store.list_entries()[0]
    assert entry.version_count == 3
    edits = [m for m in store.changes.marks_for_entry(entry.id) if m.kind == "edit"]
    assert [m.evidence["seq"] for m in edits] == [2, 3]
    assert edits[1].evidence == _expected_evidence(vault, entry.id, 3)
    assert early.edit is not None and edits[1].evidence["size"] != early.edit.size


def test_a_page_version_s_edit_is_computed_before_writing(
    vault: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = vault.store
    feed = _feed(vault)
    _ingest(vault, _doc("Story", "<p>A short summary.</p>"))
    entry = store.list_entries()[0]
    page = Page(entry, "<article><p>A short summary, and the whole story.</p></article>", LINK)
    _no_diff_while_writing(monkeypatch)
    result = store_pages(store, feed, [page], seen_at=now_utc())
    monkeypatch.undo()
    assert result.changed == 1
    edits = [m for m in store.changes.marks_for_entry(entry.id) if m.kind == "edit"]
    assert [m.how for m in edits] == ["origin"]
    assert edits[0].evidence == _expected_evidence(vault, entry.id, 2)


@dataclass(frozen=True)
class _Stored:
    title: str
    link: str | None
    raw_html: str
    content_html: str
    text: str


@dataclass(frozen=True)
class _New:
    title: str
    link: str | None
    content_html: str
    text: str


def _cleaned(raw: str, title: str) -> tuple[str, str]:
    from feedvault.clean import clean_entry

    result = clean_entry(raw, base_url=LINK, link=LINK)
    return result.html, result.text


@pytest.mark.parametrize(
    ("old_raw", "new_raw", "noise"),
    [
        ('<p class="x">Hello   world</p>', "<div><p>Hello world</p></div>", True),
        ("<p>Hello world</p>", "<p>Hello brave new world</p>", False),
        ('<p>See <img src="http://127.0.0.1/1.png"></p>',
         '<p>See <img src="http://127.0.0.1/2.png"></p>', False),
    ],
)
def test_judge_edit_is_the_same_whether_or_not_the_new_cleaning_is_reused(
    old_raw: str, new_raw: str, noise: bool
) -> None:
    old_html, old_text = _cleaned(old_raw, "T")
    old = _Stored("T", LINK, old_raw, old_html, old_text)
    new_html, new_text = _cleaned(new_raw, "T")
    new = _New("T", LINK, new_html, new_text)
    reused = judge_edit(old, new, new_raw, cleaned_like_noise=True)
    separate = judge_edit(old, new, new_raw, cleaned_like_noise=False)
    assert reused == separate
    assert (reused is None) == noise
    if reused is not None:
        assert reused == describe_edit(old, new)


def test_the_summary_compares_the_stored_version_when_it_was_cleaned_otherwise() -> None:
    """A version stored under older rules: noise is judged on today's cleaning of both raw
    bodies, the summary on what the versions table holds (as the mark always did)."""
    old = _Stored("T", LINK, "<p>Hello world</p>", "<p>Hello world, older cleaning</p>",
                  "Hello world, older cleaning")
    new_html, new_text = _cleaned("<p>Hello there world</p>", "T")
    new = _New("T", LINK, new_html, new_text)
    summary = judge_edit(old, new, "<p>Hello there world</p>", cleaned_like_noise=True)
    assert summary == describe_edit(old, new)
    assert summary is not None and summary.size != describe_edit(
        _New("T", LINK, *_cleaned("<p>Hello world</p>", "T")), new
    ).size
