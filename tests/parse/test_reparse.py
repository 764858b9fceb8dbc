"""`feedvault reparse` on a vault built with a deliberately broken parser (it drops every
``&amp;``, puts dates in 1999 and loses authors): today's parser corrects titles, links,
HTML, dates and authors as new versions and corrected fields, on both backends, and no
version or document is lost."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from feedvault.cli import main
from feedvault.parse import ParsedFeed, parse_feed
from feedvault.parse.text import unmarked
from feedvault.vault import Vault

ITEM_A = (
    "<item><guid>a</guid><title>Q&amp;A night</title>"
    "<link>https://127.0.0.1/a?x=1&amp;y=2</link>"
    "<description>&lt;p&gt;Tom &amp;amp; Jerry&lt;/p&gt;</description>"
    "<pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate><author>ann@127.0.0.1 (Ann)</author></item>"
)
ITEM_C = (  # no date today's parser is sure of: no date, not a wrong one
    "<item><guid>c</guid><title>Odd date</title><link>https://127.0.0.1/c</link>"
    "<description>c</description><pubDate>13/13/13 25:61</pubDate></item>"
)


def _item_b(title: str) -> str:
    return (
        f"<item><guid>b</guid><title>{title}</title><link>https://127.0.0.1/b</link>"
        "<description>b body</description><pubDate>Wed, 11 Jun 2003 04:00:00 GMT</pubDate>"
        "</item>"
    )


def _rss(*items: str) -> bytes:
    return (
        "<rss version='2.0'><channel><title>t</title><link>https://127.0.0.1/</link>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


def _broken(real: Callable[..., ParsedFeed]) -> Callable[..., ParsedFeed]:
    def parse(data: bytes, **kwargs: Any) -> ParsedFeed:
        feed = real(data.replace(b"&amp;", b""), **kwargs)
        wrong = datetime(1999, 1, 1, tzinfo=UTC)
        entries = tuple(
            dataclasses.replace(e, published=wrong, updated=None, author=None)
            for e in feed.entries
        )
        return dataclasses.replace(feed, entries=entries)

    return parse


def _build(vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setattr("feedvault.update.pipeline.parse_feed", _broken(parse_feed))
    path = tmp_path / "feed.xml"
    path.write_bytes(_rss(ITEM_A, _item_b("B one"), ITEM_C))
    vault.add_feed(str(path), slug="f")
    path.write_bytes(_rss(ITEM_A, _item_b("B two"), ITEM_C))  # b gets a second version
    (result,) = vault.update(["f"])
    assert (result.new, result.changed) == (0, 1), result
    monkeypatch.undo()
    return {e.guid or "": e.id for e in vault.entries("f")}


def _snapshot(vault: Vault) -> dict[int, list[tuple[int, str, str, str | None, str]]]:
    return {
        e.id: [(v.seq, v.source, v.title, v.link, v.raw_html) for v in vault.entry(e.id).versions]
        for e in vault.entries("f")
    }


def test_reparse_corrects_what_the_broken_parser_stored(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _build(vault, tmp_path, monkeypatch)
    before = _snapshot(vault)
    assert vault.entry(ids["a"]).title == "QA night"
    assert vault.search("amp")  # the broken text "Tom amp; Jerry" is indexed

    dry = vault.reparse("f", dry_run=True)
    assert dry.corrected == 3 and dry.versions == 1
    assert _snapshot(vault) == before  # a dry run writes nothing

    report = vault.reparse("f")
    assert (report.corrected, report.versions, report.unmatched, report.failed) == (3, 1, [], [])
    after = _snapshot(vault)
    for entry_id, versions in before.items():  # nothing lost: every old version as it was
        assert after[entry_id][: len(versions)] == versions

    a = vault.entry(ids["a"])
    assert (a.title, a.link) == ("Q&A night", "https://127.0.0.1/a?x=1&y=2")
    assert a.versions[-1].source == "reparse" and a.version_count == 2
    assert a.raw_html == "<p>Tom &amp; Jerry</p>" and a.text == "Tom & Jerry"
    assert a.published == datetime(2003, 6, 10, 4, tzinfo=UTC) and a.author == "Ann"
    assert a.versions[-1].document_sha == a.versions[0].document_sha  # the same document

    b = vault.entry(ids["b"])  # dates from its first document, its versions untouched
    assert b.version_count == 2 and b.title == "B two"
    assert (b.published, b.published_source) == (datetime(2003, 6, 11, 4, tzinfo=UTC), "feed")
    c = vault.entry(ids["c"])
    assert (c.published, c.published_source) == (c.first_seen, "first_seen")

    assert not vault.search("amp") and [h.entry.id for h in vault.search("Jerry")] == [ids["a"]]
    corrected = {x.entry_id: x for x in report.corrections}
    assert corrected[ids["a"]].fields["title"] == ("QA night", "Q&A night")
    assert set(corrected[ids["b"]].fields) == {"published"}

    again = vault.reparse("f")  # idempotent
    assert again.corrected == 0
    # the next fetch of the same document finds nothing new: no false edit
    (result,) = vault.update(["f"])
    assert (result.new, result.changed) == (0, 0), result


def test_reparse_json_from_the_command_line(
    vault: Vault, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = _build(vault, tmp_path, monkeypatch)
    assert main(["--db", db_url, "reparse", "--feed", "f", "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] is True and report["corrected"] == 3
    fix = next(c for c in report["corrections"] if c["entry"] == ids["a"])
    assert fix["new_version"] is True
    assert fix["fields"]["link"] == ["https://127.0.0.1/a?x=1y=2", "https://127.0.0.1/a?x=1&y=2"]
    assert fix["fields"]["published"][1].startswith("2003-06-10T04:00:00")
    assert fix["fields"]["raw_html"][1].startswith("22 characters, sha256 ")
    assert vault.entry(ids["a"]).version_count == 1  # dry run
    assert main(["--db", db_url, "reparse"]) == 0
    assert "corrected 3" in capsys.readouterr().out
    assert vault.entry(ids["a"]).version_count == 2


def test_an_item_keyed_differently_now_is_reported_not_rekeyed(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No guid and a link the broken parser corrupted: its key cannot be found again."""
    monkeypatch.setattr("feedvault.update.pipeline.parse_feed", _broken(parse_feed))
    path = tmp_path / "feed.xml"
    path.write_bytes(_rss(
        "<item><title>D</title><link>https://127.0.0.1/d?p=1&amp;q=2</link>"
        "<description>d</description></item>"
    ))
    vault.add_feed(str(path), slug="f")
    monkeypatch.undo()
    (entry,) = vault.entries("f")
    report = vault.reparse("f")
    assert report.unmatched == [("f", entry.id, entry.key)] and report.corrected == 0
    assert vault.entry(entry.id).version_count == 1


def test_plain_text_stored_before_the_mark_is_shown_as_text_after_reparse(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An Atom type="text" entry stored by the parser before the plain-text mark: its
    ``<div>`` mention was deleted by the cleaner. reparse adds the marked version; the next
    fetch records no edit (the mark is outside the content hash)."""
    def unmarked_parser(data: bytes, **kwargs: Any) -> ParsedFeed:
        feed = parse_feed(data, **kwargs)
        return dataclasses.replace(feed, entries=tuple(
            dataclasses.replace(e, content_html=unmarked(e.content_html)) for e in feed.entries
        ))

    monkeypatch.setattr("feedvault.update.pipeline.parse_feed", unmarked_parser)
    path = tmp_path / "feed.xml"
    path.write_bytes(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>x</id>'
        b'<title>a</title><content type="text">Use &lt;div&gt; tags\n\nTwo</content>'
        b"</entry></feed>"
    )
    vault.add_feed(str(path), slug="f")
    monkeypatch.undo()
    (entry,) = vault.entries("f")
    assert "<div>" not in entry.text
    report = vault.reparse("f")
    assert (report.corrected, report.versions) == (1, 1)
    after = vault.entry(entry.id)
    assert after.text == "Use <div> tags\n\nTwo" and after.versions[0].text == entry.text
    (result,) = vault.update(["f"])
    assert (result.new, result.changed) == (0, 0), result
