"""`run` and `serve` live through PostgreSQL going away: the worker's connections are killed
twice mid-run (pg_terminate_backend: the AdminShutdown a restart gives), and the web app's
database is taken away behind a proxy and brought back. No restart, no lost or doubled entry.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from ops_kit import ITEMS, PgProxy, app_name, feed_site, kill, named

from feedvault.config import Settings
from feedvault.errors import ConnectionLost, VaultFault
from feedvault.store import open_storage
from feedvault.update.runner import reconnect, run_forever
from feedvault.vault import Vault, open_vault

FEEDS = 20
LOOPBACK = ("127.0.0.0/8",)


def _settings(url: str, workers: int = 0) -> Settings:
    return Settings(db=url, allow_networks=LOOPBACK, workers=workers, reconnect_for=30.0)


def _assert_each_entry_once(vault: Vault) -> None:
    feeds = [f for f in vault.feeds() if f.url]
    assert len(feeds) == FEEDS
    keys = Counter()
    for feed in feeds:
        entries = vault.store.list_entries(feed.id, limit=None)
        assert len(entries) == ITEMS, feed.slug
        for entry in entries:
            keys[(feed.id, entry.key)] += 1
            assert entry.version_count == 1, (feed.slug, entry.key)
    assert len(keys) == FEEDS * ITEMS and set(keys.values()) == {1}
    assert vault.store.integrity_check() == "ok"


@pytest.mark.parametrize(
    "workers", [0, pytest.param(1, marks=pytest.mark.slow)],  # 2-4 s: a process starts
    ids=["alone", "with-a-preparing-process"],
)
def test_run_lives_through_two_connection_kills(
    pg_url: str, caplog: pytest.LogCaptureFixture, workers: int
) -> None:
    """With a preparing process, its connection (same name) is killed too: it reconnects
    before its next feed; the feed it failed on is done by the writer."""
    name = app_name()
    kills: list[int] = []
    since_reconnect = Counter[str]()

    class Reconnects(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "reconnected to the vault":
                since_reconnect.clear()
                since_reconnect["reconnected"] = 1

    def before(path: str, hits: Counter[str]) -> None:
        # first kill: at the fifth feed fetched; second: at the third feed fetched in the
        # round redone after the reconnect
        if since_reconnect["reconnected"]:
            since_reconnect["fetched"] += 1
        if (not kills and len(hits) == 5) or (
            len(kills) == 1 and since_reconnect["fetched"] == 3
        ):
            kills.append(kill(name))

    url = named(pg_url, name)
    settings = _settings(url, workers)
    with feed_site(before) as site, Vault(open_storage(url), settings) as vault:
        for n in range(FEEDS):
            vault.add_feed(site.url(n), slug=f"f{n}", update=False)
        pool = vault.updater._prepare_pool(FEEDS) if workers else None  # noqa: SLF001
        assert pool is None or pool.warm_up()  # connected before the first kill
        caplog.set_level(logging.INFO, logger="feedvault.run")
        handler = Reconnects()
        logging.getLogger("feedvault.run").addHandler(handler)
        try:
            assert run_forever(vault, once=True, max_sleep=0.1, reconnect_for=30.0) == 0
        finally:
            logging.getLogger("feedvault.run").removeHandler(handler)
        assert len(kills) == 2 and kills[0] == 1 + workers and kills[1] >= 1, kills
        text = caplog.text
        assert text.count("reconnecting") == 2 and text.count("reconnected to the vault") == 2
        assert "lease not released" not in text
        _assert_each_entry_once(vault)
        leased = vault.store.db.one(  # type: ignore[attr-defined]
            "SELECT count(*) FROM feeds WHERE lease_owner IS NOT NULL")
        assert leased[0] == 0
        assert len(site.hits) == FEEDS


def test_reconnect_gives_up_with_one_line(pg_url: str) -> None:
    """A loss that lasts (the server stays away beyond reconnect_for) stops `run`."""
    proxy = PgProxy()
    try:
        with open_vault(settings=_settings(proxy.url(pg_url))) as vault:
            proxy.down()
            with pytest.raises(ConnectionLost) as lost:
                vault.store.list_feeds()
            with pytest.raises(VaultFault, match="giving up") as fault:
                reconnect(vault.store, lost.value, threading.Event(), within=0.0)
            assert "\n" not in str(fault.value)
    finally:
        proxy.close()


def test_reconnect_returns_when_stopped(pg_url: str) -> None:
    proxy = PgProxy()
    try:
        with open_vault(settings=_settings(proxy.url(pg_url))) as vault:
            proxy.down()
            stop = threading.Event()
            stop.set()
            reconnect(vault.store, ConnectionLost("lost"), stop, within=30.0)  # no wait
            proxy.up()
            vault.store.reconnect()  # type: ignore[attr-defined]
            assert vault.feeds() == []
    finally:
        proxy.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(pg_url: str) -> Iterator[tuple[str, str, PgProxy, Vault]]:
    """The web app (uvicorn, a thread) over a vault reached through a proxy; its base URL."""
    from feedvault.web.app import background_server

    proxy = PgProxy()
    name = app_name()
    url = named(proxy.url(pg_url), name)
    settings = _settings(url)
    port = _free_port()
    with open_vault(settings=settings) as vault:
        feed = vault.add_feed("http://127.0.0.1:9/feed", slug="one", update=False)
        assert feed.slug == "one"
        with background_server(settings, "127.0.0.1", port):
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=10) as client:
                for _ in range(100):  # until uvicorn listens
                    try:
                        client.get("/healthz")
                        break
                    except httpx.TransportError:
                        threading.Event().wait(0.02)
            yield base, name, proxy, vault
    proxy.close()


def test_serve_lives_through_kills_and_an_outage(
    served: tuple[str, str, PgProxy, Vault],
) -> None:
    base, name, proxy, _ = served
    with httpx.Client(base_url=base, timeout=10) as client:
        for _ in range(4):  # several pool threads open their vaults
            assert client.get("/api/feeds").status_code == 200
        for _ in range(2):  # killed twice: a GET is retried on a new connection at once
            assert kill(name) >= 1
            r = client.get("/api/feeds")
            assert r.status_code == 200 and [f["slug"] for f in r.json()["feeds"]] == ["one"]
            assert client.get("/readyz").status_code == 200
        proxy.down()  # the server away: 503 with Retry-After, liveness still fine
        r = client.get("/api/feeds")
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        assert r.json()["error"]["status"] == 503
        page = client.get("/")
        assert page.status_code == 503 and "database" in page.text
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
        metrics = client.get("/metrics")
        assert metrics.status_code == 200 and "feedvault_database_up 0.0" in metrics.text
        proxy.up()  # back: served again without a restart
        r = client.get("/api/feeds")
        assert r.status_code == 200 and [f["slug"] for f in r.json()["feeds"]] == ["one"]
        assert client.get("/readyz").status_code == 200
        assert "feedvault_database_up 1.0" in client.get("/metrics").text


def test_serve_post_during_outage_is_503(served: tuple[str, str, PgProxy, Vault]) -> None:
    """A POST is not retried (it may have written): 503, and the next one works."""
    base, name, proxy, _ = served
    with httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/admin/login").status_code in (200, 303)
        assert kill(name) >= 1
        r = client.post("/admin/login", data={"password": "x"})
        assert r.status_code in (403, 503)
        proxy.down()
        r = client.get("/api/feeds")
        assert r.status_code == 503
        proxy.up()
        assert client.get("/api/feeds").status_code == 200


def test_connections_are_named_and_prepare_threshold_is_settable(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """application_name=feedvault unless the URL names one; PgBouncer < 1.21 in
    transaction mode needs FEEDVAULT_PG_PREPARE_THRESHOLD=off."""
    from feedvault.errors import UsageError

    with open_vault(settings=_settings(pg_url)) as vault:
        conn = vault.store.conn  # type: ignore[attr-defined]
        assert conn.execute("SHOW application_name").fetchone()[0] == "feedvault"
        assert conn.prepare_threshold == 5
    monkeypatch.setenv("FEEDVAULT_PG_PREPARE_THRESHOLD", "off")
    with open_vault(settings=_settings(named(pg_url, "mine"))) as vault:
        conn = vault.store.conn  # type: ignore[attr-defined]
        assert conn.execute("SHOW application_name").fetchone()[0] == "mine"
        assert conn.prepare_threshold is None
        vault.store.reconnect()  # type: ignore[attr-defined]
        assert vault.store.conn.prepare_threshold is None  # type: ignore[attr-defined]
    monkeypatch.setenv("FEEDVAULT_PG_PREPARE_THRESHOLD", "sometimes")
    with pytest.raises(UsageError, match="FEEDVAULT_PG_PREPARE_THRESHOLD"):
        open_vault(settings=_settings(pg_url))
