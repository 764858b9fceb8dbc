"""Unexpected exceptions caught at a fault boundary (one feed, one round of `run`).

They are bugs, but one feed's bug must not end an update of a thousand: the user sees one
line naming the feed, and the traceback for a bug report when FEEDVAULT_DEBUG is set (or at
debug level, for a program that configures logging itself).
"""

from __future__ import annotations

import logging
import os

from feedvault.errors import FeedvaultError

DEBUG_ENV = "FEEDVAULT_DEBUG"


def one_line(exc: BaseException) -> str:
    """An exception as one bounded line: feedvault's own errors as their message, anything
    else with its type, so that a report says what it was."""
    text = str(exc) if isinstance(exc, FeedvaultError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:500]


def log_unexpected(log: logging.Logger, message: str, exc: BaseException) -> None:
    """``message`` as a warning; the traceback too when FEEDVAULT_DEBUG is set, else at debug."""
    if os.environ.get(DEBUG_ENV):
        log.warning("%s", message, exc_info=exc)
        return
    log.warning("%s (unexpected; %s=1 shows the traceback for a report)", message, DEBUG_ENV)
    log.debug("traceback", exc_info=exc)
