"""A broken feed whose <id> swallowed the whole entry: the key is hashed, so PostgreSQL can
index it (it refuses index rows over ~8 KB) and the entry keeps one identity across updates."""

from __future__ import annotations

import random
import string
from pathlib import Path

from feedvault.decide import entry_key
from feedvault.decide.identity import MAX_KEY_BYTES
from feedvault.vault import Vault


def _varied_text(size: int) -> str:
    rng = random.Random(7)  # varied, so PostgreSQL cannot compress it under its index limit
    return "".join(rng.choice(string.ascii_letters + "中文 ") for _ in range(size))


def _atom(entry_id: str, title: str) -> bytes:
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        f"<entry><id>{entry_id}</id><title>{title}</title><content>body</content></entry>"
        "<entry><id>urn:short</id><title>Short</title></entry></feed>"
    ).encode()


def test_a_huge_id_is_stored_and_keeps_its_identity(vault: Vault, tmp_path: Path) -> None:
    huge = _varied_text(26_000)
    path = tmp_path / "broken.xml"
    path.write_bytes(_atom(huge, "One"))
    feed = vault.add_feed(str(path), slug="broken")
    assert feed.status == "ok", feed.last_error
    path.write_bytes(_atom(huge, "Two"))
    (result,) = vault.update(["broken"])
    assert (result.status, result.new, result.changed) == ("ok", 0, 1), result
    titles = sorted(e.title for e in vault.entries("broken"))
    assert titles == ["Short", "Two"]


def test_only_overlong_keys_are_hashed() -> None:
    assert entry_key("urn:short", None, "", None) == "g:urn:short"
    long_guid = "x" * (MAX_KEY_BYTES + 1)
    key = entry_key(long_guid, None, "", None)
    assert key.startswith("g:sha256:") and len(key) == len("g:sha256:") + 64
    assert key == entry_key(long_guid, None, "other title", None)  # stable
    fits = "x" * (MAX_KEY_BYTES - 2)  # with its "g:" prefix, exactly the limit
    assert entry_key(fits, None, "", None) == "g:" + fits
