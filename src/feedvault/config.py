"""One typed Settings object: command line > environment > config file > defaults.

The config file is TOML at $XDG_CONFIG_HOME/feedvault/config.toml (or FEEDVAULT_CONFIG).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedvault.errors import UsageError

APP = "feedvault"


def default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg) / APP
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def default_config_path() -> Path:
    explicit = os.environ.get("FEEDVAULT_CONFIG")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg) / APP / "config.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


@dataclass(frozen=True)
class WebSettings:
    """The [web] section: how the app names itself and whom it believes about that."""

    base_url: str | None = None  # public URL for absolute links (Atom); https -> Secure cookies
    trusted_proxies: tuple[str, ...] = ()  # addresses/networks whose Forwarded headers count
    search_budget: float = 2.0  # seconds one search may run before "query too broad"
    login_failures: int = 5  # failed logins per client (x4 per account) in login_window
    login_window: float = 900.0  # seconds
    metrics: bool = True  # /metrics served (Prometheus); false: 404
    metrics_token: str | None = None  # if set, /metrics wants "Authorization: Bearer <it>"


def _web(data: dict[str, Any]) -> WebSettings:
    """[web] plus FEEDVAULT_BASE_URL / FEEDVAULT_TRUSTED_PROXIES; bad values are refused."""
    import ipaddress
    from urllib.parse import urlsplit

    web = data.get("web", {}) if isinstance(data.get("web"), dict) else {}
    base = os.environ.get("FEEDVAULT_BASE_URL", web.get("base_url")) or None
    if base is not None:
        parts = urlsplit(str(base))
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ValueError(f"base_url must be an http(s) URL without a query, not {base!r}")
        base = str(base).rstrip("/")
    env = os.environ.get("FEEDVAULT_TRUSTED_PROXIES")
    proxies = (tuple(x.strip() for x in env.split(",") if x.strip()) if env is not None
               else tuple(str(x) for x in web.get("trusted_proxies", ())))
    for proxy in proxies:
        ipaddress.ip_network(proxy, strict=False)  # ValueError names the bad one
    budget = float(web.get("search_budget", 2.0))
    if not budget > 0:
        raise ValueError(f"search_budget must be a positive number of seconds, not {budget}")
    token = web.get("metrics_token")
    return WebSettings(base, proxies, budget, int(web.get("login_failures", 5)),
                       float(web.get("login_window", 900.0)),
                       metrics=_flag(web.get("metrics", True), "[web] metrics"),
                       metrics_token=str(token) if token else None)


MIB = 1024 * 1024


@dataclass(frozen=True)
class MediaSettings:
    """The [media] section (docs/media.md): images archived with every new version."""

    # FEEDVAULT_MEDIA=0 turns archiving off even for Settings built in code (the test suite
    # sets it: corpus feeds show real images, and tests fetch nothing but loopback)
    enabled: bool = field(default_factory=lambda: _media_env(True))
    dir: Path | None = None  # None: beside a SQLite vault, else default_data_dir()/media
    max_file_bytes: int = 20 * MIB  # a larger file is skipped
    max_entry_bytes: int = 100 * MIB  # per entry; the rest stay pending, with a warning
    max_total_bytes: int = 0  # the whole vault's media; 0: no limit
    enclosures: bool = False  # audio/video enclosures too (a feed may say otherwise)
    hotlink: bool = False  # web: an image not archived is shown from the origin

    def directory(self, db: str) -> Path:
        """Where the files live: ``dir``, else ``vault.db`` -> ``vault.media/`` beside a
        SQLite vault, else ``<data dir>/media`` (PostgreSQL)."""
        if self.dir is not None:
            return self.dir
        if db.startswith(("postgresql://", "postgres://")) or db == ":memory:":
            return default_data_dir() / "media"
        return Path(db).expanduser().with_suffix(".media")


def _media_env(default: bool) -> bool:
    value = os.environ.get("FEEDVAULT_MEDIA")
    return default if value is None or not value.strip() else _flag(value, "FEEDVAULT_MEDIA")


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def _media(data: dict[str, Any]) -> MediaSettings:
    """[media] plus FEEDVAULT_MEDIA_DIR / FEEDVAULT_MEDIA; bad values are refused."""
    media = data.get("media", {}) if isinstance(data.get("media"), dict) else {}
    folder = os.environ.get("FEEDVAULT_MEDIA_DIR") or media.get("dir")
    sizes = {}
    for name, default, low in (
        ("max_file_bytes", 20 * MIB, 1),
        ("max_entry_bytes", 100 * MIB, 0),
        ("max_total_bytes", 0, 0),
    ):
        value = media.get(name, default)
        if isinstance(value, bool) or int(value) < low:
            raise ValueError(f"[media] {name} must be a number of bytes >= {low}, not {value!r}")
        sizes[name] = int(value)
    return MediaSettings(
        enabled=_media_env(_flag(media.get("enabled", True), "[media] enabled")),
        dir=Path(str(folder)).expanduser() if folder else None,
        enclosures=_flag(media.get("enclosures", False), "[media] enclosures"),
        hotlink=_flag(media.get("hotlink", False), "[media] hotlink"),
        **sizes,
    )


@dataclass(frozen=True)
class Settings:
    db: str
    config_path: Path | None = None
    rules_files: tuple[Path, ...] = ()
    allow_networks: tuple[str, ...] = ()
    fetch_timeout: float = 30.0
    max_bytes: int = 20 * 1024 * 1024
    per_host: int = 2
    concurrency: int = 16
    workers: int | None = None  # processes that prepare updates; None: one per core, 0: none
    reconnect_for: float = 300.0  # [update]: seconds `run`/`serve` retry a lost database
    raw: dict[str, Any] = field(default_factory=dict)  # the whole config file, for later stages
    web: WebSettings = field(default_factory=WebSettings)
    media: MediaSettings = field(default_factory=MediaSettings)


def load_settings(db: str | None = None, config_path: Path | None = None) -> Settings:
    path = config_path or default_config_path()
    data = _read_config(path)
    fetch = data.get("fetch", {}) if isinstance(data.get("fetch"), dict) else {}
    db_value = db or os.environ.get("FEEDVAULT_DB") or data.get("db")
    if not db_value:
        db_value = str(default_data_dir() / "vault.db")
    allow = os.environ.get("FEEDVAULT_ALLOW_NETWORKS")
    networks = (
        tuple(x.strip() for x in allow.split(",") if x.strip())
        if allow is not None
        else tuple(str(x) for x in fetch.get("allow_networks", ()))
    )
    try:
        return _settings(path, data, str(db_value), networks)
    except (TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"bad setting in {path} or the environment: {exc}") from None


def _settings(
    path: Path, data: dict[str, Any], db_value: str, networks: tuple[str, ...]
) -> Settings:
    fetch = data.get("fetch", {}) if isinstance(data.get("fetch"), dict) else {}
    rules = tuple(Path(str(p)).expanduser() for p in data.get("clean", {}).get("rules", ()))
    update = data.get("update", {}) if isinstance(data.get("update"), dict) else {}
    workers = os.environ.get("FEEDVAULT_WORKERS", update.get("workers"))
    if workers is not None and int(workers) < 0:
        raise ValueError(f"workers must be 0 or more, not {workers}")
    return Settings(
        db=str(db_value),
        config_path=path if path.exists() else None,
        rules_files=rules,
        allow_networks=networks,
        fetch_timeout=float(os.environ.get("FEEDVAULT_FETCH_TIMEOUT", fetch.get("timeout", 30.0))),
        max_bytes=int(fetch.get("max_bytes", 20 * 1024 * 1024)),
        per_host=int(fetch.get("per_host", 2)),
        concurrency=int(fetch.get("concurrency", 16)),
        workers=None if workers is None else int(workers),
        reconnect_for=_seconds(update.get("reconnect_for", 300.0), "[update] reconnect_for"),
        raw=data,
        web=_web(data),
        media=_media(data),
    )


def _seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError(f"{name} must be a number of seconds >= 0, not {value!r}")
    return float(value)


def _read_config(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"config file {path}: {exc}") from exc
