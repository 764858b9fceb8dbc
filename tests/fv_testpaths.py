"""Where the shared data lives (../shared beside the checkout, as on CI)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
CORPUS = SHARED / "corpus"
SEED = SHARED / "seed" / "000_b85c8363c679d520.txt"
