"""Paths to the shared corpus (it lives beside the checkout, never copied into tests/)."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SEED = SHARED / "seed" / "000_b85c8363c679d520.txt"
ARCHIVE_CORPUS = SHARED / "corpus" / "archive-format"
OPML_CORPUS = SHARED / "corpus" / "opml"
