"""feedvault: keep news feeds forever.

The public Python API lives in :mod:`feedvault.vault`; this module re-exports it so that
``import feedvault; vault = feedvault.open_vault()`` is all a user needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from feedvault.vault import Vault, open_vault

__all__ = ["Vault", "open_vault", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy so that `feedvault --help` does not import lxml, sqlite and friends.
    if name in ("Vault", "open_vault"):
        from feedvault import vault

        return getattr(vault, name)
    raise AttributeError(name)
