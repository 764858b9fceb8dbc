"""`feedvault user ...`: one-line errors and the usual exit codes, passwords on stdin."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedvault.cli import main
from feedvault.config import Settings
from feedvault.vault import open_vault


def _run(db: str, stdin: str, *args: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["--db", db, *args])


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)


def test_user_commands(db_url: str, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str]) -> None:
    pw = "a long enough secret\n"
    assert _run(db_url, pw, "user", "add", "ann", "--admin", "--password-stdin",
                monkeypatch=monkeypatch) == 0
    assert _run(db_url, pw, "user", "add", "bo", "--password-stdin", monkeypatch=monkeypatch) == 0
    assert "added user bo" in capsys.readouterr().out
    assert _run(db_url, pw, "user", "add", "BO", "--password-stdin", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert err == "feedvault: error: a user named 'BO' already exists\n"
    assert _run(db_url, "short\n", "user", "add", "cy", "--password-stdin",
                monkeypatch=monkeypatch) == 1
    assert capsys.readouterr().err.count("\n") == 1
    assert _run(db_url, "", "user", "list", "--json", monkeypatch=monkeypatch) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(u["name"], u["admin"]) for u in listed] == [("ann", True), ("bo", False)]
    assert _run(db_url, "", "user", "list", monkeypatch=monkeypatch) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("ann\t")
    assert _run(db_url, "another secret\n", "user", "passwd", "bo", "--password-stdin",
                monkeypatch=monkeypatch) == 0
    assert _run(db_url, "", "user", "set", "bo", "--unread-on-edit",
                monkeypatch=monkeypatch) == 0
    assert "unread-on-edit=yes" in capsys.readouterr().out
    assert _run(db_url, "", "user", "remove", "bo", monkeypatch=monkeypatch) == 1
    assert "pass --yes" in capsys.readouterr().err
    assert _run(db_url, "", "user", "remove", "ann", "--yes", monkeypatch=monkeypatch) == 1
    assert "last admin" in capsys.readouterr().err
    assert _run(db_url, "", "user", "set", "bo", "--admin", monkeypatch=monkeypatch) == 0
    assert _run(db_url, "", "user", "remove", "ann", "--yes", monkeypatch=monkeypatch) == 0
    assert _run(db_url, "", "user", "remove", "nobody", "--yes", monkeypatch=monkeypatch) == 1
    assert capsys.readouterr().err == "feedvault: error: no user named 'nobody'\n"
    with open_vault(settings=Settings(db=db_url)) as vault:
        assert [u.name for u in vault.users.all()] == ["bo"]
        assert vault.users.authenticate("bo", "another secret") is not None
        assert vault.users.get("bo").options == {"unread_on_edit": True}
    with pytest.raises(SystemExit) as exited:  # argparse: a bad argument is 2
        main(["--db", db_url, "user", "add"])
    assert exited.value.code == 2


def test_user_add_in_a_process(tmp_path: Path) -> None:
    db = str(tmp_path / "v.db")
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("FEEDVAULT_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "feedvault.cli", "--db", db, "user", "add", "eve",
         "--password-stdin"], input="a long enough secret\n", capture_output=True, text=True,
        env=env)
    assert done.returncode == 0, done.stderr
    with open_vault(settings=Settings(db=db)) as vault:
        assert vault.users.authenticate("eve", "a long enough secret") is not None


def test_import_and_export_opml_for_a_user(db_url: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    opml = tmp_path / "in.opml"
    opml.write_text('<opml version="2.0"><body><outline text="World">'
                    '<outline type="rss" text="A" xmlUrl="http://127.0.0.1:9/a.xml"/>'
                    '</outline></body></opml>')
    assert _run(db_url, "a long enough secret\n", "user", "add", "zoe", "--password-stdin",
                monkeypatch=monkeypatch) == 0
    assert _run(db_url, "", "import", str(opml), "--user", "zoe", monkeypatch=monkeypatch) == 0
    out = tmp_path / "out.opml"
    assert _run(db_url, "", "export", "opml", str(out), "--user", "zoe",
                monkeypatch=monkeypatch) == 0
    assert b'<outline text="World" title="World">' in out.read_bytes()
    assert _run(db_url, "", "import", str(opml), "--user", "nobody", monkeypatch=monkeypatch) == 1
