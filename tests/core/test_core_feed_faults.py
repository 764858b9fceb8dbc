"""The per-feed fault boundary: whatever goes wrong with one feed is recorded on it and the
update goes on with the next; only a fault of the vault itself (VaultFault) stops it.

Faults are injected into the real stages (parse, clean, tokenise, store) for one feed, on
every update path: serial local files, remote fetches over loopback HTTP, the preparing
worker processes (a worker that raises, a worker that dies), the full-text fetch, the batched
writes of unchanged feeds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from core_http import loopback_site, rss

import feedvault.update.pipeline
from feedvault.errors import VaultFault
from feedvault.vault import Vault, open_vault

HOOK = Path(__file__).resolve().parent / "fault_hook"
XML = {"Content-Type": "application/rss+xml"}


@pytest.fixture
def fv(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Vault]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDVAULT_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.delenv("FEEDVAULT_DB", raising=False)
    with open_vault(db_url) as vault:
        yield vault


def local_feeds(vault: Vault, directory: Path, slugs: list[str]) -> None:
    directory.mkdir(exist_ok=True)
    for slug in slugs:
        path = directory / f"{slug}.xml"
        path.write_bytes(rss(f"Feed {slug}", [(f"{slug}-item", f"https://e.org/{slug}")]))
        vault.add_feed(str(path), slug=slug, update=False)


def fail_for(slug: str, real: Callable[..., Any], exc: BaseException) -> Callable[..., Any]:
    """``real``, except that it raises ``exc`` when its arguments mention ``slug``'s file."""

    def faulty(*args: Any, **kwargs: Any) -> Any:
        if any(f"/{slug}.xml" in str(a) or f"{slug}-item" in str(a) or a == slug
               for a in (*args, *kwargs.values())):
            raise exc
        return real(*args, **kwargs)

    return faulty


def assert_failed_alone(vault: Vault, bad: str, good: list[str], error: str) -> None:
    feeds = {f.slug: f for f in vault.feeds()}
    failed = feeds[bad]
    assert failed.status == "error" and failed.error_count == 1, failed
    assert failed.last_error is not None and failed.last_error.startswith(f"{bad}: ")
    assert error in failed.last_error and "\n" not in failed.last_error
    assert failed.entry_count == 0
    assert failed.next_check is not None and failed.next_check > datetime.now(tz=UTC)
    for slug in good:
        assert feeds[slug].status == "ok" and feeds[slug].entry_count == 1, feeds[slug]


STAGES = ["parse_feed", "clean_entry", "index_fields"]


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_failing_for_one_local_feed_fails_only_that_feed(
    fv: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    local_feeds(fv, tmp_path / "feeds", ["a", "b", "c"])
    real = getattr(feedvault.update.pipeline, stage)
    monkeypatch.setattr(feedvault.update.pipeline, stage, fail_for("b", real, KeyError("boom")))
    results = {r.slug: r for r in fv.update()}
    assert [results[s].status for s in "abc"] == ["ok", "error", "ok"]
    assert_failed_alone(fv, "b", ["a", "c"], "KeyError: 'boom'")
    assert any("b: KeyError" in r.getMessage() for r in caplog.records), "not logged"


def test_a_store_failing_for_one_feed_writes_nothing_of_it(
    fv: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local_feeds(fv, tmp_path / "feeds", ["a", "b", "c"])
    bad_id = fv.feed("b").id
    real = fv.store.apply_update

    def apply_update(feed_id: int, batch: Any) -> Any:
        if feed_id == bad_id:
            raise RuntimeError("constraint says no")
        return real(feed_id, batch)

    monkeypatch.setattr(fv.store, "apply_update", apply_update)
    fv.update()
    assert_failed_alone(fv, "b", ["a", "c"], "RuntimeError: constraint says no")
    monkeypatch.setattr(fv.store, "apply_update", real)
    fv.update(["b"])  # the next time it works, the error is cleared
    assert fv.feed("b").status == "ok" and fv.feed("b").error_count == 0


def test_a_vault_fault_stops_the_update(
    fv: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local_feeds(fv, tmp_path / "feeds", ["a", "b", "c"])
    real = getattr(feedvault.update.pipeline, "parse_feed")  # noqa: B009
    fault = VaultFault("disk full")
    monkeypatch.setattr(feedvault.update.pipeline, "parse_feed", fail_for("b", real, fault))
    with pytest.raises(VaultFault):
        fv.update()
    feeds = {f.slug: f for f in fv.feeds()}
    assert feeds["a"].entry_count == 1 and feeds["c"].entry_count == 0
    assert feeds["b"].error_count == 0  # not blamed on the feed


def test_one_remote_feed_failing_over_loopback_http(
    fv: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    with loopback_site() as site:
        for slug in ["a", "b", "c"]:
            site.routes[f"/{slug}.xml"] = (
                200, XML, rss(slug, [(f"{slug}-item", f"https://e.org/{slug}")])
            )
            fv.add_feed(site.url(f"/{slug}.xml"), slug=slug, update=False)
        real = getattr(feedvault.update.pipeline, "parse_feed")  # noqa: B009
        monkeypatch.setattr(
            feedvault.update.pipeline, "parse_feed", fail_for("b", real, RecursionError("too deep"))
        )
        fv.update()
    assert_failed_alone(fv, "b", ["a", "c"], "RecursionError: too deep")


@pytest.mark.parametrize("remote", [False, True], ids=["local", "http"])
def test_preparing_workers_that_raise_or_die(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, remote: bool
) -> None:
    """In worker processes (the fault hook runs there): a feed whose preparing raises is
    redone by the writer, which fails it too; the feed a worker died on is failed without
    being tried in the writer; every other feed is stored, and the next update starts a
    new worker."""
    if db_url.startswith("postgres"):
        pytest.skip("the preparing workers are the same code on both backends")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDVAULT_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("FEEDVAULT_TEST_FAULTS", "/f03.=raise,/f07.=die")
    monkeypatch.syspath_prepend(str(HOOK))  # workers get the writer's sys.path
    real = getattr(feedvault.update.pipeline, "parse_feed")  # noqa: B009
    monkeypatch.setattr(
        feedvault.update.pipeline, "parse_feed", fail_for("f03", real, TypeError("x"))
    )
    slugs = [f"f{n:02d}" for n in range(14)]
    with open_vault(str(tmp_path / "v.db")) as vault, loopback_site() as site:
        vault.settings = _with_workers(vault, 2)
        if remote:
            for slug in slugs:
                body = rss(slug, [(f"{slug}-item", f"https://e.org/{slug}")])
                site.routes[f"/{slug}.xml"] = (200, XML, body)
                vault.add_feed(site.url(f"/{slug}.xml"), slug=slug, update=False)
        else:
            local_feeds(vault, tmp_path / "feeds", slugs)
        pool = vault.updater._prepare_pool(len(slugs))
        assert pool is not None and pool.warm_up(), "no worker started"
        vault.update()
        good = [s for s in slugs if s not in ("f03", "f07")]
        assert_failed_alone(vault, "f03", good, "TypeError")
        died = vault.feed("f07")
        assert died.status == "error" and died.entry_count == 0
        assert died.last_error and "worker process preparing it died" in died.last_error
        assert pool.prepared >= 6, "the workers did not prepare the feeds"
        # the next update replaces the dead worker and fails the same feed again
        if not remote:
            for slug in slugs:  # rewrite so the files are read again
                path = tmp_path / "feeds" / f"{slug}.xml"
                path.write_bytes(rss(slug, [(f"{slug}-item", f"https://e.org/{slug}"),
                                            (f"{slug}-two", f"https://e.org/{slug}/2")]))
                os.utime(path, (1, 1))
        else:
            for slug in slugs:
                body = rss(slug, [(f"{slug}-item", f"https://e.org/{slug}"),
                                  (f"{slug}-two", f"https://e.org/{slug}/2")])
                site.routes[f"/{slug}.xml"] = (200, XML, body)
        vault.update()
        assert vault.feed("f07").error_count == 2
        assert all(vault.feed(s).entry_count == 2 for s in good)


def _with_workers(vault: Vault, workers: int) -> Any:
    from dataclasses import replace

    return replace(vault.settings, workers=workers)


def test_full_text_failing_after_ingest_keeps_the_entries(
    fv: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedvault.update.fulltext

    local_feeds(fv, tmp_path / "feeds", ["a", "b"])
    fv.configure_feed("a", full_text=True)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise AttributeError("no page for you")

    monkeypatch.setattr(feedvault.update.fulltext, "fetch_full_text", broken)
    results = {r.slug: r for r in fv.update()}
    assert results["a"].status == "ok" and results["a"].new == 1
    assert any("full text failed: AttributeError" in w for w in results["a"].warnings)
    assert fv.feed("a").entry_count == 1 and fv.feed("b").entry_count == 1


def test_unchanged_feeds_states_survive_a_failing_batch_write(
    fv: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local_feeds(fv, tmp_path / "feeds", ["a", "b", "c"])
    fv.update()
    before = {f.slug: f.last_updated for f in fv.feeds()}
    for path in (tmp_path / "feeds").iterdir():
        os.utime(path, (1, 1))  # same bytes, new mtime: read, hashed, not parsed
    real = fv.store.apply_feed_states
    calls: list[int] = []

    def apply_feed_states(states: Any) -> None:
        calls.append(len(states))
        if len(states) > 1:
            raise RuntimeError("a batch that fails")
        real(states)

    monkeypatch.setattr(fv.store, "apply_feed_states", apply_feed_states)
    results = fv.update()
    assert [r.status for r in results] == ["not_modified"] * 3
    assert calls == [3, 1, 1, 1]
    after = {f.slug: f.last_updated for f in fv.feeds()}
    assert all(after[s] is not None and after[s] != before[s] for s in before)


def test_feeds_json_shows_the_error(
    run: Callable[..., Any], db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a user checks: `feedvault feeds --json` after an update where one feed broke."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with open_vault(db_url) as vault:
        local_feeds(vault, tmp_path / "feeds", ["a", "b"])
        real = getattr(feedvault.update.pipeline, "clean_entry")  # noqa: B009
        monkeypatch.setattr(
            feedvault.update.pipeline, "clean_entry", fail_for("b", real, ValueError("bad"))
        )
        vault.update()
    feeds = {f["slug"]: f for f in json.loads(run("feeds", "--json").stdout)}
    assert feeds["b"]["status"] == "error" and feeds["b"]["error_count"] == 1
    assert feeds["b"]["last_error"] == "b: ValueError: bad"
    assert feeds["a"]["status"] == "ok" and feeds["a"]["entries"] == 1


def test_no_worker_can_be_started(
    fv: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The system refuses new processes: the writer prepares every feed itself."""
    import subprocess

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(subprocess, "Popen", refuse)  # as prepare_pool starts its workers
    fv.settings = _with_workers(fv, 1)
    slugs = [f"f{n:02d}" for n in range(14)]
    local_feeds(fv, tmp_path / "feeds", slugs)
    results = fv.update()
    assert [r.status for r in results] == ["ok"] * 14
    assert fv.updater._pool is not None and fv.updater._pool.prepared == 0
