"""export_tree: layout, idempotence, continuing trees (ours and duty-machine's), git commits."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from archive_corpus import ARCHIVE_CORPUS

from feedvault.archive import (
    ExportFeed,
    ExportItem,
    export_tree,
    read_archive_file,
    render_item,
)
from feedvault.errors import UsageError

START = datetime(2024, 2, 1, 4, 0, tzinfo=UTC)


def _item(n: int, **changes: object) -> ExportItem:
    values: dict[str, object] = {
        "entry_id": n,
        "title": f"标题 {n}",
        "link": f"https://example.org/news/{n}",
        "published": START + timedelta(hours=n),
        "html": f"<p>正文 {n}</p>\n<p>第二行</p>",
    }
    values.update(changes)
    return ExportItem(**values)  # type: ignore[arg-type]


def _feed(items: list[ExportItem], slug: str = "rfi", name: str = "法广") -> ExportFeed:
    return ExportFeed(slug=slug, name=name, items=items)


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def test_first_export_layout_and_bytes(tmp_path: Path) -> None:
    items = [_item(3), _item(1), _item(2)]  # out of order on purpose
    stats = export_tree(tmp_path, [_feed(items)])
    assert (stats.written, stats.updated, stats.unchanged, stats.feeds) == (3, 0, 0, 1)
    articles = tmp_path / "articles" / "rfi"
    assert sorted(p.name for p in articles.iterdir()) == ["1048573.md", "1048574.md", "1048575.md"]
    oldest = _item(1)
    expected = render_item(oldest.title, oldest.link, oldest.published, oldest.html)
    assert (articles / "1048575.md").read_bytes() == expected.encode("utf-8")
    assert read_archive_file(articles / "1048573.md").title == "标题 3"
    assert (tmp_path / "lists" / "法广.md").read_text(encoding="utf-8") == (
        "法广\n------\n\n"
        "2-1 [标题 3](/articles/rfi/1048573.md)\n\n"
        "2-1 [标题 2](/articles/rfi/1048574.md)\n\n"
        "2-1 [标题 1](/articles/rfi/1048575.md)\n"
    )
    manifest = json.loads((tmp_path / ".feedvault" / "export.json").read_text())
    assert manifest["entries"]["1"] == "articles/rfi/1048575.md"


def test_second_export_is_idempotent(tmp_path: Path) -> None:
    feeds = [_feed([_item(1), _item(2)]), _feed([_item(7)], slug="bbc", name="BBC 中文")]
    export_tree(tmp_path, feeds)
    before = _snapshot(tmp_path)
    stats = export_tree(tmp_path, feeds)
    assert (stats.written, stats.updated, stats.unchanged, stats.feeds) == (0, 0, 3, 2)
    assert _snapshot(tmp_path) == before  # not even rewritten with the same bytes


def test_new_items_continue_ids_downward_oldest_first(tmp_path: Path) -> None:
    export_tree(tmp_path, [_feed([_item(1), _item(2)])])
    older = _item(0, published=START - timedelta(days=30))
    stats = export_tree(tmp_path, [_feed([_item(1), _item(2), _item(5), older])])
    assert (stats.written, stats.updated, stats.unchanged) == (2, 0, 2)
    articles = tmp_path / "articles" / "rfi"
    assert read_archive_file(articles / "1048572.md").title == "标题 5"
    assert read_archive_file(articles / "1048573.md").title == "标题 0"  # older, arrived later


def test_changing_an_item_rewrites_only_its_file(tmp_path: Path) -> None:
    items = [_item(1), _item(2), _item(3)]
    export_tree(tmp_path, [_feed(items)])
    before = _snapshot(tmp_path)
    items[1] = _item(2, title="改过的标题", link="https://example.org/moved/2", html="<p>新</p>")
    stats = export_tree(tmp_path, [_feed(items)])
    assert (stats.written, stats.updated, stats.unchanged) == (0, 1, 2)
    after = _snapshot(tmp_path)
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {"articles/rfi/1048574.md", "lists/法广.md"}
    assert read_archive_file(tmp_path / "articles/rfi/1048574.md").title == "改过的标题"


def test_files_are_never_deleted(tmp_path: Path) -> None:
    export_tree(tmp_path, [_feed([_item(1), _item(2)])])
    export_tree(tmp_path, [_feed([_item(3)])])
    names = sorted(p.name for p in (tmp_path / "articles" / "rfi").iterdir())
    assert names == ["1048573.md", "1048574.md", "1048575.md"]
    listing = (tmp_path / "lists" / "法广.md").read_text(encoding="utf-8")
    assert listing.count("](/articles/rfi/") == 3


def test_continuing_a_duty_machine_tree_matches_by_link_then_title(tmp_path: Path) -> None:
    source = ARCHIVE_CORPUS / "nodebe4-oped2" / "rfi"
    site = tmp_path / "articles" / "rfi"
    site.mkdir(parents=True)
    copied = sorted(source.glob("*.md"))[:6]
    for path in copied:
        shutil.copyfile(path, site / path.name)
    originals = [read_archive_file(p) for p in copied]
    items = []
    for n, item in enumerate(originals):
        assert item.published is not None
        link = item.link
        if n == 0 and link:  # same article behind https and a tracking parameter
            link = link.replace("http://", "https://") + "?xtor=RSS-1"
        title = item.title
        if n == 1:  # link changed upstream; title still identifies it
            link, title = "https://www.rfi.fr/cn/moved", item.title
        items.append(ExportItem(100 + n, title, link, item.published, item.html))
    new = ExportItem(999, "新文章", "https://www.rfi.fr/cn/new", START, "<p>新</p>")
    before = _snapshot(tmp_path)
    stats = export_tree(tmp_path, [_feed([*items, new])])
    assert stats.written == 1
    assert stats.updated == 2  # the two items whose link now renders differently
    assert stats.unchanged == 4
    lowest = min(int(p.stem) for p in copied)
    assert read_archive_file(site / f"{lowest - 1}.md").title == "新文章"
    after = _snapshot(tmp_path)
    assert sum(1 for p in after if p.startswith("articles/")) == 7
    for path in copied[2:]:  # untouched files keep bytes and mtime
        key = f"articles/rfi/{path.name}"
        assert after[key] == before[key]
    assert read_archive_file(site / copied[1].name).link == "https://www.rfi.fr/cn/moved"
    again = export_tree(tmp_path, [_feed([*items, new])])
    assert (again.written, again.updated) == (0, 0)


def test_bad_slug_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="slug"):
        export_tree(tmp_path, [_feed([_item(1)], slug="../escape")])
    with pytest.raises(UsageError, match="twice"):
        export_tree(tmp_path, [_feed([_item(1)]), _feed([_item(2)])])


@pytest.fixture()
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    for key, value in {
        "GIT_CONFIG_GLOBAL": str(empty),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "feedvault test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "feedvault test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }.items():
        monkeypatch.setenv(key, value)


def _log(repo: Path) -> list[str]:
    result = subprocess.run(
        ["git", "log", "--format=%s"], cwd=repo, capture_output=True, text=True, check=False
    )
    return result.stdout.splitlines() if result.returncode == 0 else []


@pytest.mark.usefixtures("git_env")
def test_commit_counts_changes_and_skips_empty_commits(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "unrelated.txt").write_text("staged elsewhere, not ours to commit")
    items = [_item(1), _item(2)]
    feeds = [_feed(items), _feed([_item(9)], slug="bbc", name="BBC")]
    export_tree(repo / "tree", feeds, commit=True)
    assert _log(repo) == ["feedvault export: 3 new, 0 updated in 2 feeds"]
    export_tree(repo / "tree", feeds, commit=True)
    assert len(_log(repo)) == 1
    items[0] = _item(1, html="<p>edited</p>")
    export_tree(repo / "tree", [_feed(items), *feeds[1:]], commit=True)
    assert _log(repo)[0] == "feedvault export: 0 new, 1 updated in 1 feed"
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    assert status.strip() == "?? unrelated.txt"


@pytest.mark.usefixtures("git_env")
def test_commit_outside_git_is_a_usage_error_before_writing(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a git work tree"):
        export_tree(tmp_path / "tree", [_feed([_item(1)])], commit=True)
    assert not (tmp_path / "tree").exists()
