"""Archive files through the vault: import, export, re-import; the seed byte for byte."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from feedvault.vault import Vault, open_vault
from fv_testpaths import SEED


def test_seed_round_trip_is_byte_exact(vault: Vault, tmp_path: Path) -> None:
    result = vault.import_paths([SEED])
    assert (result.files, result.new, result.errors) == (1, 1, [])
    [entry] = vault.entries()
    assert entry.title == "美国称与中国商讨禁止芬太尼有进展"
    assert entry.published.year == 2024 and entry.published_source == "archive"
    out = tmp_path / "tree"
    stats = vault.export_markdown(out)
    assert (stats.written, stats.updated) == (1, 0)
    files = sorted((out / "articles").rglob("*.md"))
    assert [f.name for f in files] == ["1048575.md"]
    assert files[0].read_bytes() == SEED.read_bytes()
    assert (out / "lists").is_dir()


def test_export_again_changes_nothing_then_continues_ids(
    vault: Vault, tmp_path: Path, corpus: Path
) -> None:
    vault.import_paths([corpus / "archive-format" / "duty-machine-news"])
    out = tmp_path / "tree"
    first = vault.export_markdown(out)
    assert first.written == 2
    again = vault.export_markdown(out)
    assert (again.written, again.updated, again.unchanged) == (0, 0, 2)
    vault.import_paths([SEED], feed="rfi")
    third = vault.export_markdown(out)
    assert (third.written, third.updated, third.unchanged) == (1, 0, 2)
    names = sorted(p.name for p in (out / "articles" / "rfi").iterdir())
    assert names == ["1048573.md", "1048574.md", "1048575.md"]
    newest = (out / "articles" / "rfi" / "1048573.md").read_bytes()
    assert newest == SEED.read_bytes()  # the seed (2024) is newer than the 2023 items


@pytest.mark.slow_on_postgres
def test_whole_archive_corpus_imports_and_reimports_to_same_entries(
    vault: Vault,
    db_url: str,
    make_db: Callable[[str, Path], AbstractContextManager[str]],
    tmp_path: Path,
    corpus: Path,
) -> None:
    source = corpus / "archive-format"
    result = vault.import_paths([source])
    assert result.errors == []
    md_files = [p for p in source.rglob("*.md")]
    assert result.files == len(md_files)
    before = {(e.feed_slug, e.title, e.link, e.published) for e in vault.entries(limit=None)}
    assert len(before) == result.new
    out = tmp_path / "tree"
    vault.export_markdown(out)

    backend = "postgres" if db_url.startswith("postgres") else "sqlite"
    with make_db(backend, tmp_path / "second") as db, open_vault(db) as second:
        again = second.import_paths([out / "articles"])
        assert again.errors == []
        after = {(e.feed_slug, e.title, e.link, e.published) for e in second.entries(limit=None)}
    assert after == before


def test_reimporting_same_files_adds_nothing(vault: Vault, corpus: Path, tmp_path: Path) -> None:
    tree = tmp_path / "copy" / "rfi"
    shutil.copytree(corpus / "archive-format" / "nodebe4-oped2" / "rfi", tree)
    first = vault.import_paths([tree])
    second = vault.import_paths([tree])
    assert first.new == len(list(tree.iterdir()))
    assert (second.new, second.changed, second.unchanged) == (0, 0, first.new)


def test_opml_import_adds_subscriptions_once_and_exports(
    vault: Vault, corpus: Path, tmp_path: Path
) -> None:
    opml = corpus / "opml" / "inoreader-echopi.opml"
    result = vault.import_paths([opml])
    assert result.subscriptions_added > 0
    again = vault.import_paths([opml])
    assert again.subscriptions_added == 0
    out = tmp_path / "subs.opml"
    assert vault.export_opml(out) == result.subscriptions_added
    from feedvault.archive.opml import read_opml

    urls = {s.xml_url for s in read_opml(out.read_bytes())}
    assert urls == {f.url for f in vault.feeds()}
