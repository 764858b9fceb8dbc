"""`update` of many HTTP feeds with worker processes: fetched on threads, prepared in the
workers, written here; the same vault as without workers, and bad feeds still fail alone."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from fetch_loopback import TIMEOUT, Server, ok

from feedvault.config import Settings
from feedvault.vault import open_vault

ZH = sorted(
    (Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "feeds" / "zh").glob(
        "*.xml"
    )
)[:14]


def _update(server: Server, db: Path, workers: int) -> dict[str, tuple[str, int]]:
    settings = Settings(db=str(db), allow_networks=("127.0.0.0/8",), fetch_timeout=TIMEOUT)
    settings = dataclasses.replace(settings, workers=workers)
    with open_vault(settings.db, settings=settings) as vault:
        for path in ZH:
            vault.add_feed(server.url(f"/{path.stem}"), slug=path.stem, update=False)
        vault.add_feed(server.url("/html"), slug="html", update=False)
        first = {r.slug: (r.status, r.new) for r in vault.update()}
        again = {r.slug: r.status for r in vault.update()}
    assert {again[p.stem] for p in ZH} == {"not_modified"}  # same bytes: nothing parsed
    return first


def _rows(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT f.slug, e.key, e.published, v.title, v.content_html, v.text FROM entries e "
        "JOIN feeds f ON f.id = e.feed_id JOIN versions v ON v.id = e.current_version "
        "ORDER BY f.slug, e.key"
    ).fetchall()
    conn.close()
    return rows


def test_pooled_http_update_stores_what_the_serial_one_does(
    tmp_path: Path, make_server: object
) -> None:
    server = make_server()  # type: ignore[operator]
    assert isinstance(server, Server) and len(ZH) == 14
    server.routes.update({f"/{p.stem}": ok(p.read_bytes()) for p in ZH})
    server.routes["/html"] = ok(b"<html><body>not a feed</body></html>", "text/html")
    serial = _update(server, tmp_path / "serial.db", 0)
    pooled = _update(server, tmp_path / "pooled.db", 2)
    assert serial == pooled
    assert pooled["html"][0] == "error"
    assert sum(new for _status, new in pooled.values()) > 100
    assert _rows(tmp_path / "serial.db") == _rows(tmp_path / "pooled.db")
