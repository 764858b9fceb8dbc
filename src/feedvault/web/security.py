"""Passwords, signed session cookies, CSRF tokens and safe redirects, on the standard library.

Passwords are the accounts' (feedvault/accounts.py: Argon2id hashes in the users table; the
scrypt hash the meta table held before accounts became the user ``admin``); the session
secret lives in the meta table, so every worker and every restart signs cookies with the
same key. Sessions are small JSON objects, HMAC-SHA256 signed and time-limited; CSRF tokens
are a per-session random value compared in constant time.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
from urllib.parse import urlsplit

from feedvault.store import Storage

PASSWORD_KEY = "web.admin_password"
SECRET_KEY = "web.session_secret"
TOKEN_KEY = "web.api_token_sha256"
PRIVATE_KEY = "web.private"
ENV_PASSWORD = "FEEDVAULT_ADMIN_PASSWORD"
SESSION_COOKIE = "fv_session"
SESSION_AGE = 14 * 86400
_SCRYPT = (2**14, 8, 1)  # n, r, p: ~16 MiB, tens of milliseconds per check


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    n, r, p = _SCRYPT
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(bytes.fromhex(digest)))
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def check_admin_password(store: Storage, password: str, name: str = "admin") -> bool:
    """True for the password of the admin user ``name`` (accounts: the password that
    ``admin set-password`` stored before them became the user ``admin``), or for the
    FEEDVAULT_ADMIN_PASSWORD secret when set (as ``admin``)."""
    from feedvault.accounts import Users

    if not password:
        return False
    env = os.environ.get(ENV_PASSWORD)
    if env and name.casefold() == "admin" and hmac.compare_digest(env.encode(), password.encode()):
        return True
    user = Users(store).authenticate(name, password)
    return user is not None and user.is_admin


def admin_configured(store: Storage) -> bool:
    return bool(os.environ.get(ENV_PASSWORD)) or store.accounts.count_admins() > 0


def session_secret(store: Storage) -> bytes:
    """The vault's signing key, made on first use; a vault that cannot be written (read-only)
    gets one kept in memory, so pages still work and sessions last until the restart."""
    from feedvault.errors import VaultFault

    value = store.get_meta(SECRET_KEY)
    if value is None:
        value = secrets.token_hex(32)
        with contextlib.suppress(VaultFault):
            store.set_meta(SECRET_KEY, value)
    return bytes.fromhex(value)


def new_api_token(store: Storage) -> str:
    """Make (and return once) a new read token; only its SHA-256 is kept."""
    token = secrets.token_urlsafe(24)
    store.set_meta(TOKEN_KEY, hashlib.sha256(token.encode()).hexdigest())
    return token


def check_api_token(store: Storage, token: str | None) -> bool:
    stored = store.get_meta(TOKEN_KEY)
    if not token or stored is None:
        return False
    return hmac.compare_digest(hashlib.sha256(token.encode()).hexdigest(), stored)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_session(secret: bytes, data: dict[str, object]) -> str:
    body = _b64(json.dumps({**data, "exp": int(time.time()) + SESSION_AGE}).encode())
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def read_session(secret: bytes, cookie: str | None) -> dict[str, object]:
    """The session in a cookie, or {} when it is missing, forged or expired."""
    if not cookie or "." not in cookie:
        return {}
    body, mac = cookie.rsplit(".", 1)
    want = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(want, _unb64(mac)):
            return {}
        data = json.loads(_unb64(body))
    except (ValueError, TypeError):
        return {}
    if not isinstance(data, dict) or int(data.get("exp", 0)) < time.time():
        return {}
    return data


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def same_token(expected: object, given: object) -> bool:
    if not isinstance(expected, str) or not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: no scheme, no host, no '//' or '/\\' tricks."""
    if not target:
        return default
    if any(c in target for c in "\\\r\n\t") or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
