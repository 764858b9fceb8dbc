"""/healthz, /readyz and /metrics on both backends: what they say of a vault with stored
entries, a failing feed and a held lease; turned off, token-protected, open in a private
archive."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ops_kit import rss
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from feedvault.config import Settings, WebSettings
from feedvault.update.runner import LEASE_SECONDS
from feedvault.vault import Vault, open_vault
from feedvault.web.app import create_app


@pytest.fixture
def filled(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Vault]:
    """Two feeds of three entries, one failing feed, one feed leased to worker w1."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with open_vault(settings=Settings(db=db_url)) as vault:
        for n in (1, 2):
            vault.add_feed(f"http://127.0.0.1:9/f{n}", slug=f"f{n}", update=False)
            vault.update_from_bytes(f"f{n}", rss(n))
        bad = vault.add_feed("http://127.0.0.1:9/bad", slug="bad", update=False)
        later = datetime.now(UTC) + timedelta(hours=1)
        vault.store.record_feed_error(bad.id, "bad: HTTP 500", datetime.now(UTC),
                                      next_check=later, status="error")
        vault.add_feed("http://127.0.0.1:9/due", slug="due", update=False)
        claimed = vault.store.claim_due_feeds("w1:1", 1, LEASE_SECONDS)
        assert [f.slug for f in claimed] == ["due"]
        yield vault


def _client(vault: Vault, **web: Any) -> TestClient:
    raw = {"web": {"private": True}} if web.pop("private", False) else {}
    settings = Settings(db=vault.settings.db, web=WebSettings(**web), raw=raw)
    return TestClient(create_app(settings=settings))


def _metrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_healthz_and_readyz(filled: Vault) -> None:
    with _client(filled) as client:
        r = client.get("/healthz")
        assert r.status_code == 200 and r.text == "ok\n"
        r = client.get("/readyz")
        assert r.status_code == 200 and r.text == "ready\n"
        assert r.headers["cache-control"] == "no-store"


def test_readyz_refuses_a_schema_it_does_not_know(filled: Vault) -> None:
    have, want = filled.store.schema_versions()  # type: ignore[attr-defined]
    assert have == want
    if filled.settings.db.startswith("postgresql://"):
        filled.store.db.execute("INSERT INTO schema_version (version) VALUES (?)",  # type: ignore[attr-defined]
                                (want + 1,))
    else:
        filled.store.conn.execute(f"PRAGMA user_version = {want + 1}")  # type: ignore[attr-defined]
    with _client(filled) as client:
        r = client.get("/readyz")
        assert r.status_code == 503
        assert f"schema version {want + 1}" in r.text and "upgrade" in r.text
        assert client.get("/healthz").status_code == 200  # alive all the same


def test_metrics_describe_the_vault(filled: Vault) -> None:
    with _client(filled) as client:
        client.get("/healthz")
        assert client.get("/api/feeds/f1").status_code == 200
        assert client.get("/api/feeds/f2").status_code == 200
        r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    m = _metrics(r.text)
    assert m[("feedvault_database_up", ())] == 1
    assert m[("feedvault_feeds", (("status", "ok"),))] == 3
    assert m[("feedvault_feeds", (("status", "error"),))] == 1
    assert m[("feedvault_feeds_due", ())] == 1  # 'due', leased: due all the same
    assert m[("feedvault_backlog_oldest_seconds", ())] == 0  # never checked: no due time
    assert m[("feedvault_feeds_failing", ())] == 1
    assert m[("feedvault_entries_stored", ())] == 6
    assert m[("feedvault_versions_stored", ())] == 6
    assert m[("feedvault_leases", ())] == 1
    assert m[("feedvault_leases_expired", ())] == 0
    assert 0 <= m[("feedvault_oldest_lease_age_seconds", ())] < 60
    assert m[("feedvault_media_files", ())] == 0
    assert ("feedvault_fetch_outcomes_total", (("outcome", "ok"),)) in m
    # latencies by route template, not by URL: both feeds under one label
    key = ("feedvault_http_request_duration_seconds_count",
           (("method", "GET"), ("route", "/api/feeds/{slug}")))
    assert m[key] == 2
    assert m[("feedvault_http_request_duration_seconds_count",
              (("method", "GET"), ("route", "/healthz")))] == 1


def test_metrics_count_outcomes_of_run(filled: Vault) -> None:
    """Under `run --serve` the run loop's outcomes show (same process)."""
    from feedvault.update import runner

    with _client(filled) as client:
        before = _metrics(client.get("/metrics").text)
        runner.OUTCOMES["error"] += 1
        after = _metrics(client.get("/metrics").text)
    key = ("feedvault_fetch_outcomes_total", (("outcome", "error"),))
    assert after[key] == before[key] + 1


def test_metrics_off_and_token(filled: Vault) -> None:
    with _client(filled, metrics=False) as client:
        assert client.get("/metrics").status_code == 404
    with _client(filled, metrics_token="s3cret") as client:
        r = client.get("/metrics")
        assert r.status_code == 401 and "Bearer" in r.headers["www-authenticate"]
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and "feedvault_entries_stored" in ok.text


def test_probes_need_no_login_in_a_private_archive(filled: Vault) -> None:
    with _client(filled, private=True) as client:
        assert client.get("/", follow_redirects=False).status_code == 303
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_metrics_setting_from_the_config_file(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from feedvault.config import load_settings
    from feedvault.errors import UsageError

    config = tmp_path / "config.toml"
    config.write_text('[web]\nmetrics = false\nmetrics_token = "t"\n'
                      "[update]\nreconnect_for = 12\n")
    settings = load_settings(str(tmp_path / "v.db"), config)
    assert settings.web.metrics is False and settings.web.metrics_token == "t"
    assert settings.reconnect_for == 12.0
    config.write_text('[update]\nreconnect_for = "soon"\n')
    with pytest.raises(UsageError, match="reconnect_for"):
        load_settings(str(tmp_path / "v.db"), config)
    config.write_text("[web]\nmetrics = 3\n")
    with pytest.raises(UsageError, match="metrics"):
        load_settings(str(tmp_path / "v.db"), config)
