"""`feedvault run`: the main job, a loop of update rounds until SIGTERM or Ctrl-C.

A signal lets the round in flight finish its current feed (every feed commits on its own), then
the loop exits cleanly. The per-feed learnt schedule is built on top of this by the scheduler.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feedvault.vault import Vault

log = logging.getLogger("feedvault.run")


def run_forever(
    vault: Vault, *, interval: float, once: bool = False, report: Callable[[Any], str] = str
) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not stop.is_set():
            for result in vault.update():
                print(report(result), flush=True)
            if once:
                break
            stop.wait(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
