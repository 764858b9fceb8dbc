"""`reclean` recomputes cleaned HTML and text (and the search index) when rules change."""

from __future__ import annotations

import os
from pathlib import Path

from feedvault.vault import open_vault
from fv_testpaths import SEED


def test_user_rule_and_reclean_change_text_but_not_raw_bytes(tmp_path: Path, db_url: str) -> None:
    db = db_url
    with open_vault(db) as vault:
        vault.import_paths([SEED])
        [entry] = vault.entries()
        assert "托德·罗宾逊" in entry.text
        assert [h.entry.id for h in vault.search("罗宾逊")] == [entry.id]
        raw_before = entry.raw_html

    rules = tmp_path / "my-rules.toml"
    rules.write_text(
        '[[rule]]\nname = "drop-robinson"\nhosts = ["rfi.fr"]\n'
        "remove_text = ['托德·罗宾逊']\n"
        "remove = [\"xpath:descendant::p[contains(., '托德·罗宾逊')]\"]\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.toml"
    config.write_text(f'[clean]\nrules = ["{rules}"]\n', encoding="utf-8")
    os.environ["FEEDVAULT_CONFIG"] = str(config)
    try:
        with open_vault(db) as vault:
            assert vault.reclean() == 1
            after = vault.entry(entry.id)
            assert "托德·罗宾逊" not in after.text and "芬太尼" in after.text
            assert after.raw_html == raw_before  # the bytes received never change
            assert len(after.versions) == 1  # recleaning is not an edit
            assert vault.search("罗宾逊") == []
            assert vault.reclean() == 0  # nothing left to change
    finally:
        del os.environ["FEEDVAULT_CONFIG"]
