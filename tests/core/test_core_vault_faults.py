"""Faults of the vault itself: disk full, read-only, corrupted, truncated, foreign databases,
mistyped paths, missing extras. Each gives one line and a non-zero exit, and leaves what
was stored intact and readable."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from feedvault.config import load_settings
from feedvault.errors import StorageError, UsageError, VaultFault
from feedvault.store import open_storage
from feedvault.store.sqlite.store import SqliteStorage
from feedvault.vault import Vault, open_vault

EN = ("bbc", "cnn")


def _cli(
    db: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "feedvault.cli", "--db", db, *args],
        capture_output=True,
        text=True,
        env=env or _env(Path(db).parent),
        timeout=120,
    )


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "cfg"))
    env.pop("FEEDVAULT_DB", None)
    return env


def _one_error_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The run failed with exactly one `feedvault: error:` line on stderr, no traceback."""
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("feedvault: error: "), lines
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def base_vault(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """A small real vault of two corpus feeds (local files), built once."""
    home = tmp_path_factory.mktemp("base")
    feeds = home / "feeds"
    feeds.mkdir()
    db = home / "vault.db"
    with open_vault(str(db)) as vault:
        for name in EN:
            shutil.copy(corpus / "feeds" / "en" / f"{name}-1.xml", feeds / f"{name}.xml")
            vault.add_feed(str(feeds / f"{name}.xml"), slug=name)
    return home


@pytest.fixture
def vault_copy(base_vault: Path, tmp_path: Path) -> Path:
    """This test's own copy of the base vault and its feed files; returns the vault path."""
    shutil.copytree(base_vault / "feeds", tmp_path / "feeds")
    db = tmp_path / "vault.db"
    shutil.copy(base_vault / "vault.db", db)
    conn = sqlite3.connect(db)
    with conn:  # the copy's feeds are its own files, so a test can change them
        conn.execute(
            "UPDATE feeds SET url = replace(url, ?, ?)",
            (str(base_vault / "feeds"), str(tmp_path / "feeds")),
        )
    conn.close()
    return db


def _edit_feeds(feeds: Path, corpus: Path) -> None:
    """The feeds publish their next documents: new entries to write."""
    for name in EN:
        shutil.copy(corpus / "feeds" / "en" / f"{name}-2.xml", feeds / f"{name}.xml")


def _counts(db: Path) -> dict[str, int]:
    with open_vault(str(db)) as vault:
        return {f.slug: f.entry_count for f in vault.feeds()}


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A real small tmpfs (root only); skipped where mounting is not allowed."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


# ---- disk full ---------------------------------------------------------------------------


def test_disk_full_by_page_limit_stops_update_and_keeps_the_vault(
    vault_copy: Path, corpus: Path
) -> None:
    before = _counts(vault_copy)
    _edit_feeds(vault_copy.parent / "feeds", corpus)
    store = SqliteStorage(str(vault_copy))
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    with (
        Vault(store, load_settings(str(vault_copy))) as vault,
        pytest.raises(VaultFault, match="disk is full") as caught,
    ):
        vault.update()
    assert str(vault_copy) in str(caught.value) and "\n" not in str(caught.value)
    assert _integrity(vault_copy) == "ok"
    assert _counts(vault_copy) == before


def test_disk_full_on_a_small_tmpfs_is_one_line(
    vault_copy: Path, corpus: Path, tmp_path: Path
) -> None:
    size = vault_copy.stat().st_size + 96 * 1024
    with _tmpfs(tmp_path / "small", f"{size // 1024}k") as disk:
        db = disk / "vault.db"
        shutil.copy(vault_copy, db)
        before = _counts(db)
        big = sorted((corpus / "feeds" / "zh").iterdir())[:6]
        env = _env(tmp_path)
        failed = None
        for feed in big:  # add feeds until the disk is full
            result = _cli(str(db), "add", str(feed), env=env)
            if result.returncode != 0:
                failed = result
                break
        assert failed is not None, "the small disk never filled up"
        _one_error_line(failed, str(db), "disk is full")
        assert _integrity(db) == "ok"
        after = _counts(db)
        assert {k: after[k] for k in before} == before
        listed = _cli(str(db), "entries", "--feed", "bbc", env=env)
        assert listed.returncode == 0 and listed.stdout.count("\n") >= 10


# ---- read-only ---------------------------------------------------------------------------


@pytest.fixture
def read_only_vault(vault_copy: Path, tmp_path: Path) -> Iterator[Path]:
    """The vault on a tmpfs remounted read-only: even root cannot write it."""
    with _tmpfs(tmp_path / "ro", "16m") as disk:
        shutil.copy(vault_copy, disk / "vault.db")
        remount = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True)
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remount.stderr.decode().strip()}")
        yield disk / "vault.db"


def test_reading_commands_work_on_a_read_only_vault(read_only_vault: Path, tmp_path: Path) -> None:
    db = str(read_only_vault)
    env = _env(tmp_path)
    feeds = _cli(db, "feeds", env=env)
    assert feeds.returncode == 0 and "bbc" in feeds.stdout and feeds.stderr == ""
    entries = _cli(db, "entries", "--feed", "cnn", "--json", env=env)
    assert entries.returncode == 0, entries.stderr
    first = json.loads(entries.stdout)[0]
    shown = _cli(db, "show", str(first["id"]), env=env)
    assert shown.returncode == 0 and first["title"] in shown.stdout
    found = _cli(db, "search", first["title"].split()[0], env=env)
    assert found.returncode == 0 and found.stdout.strip()
    tree = tmp_path / "tree"
    exported = _cli(db, "export", "markdown", str(tree), env=env)
    assert exported.returncode == 0, exported.stderr
    assert any(first["title"] in p.read_text() for p in tree.rglob("*.md"))


def test_writing_commands_fail_with_one_line_on_a_read_only_vault(
    read_only_vault: Path, tmp_path: Path, corpus: Path
) -> None:
    db = str(read_only_vault)
    env = _env(tmp_path)
    _one_error_line(_cli(db, "update", env=env), db, "read-only")
    feed = corpus / "feeds" / "en" / "cnn-2.xml"
    _one_error_line(_cli(db, "add", str(feed), "--name", "x", env=env), db, "read-only")
    assert _cli(db, "feeds", env=env).stdout.count("\n") == 2


def test_serve_works_on_a_read_only_vault(
    read_only_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.testclient import TestClient

    from feedvault.web import create_app

    monkeypatch.setenv("FEEDVAULT_ADMIN_PASSWORD", "correct horse battery")
    with TestClient(create_app(str(read_only_vault)), follow_redirects=False) as client:
        home = client.get("/")
        assert home.status_code == 200
        assert client.get("/feeds/bbc").status_code == 200
        login_page = client.get("/admin/login")
        assert login_page.status_code == 200
        csrf = _csrf(login_page.text)
        logged = client.post(
            "/admin/login",
            data={"csrf": csrf, "password": "correct horse battery", "next": "/admin"},
        )
        assert logged.status_code == 303, logged.text
        admin = client.get("/admin")
        assert admin.status_code == 200
        refused = client.post("/admin/private", data={"csrf": _csrf(admin.text), "private": "1"})
        assert refused.status_code in (400, 503) and "read-only" in refused.text


def _csrf(html: str) -> str:
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field"
    return found.group(1)


# ---- corruption --------------------------------------------------------------------------


def _garble_middle(db: Path) -> None:
    """Random bytes over the middle third of the file's pages, as a failing disk would."""
    import random

    rng = random.Random(14)
    size = db.stat().st_size
    page = 4096
    with db.open("r+b") as handle:
        for n in range(size // page // 3, 2 * size // page // 3):
            handle.seek(n * page)
            handle.write(rng.randbytes(page))


def test_update_into_a_corrupted_vault_exits_non_zero(vault_copy: Path, corpus: Path) -> None:
    _garble_middle(vault_copy)
    _edit_feeds(vault_copy.parent / "feeds", corpus)
    result = _cli(str(vault_copy), "update")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"feedvault: error: vault {vault_copy} is corrupted"), last
    assert "quick_check" in last


def test_truncated_vault_is_one_line(vault_copy: Path) -> None:
    with vault_copy.open("r+b") as handle:
        handle.truncate(vault_copy.stat().st_size // 2)
    for args in (("feeds",), ("update",)):
        _one_error_line(_cli(str(vault_copy), *args), str(vault_copy), "truncated")


# ---- not a feedvault vault ---------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_another_applications_sqlite_file_is_refused_untouched(
    tmp_path: Path, corpus: Path
) -> None:
    other = tmp_path / "notes.db"
    conn = sqlite3.connect(other)
    conn.executescript("CREATE TABLE notes (body TEXT); CREATE TABLE tags (name TEXT);")
    conn.close()
    before = _sha(other)
    feed = str(corpus / "feeds" / "en" / "bbc-1.xml")
    for args in (("add", feed), ("feeds",), ("update",)):
        line = _one_error_line(_cli(str(other), *args), "another application", "notes, tags")
        assert "will not add its tables" in line
    assert _sha(other) == before
    names = sqlite3.connect(other).execute("SELECT name FROM sqlite_schema").fetchall()
    assert sorted(n for (n,) in names) == ["notes", "tags"]


def test_a_text_file_as_vault_is_refused_untouched(tmp_path: Path, corpus: Path) -> None:
    text = tmp_path / "todo.txt"
    text.write_text("buy milk\n" * 20)
    feed = str(corpus / "feeds" / "en" / "bbc-1.xml")
    for args in (("add", feed), ("feeds",)):
        _one_error_line(_cli(str(text), *args), str(text), "not a SQLite database")
    assert text.read_text() == "buy milk\n" * 20


def _pg_wanted() -> None:
    backends = os.environ.get("FEEDVAULT_TEST_BACKENDS", "sqlite,postgres")
    if "postgres" not in backends:
        pytest.skip("PostgreSQL left out by FEEDVAULT_TEST_BACKENDS")


def test_postgres_schema_of_another_application_is_refused(request: pytest.FixtureRequest) -> None:
    _pg_wanted()
    import psycopg

    url = str(request.getfixturevalue("pg_url"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE customers (id int)")
    with pytest.raises(StorageError, match=r"another application's tables \(customers\)"):
        open_storage(url)
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema()"
        ).fetchall()
    assert rows == [("customers",)]


def test_postgres_connection_lost_is_a_vault_fault(request: pytest.FixtureRequest) -> None:
    _pg_wanted()
    import psycopg

    url = str(request.getfixturevalue("pg_url"))
    store = open_storage(url)
    try:
        pid = store.conn.info.backend_pid  # type: ignore[attr-defined]
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(VaultFault, match="vault postgresql://") as caught:
            store.list_feeds()
        assert "\n" not in str(caught.value)
    finally:
        store.conn.close()  # type: ignore[attr-defined]


# ---- where a new vault is made -----------------------------------------------------------


def test_mistyped_path_is_refused_and_nothing_is_created(tmp_path: Path, corpus: Path) -> None:
    feed = str(corpus / "feeds" / "en" / "bbc-1.xml")
    env = _env(tmp_path)
    missing_dir = tmp_path / "no-such-dir" / "vault.db"
    _one_error_line(
        _cli(str(missing_dir), "add", feed, env=env), f"directory {missing_dir.parent} does not"
    )
    assert not missing_dir.parent.exists()
    for args in (("feeds",), ("search", "news"), ("entries",)):
        _one_error_line(_cli(str(tmp_path / "typo.db"), *args, env=env), "no vault at")
    assert not (tmp_path / "typo.db").exists()


def test_new_vault_at_a_typed_path_is_announced(tmp_path: Path, corpus: Path) -> None:
    feed = str(corpus / "feeds" / "en" / "bbc-1.xml")
    env = _env(tmp_path)
    typed = tmp_path / "mine.db"
    made = _cli(str(typed), "add", feed, env=env)
    assert made.returncode == 0 and f"created a new vault at {typed}" in made.stderr
    again = _cli(str(typed), "feeds", env=env)
    assert again.returncode == 0 and again.stderr == ""
    by_env = tmp_path / "env.db"
    result = subprocess.run(
        [sys.executable, "-m", "feedvault.cli", "add", feed],
        capture_output=True, text=True, env=dict(env, FEEDVAULT_DB=str(by_env)), timeout=120,
    )
    assert result.returncode == 0 and f"created a new vault at {by_env}" in result.stderr
    default = subprocess.run(  # the default location is made quietly, as before
        [sys.executable, "-m", "feedvault.cli", "add", feed],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert default.returncode == 0 and default.stderr == ""
    assert (tmp_path / "data" / "feedvault" / "vault.db").exists()


# ---- missing extras ----------------------------------------------------------------------


def test_postgres_url_without_the_extra_names_it(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from feedvault.cli import main\n"
        "raise SystemExit(main(['--db', 'postgresql://u@127.0.0.1:1/x', 'feeds']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(tmp_path),
        timeout=60,
    )
    _one_error_line(result, "pip install 'feedvault[postgres]'")


def test_fulltext_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from feedvault.clean import extract_article

    monkeypatch.setitem(sys.modules, "trafilatura", None)
    with pytest.raises(UsageError, match=r"pip install 'feedvault\[fulltext\]'"):
        extract_article(b"<html><body><p>text</p></body></html>", url="https://example.org/a")
