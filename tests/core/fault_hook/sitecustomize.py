"""Fault injection for feedvault processes a test starts (CLI, `run`, preparing workers).

A test puts this directory on PYTHONPATH (workers inherit the writer's sys.path) and sets
FEEDVAULT_TEST_FAULTS to ``marker=kind,...``: the real parser then fails for every document
whose URL contains ``marker``, as a bug would: ``raise`` (a TypeError), ``die`` (the process
exits at once, as on a crash in C code; only in preparing workers), ``memory`` (MemoryError),
``vault`` (a VaultFault, as from a full disk).
Nothing happens without the variable.
"""

from __future__ import annotations

import os
import sys

_SPEC = os.environ.get("FEEDVAULT_TEST_FAULTS", "")
if _SPEC:
    import feedvault.update.pipeline as _pipeline

    _FAULTS = dict(part.split("=", 1) for part in _SPEC.split(",") if "=" in part)
    _real_parse = getattr(_pipeline, "parse_feed")  # noqa: B009
    _IN_WORKER = "feedvault.update.prepare_pool" in sys.orig_argv

    def _faulty_parse(data: bytes, url: str | None = None, **kwargs: object) -> object:
        for marker, kind in _FAULTS.items():
            if url and marker in url:
                if kind == "die" and _IN_WORKER:
                    os._exit(3)
                if kind == "memory":
                    raise MemoryError
                if kind == "vault":
                    from feedvault.errors import VaultFault

                    raise VaultFault("vault /x.db: the disk is full (injected)")
                raise TypeError(f"injected fault for {marker}")
        return _real_parse(data, url=url, **kwargs)

    setattr(_pipeline, "parse_feed", _faulty_parse)  # noqa: B010
