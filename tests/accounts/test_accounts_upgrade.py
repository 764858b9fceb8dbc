"""A vault from before accounts upgrades in place: its admin password (an scrypt hash in the
meta table) becomes the admin user ``admin``, who follows every feed with what is stored
read, and the web login keeps working with it (and then stores an Argon2id hash)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from starlette.testclient import TestClient
from store_kit import batch, new_entry, spec

from feedvault.config import Settings
from feedvault.vault import open_vault
from feedvault.web import security

OLD = "the old admin secret"
_TABLES = ("labels", "stars", "read_state", "subscriptions", "users")


def _downgrade(db_url: str) -> None:
    """Make the vault look as before accounts: no account tables, the password in meta."""
    with open_vault(settings=Settings(db=db_url)) as vault:
        feed = vault.store.add_feed(spec("old"))
        vault.store.apply_update(feed.id, batch(new=[new_entry("x"), new_entry("y")]))
        vault.store.set_meta(security.PASSWORD_KEY, _scrypt(OLD))
        with vault.store.transaction():
            for table in _TABLES:
                vault.store.accounts.db.execute(f"DROP TABLE {table}")
            vault.store.accounts.db.execute("DROP INDEX entries_feed_id")
            if db_url.startswith("postgres"):
                vault.store.accounts.db.execute("DELETE FROM schema_version WHERE version >= 8")
    if not db_url.startswith("postgres"):
        conn = sqlite3.connect(db_url)
        conn.execute("PRAGMA user_version = 8")
        conn.commit()
        conn.close()


def _scrypt(password: str) -> str:
    import hashlib
    import os

    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_admin_password_becomes_the_admin_user(db_url: str) -> None:
    _downgrade(db_url)
    with open_vault(settings=Settings(db=db_url)) as vault:
        [admin] = vault.users.all()
        assert (admin.name, admin.is_admin, admin.options) == ("admin", True, {"follow_new": True})
        assert [s.slug for s in vault.users.subscriptions("admin")] == ["old"]
        assert vault.users.unread_counts("admin") == {"old": 0}  # what was stored is read
        assert (vault.store.accounts.password_hash("admin") or "").startswith("scrypt$")
        assert security.admin_configured(vault.store)


def test_web_login_with_the_migrated_admin(db_url: str) -> None:
    from feedvault.web import create_app

    _downgrade(db_url)
    with TestClient(create_app(db_url), follow_redirects=False) as client:
        token = _csrf(client.get("/admin/login").text)
        bad = client.post("/admin/login", data={"csrf": token, "password": OLD + "!"})
        assert bad.status_code == 403
        token = _csrf(client.get("/admin/login").text)
        ok = client.post("/admin/login", data={"csrf": token, "password": OLD, "next": "/admin"})
        assert ok.status_code == 303 and ok.headers["location"] == "/admin"
        assert client.get("/admin").status_code == 200
    with open_vault(settings=Settings(db=db_url)) as vault:  # upgraded at the login
        stored = vault.store.accounts.password_hash("admin")
        assert stored is not None and stored.startswith("$argon2id$")
        assert security.check_admin_password(vault.store, OLD)


def test_a_non_admin_user_is_not_an_admin_login(db_url: str, tmp_path: Path) -> None:
    with open_vault(settings=Settings(db=db_url)) as vault:
        vault.users.add("reader", OLD)
        assert not security.admin_configured(vault.store)
        assert not security.check_admin_password(vault.store, OLD, "reader")
        from feedvault.web import set_admin_password

        set_admin_password(vault, "the new admin secret")
        assert security.check_admin_password(vault.store, "the new admin secret")
        assert vault.store.get_meta(security.PASSWORD_KEY) is None


def test_the_admin_opml_download_has_the_admin_folders(db_url: str, tmp_path: Path) -> None:
    from feedvault.archive.opml import read_opml
    from feedvault.web import create_app, set_admin_password

    opml = tmp_path / "in.opml"
    opml.write_text('<opml version="2.0"><body><outline text="World">'
                    '<outline type="rss" text="A" xmlUrl="http://127.0.0.1:9/a.xml"/>'
                    '</outline></body></opml>')
    with open_vault(settings=Settings(db=db_url)) as vault:
        set_admin_password(vault, OLD)
        vault.import_paths([opml])
    with TestClient(create_app(db_url), follow_redirects=False) as client:
        token = _csrf(client.get("/admin/login").text)
        client.post("/admin/login", data={"csrf": token, "password": OLD, "next": "/admin"})
        response = client.get("/admin/subscriptions.opml")
        assert response.status_code == 200
        assert [(f.xml_url, f.category) for f in read_opml(response.content)] == [
            ("http://127.0.0.1:9/a.xml", "World")]
