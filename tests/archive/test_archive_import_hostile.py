"""`import` of hostile archive files: links that are not http(s) are not kept, bad files are
one-line errors, and the good files beside them are imported."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from feedvault.vault import Vault

GOOD = "<!--1700000000000-->\n[good](https://a.example/1)\n------\n\n<p>fine</p>\n"


def test_import_keeps_only_http_links_and_reads_past_bad_files(
    vault: Vault, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = tmp_path / "articles" / "site"
    site.mkdir(parents=True)
    (site / "1.md").write_text(GOOD)
    (site / "2.md").write_text(GOOD.replace("https://a.example/1", "javascript:alert(1)")
                               .replace("[good]", "[script]"))
    (site / "3.md").write_text("<!-- " + "9" * 5000 + " -->\n[big](https://a.example/3)\n"
                               "------\n\nx\x00y\n")
    (site / "4.md").write_bytes(b"\xff\xfe not text")
    (site / "5.md").write_text("no title line at all\n")
    with caplog.at_level(logging.WARNING, logger="feedvault"):
        result = vault.import_paths([tmp_path / "articles"])
    assert (result.files, result.new) == (3, 3)
    assert len(result.errors) == 2
    assert all("\n" not in e and "articles/site/" in e for e in result.errors)
    links = {e.title: e.link for e in vault.entries("site")}
    assert links == {"good": "https://a.example/1", "script": None, "big": "https://a.example/3"}
    assert any("link dropped, not http(s)" in r.getMessage() for r in caplog.records)
    big = next(e for e in vault.entries("site") if e.title == "big")
    assert big.raw_html == "x\ufffdy"
