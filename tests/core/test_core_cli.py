"""The command line: JSON shapes, exit codes and one-line errors, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from fv_testpaths import SEED

Run = Callable[..., subprocess.CompletedProcess[str]]


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(
        os.environ, XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config")
    )
    env.pop("FEEDVAULT_DB", None)
    return env


def _entry_count(db: str) -> int:
    from feedvault.vault import open_vault

    with open_vault(db) as vault:
        return vault.store.count_entries()


@pytest.fixture
def feed_file(tmp_path: Path, corpus: Path) -> Path:
    return corpus / "feeds" / "zh" / "bbc-chinese-1.xml"


def test_add_update_feeds_entries_show_json(run: Run, feed_file: Path) -> None:
    added = run("add", str(feed_file), "--slug", "bbc", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["slug"] == "bbc"

    feeds = json.loads(run("feeds", "--json").stdout)
    assert [f["slug"] for f in feeds] == ["bbc"]
    assert {"slug", "name", "url", "entries", "last_updated", "last_error"} <= set(feeds[0])
    assert feeds[0]["entries"] == 66 and feeds[0]["last_error"] is None

    entries = json.loads(run("entries", "--feed", "bbc", "--limit", "5", "--json").stdout)
    assert len(entries) == 5
    assert set(entries[0]) == {"id", "feed", "title", "link", "published", "text"}
    published = [e["published"] for e in entries]
    assert published == sorted(published, reverse=True)
    assert all(p.endswith("Z") for p in published)

    shown = json.loads(run("show", str(entries[0]["id"]), "--json").stdout)
    assert shown["id"] == entries[0]["id"] and shown["raw_html"]
    assert len(shown["versions"]) == 1 and shown["versions"][0]["seq"] == 1

    update = run("update")
    assert update.returncode == 0
    assert "bbc: not modified" in update.stdout  # same bytes: nothing parsed


def test_user_errors_one_line_no_traceback(run: Run, tmp_path: Path) -> None:
    cases = [
        ("entries", "--feed", "nope"),
        ("show", "999"),
        ("add", str(tmp_path / "missing.xml")),
        ("add", "not a url"),
        ("import", str(tmp_path / "nothing-here")),
        ("remove", "nope", "--yes"),
        ("update", "nope"),
    ]
    for args in cases:
        result = run(*args)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("feedvault: error:"), (args, lines)
        assert "Traceback" not in result.stderr


def test_bad_arguments_exit_2(run: Run) -> None:
    for args in (("entries", "--limit", "-3"), ("show", "abc"), ("frobnicate",)):
        result = run(*args)
        assert result.returncode == 2 and "Traceback" not in result.stderr


def test_remove_needs_confirmation(run: Run, feed_file: Path) -> None:
    run("add", str(feed_file), "--slug", "bbc")
    refused = run("remove", "bbc", stdin="")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert json.loads(run("feeds", "--json").stdout)[0]["entries"] == 66
    removed = run("remove", "bbc", "--yes")
    assert removed.returncode == 0
    assert json.loads(run("feeds", "--json").stdout) == []


def test_import_and_export_commands(run: Run, tmp_path: Path) -> None:
    imported = run("import", str(SEED), "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["new"] == 1
    out = tmp_path / "tree"
    exported = run("export", "markdown", str(out))
    assert exported.returncode == 0, exported.stderr
    [article] = list((out / "articles").rglob("*.md"))
    assert article.read_bytes() == SEED.read_bytes()
    opml = run("export", "opml", str(tmp_path / "s.opml"))
    assert opml.returncode == 0 and (tmp_path / "s.opml").exists()


def test_env_db_and_default_location(tmp_path: Path, db_url: str) -> None:
    env = _env(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "feedvault.cli", "import", str(SEED)],
        env=env,
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "data" / "feedvault" / "vault.db").exists()  # the default is SQLite
    env["FEEDVAULT_DB"] = db_url
    subprocess.run(
        [sys.executable, "-m", "feedvault.cli", "import", str(SEED), "--feed", "seed"],
        env=env,
        check=True,
        capture_output=True,
    )
    assert _entry_count(db_url) == 1


def test_config_file_is_read_and_bad_values_are_one_line_errors(
    tmp_path: Path, db_url: str
) -> None:
    config = tmp_path / "config" / "feedvault"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(f"db = {json.dumps(db_url)}\n")
    env = _env(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "feedvault.cli", "import", str(SEED)],
        env=env,
        check=True,
        capture_output=True,
    )
    assert _entry_count(db_url) == 1
    assert not (tmp_path / "data" / "feedvault" / "vault.db").exists()
    (config / "config.toml").write_text('[fetch]\ntimeout = "soon"\n')
    bad = subprocess.run(
        [sys.executable, "-m", "feedvault.cli", "feeds"], env=env, capture_output=True, text=True
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("feedvault: error:") and len(bad.stderr.splitlines()) == 1
    (config / "config.toml").write_text("this is [not toml")
    broken = subprocess.run(
        [sys.executable, "-m", "feedvault.cli", "feeds"], env=env, capture_output=True, text=True
    )
    assert broken.returncode == 1 and "config.toml" in broken.stderr
