"""Local feed files: their ETag, and when an unchanged one can be skipped without reading.

A local file's ETag is its inode, size and modification time, plus when feedvault last read
it. The same inode, size and mtime mean the same bytes - unless the file was rewritten (same
size) within the same timestamp tick as the version we read. That cannot happen once the
mtime lies clearly before our read: any later write gets a later tick. "Clearly" is two
ticks: mtimes come from the kernel's coarse clock, up to a tick behind the clock we read.
Filesystems with whole-second timestamps (FAT, ext3, HFS+) get 2 s; the others 50 ms.
"""

from __future__ import annotations

import os
import time
from datetime import datetime

_FINE_WINDOW_NS = 50_000_000  # two ticks of a coarse kernel clock at HZ >= 40
_COARSE_WINDOW_NS = 2_000_000_000  # whole-second (or FAT's 2-second) timestamps


def read_time_ns() -> int:
    """Now, taken before a file is read (a write after it is then seen as a change)."""
    return time.time_ns()


def file_etag(st: os.stat_result, read_ns: int) -> str:
    return f'"{_identity(st)}-r{read_ns}"'


def unchanged_since_read(
    st: os.stat_result, stored_etag: str | None, last_updated: datetime | None
) -> bool:
    """True when the file at ``st`` is certainly the one read for ``stored_etag``."""
    if not stored_etag:
        return False
    identity, _, read = stored_etag.strip('"').partition("-r")
    if identity != _identity(st):
        return False
    mtime = st.st_mtime_ns
    window = _COARSE_WINDOW_NS if mtime % 1_000_000_000 == 0 else _FINE_WINDOW_NS
    if read.isdigit():
        return mtime < int(read) - window
    # an ETag from before read times were kept: the last update's time, 2 s
    return last_updated is not None and mtime < last_updated.timestamp() * 1e9 - _COARSE_WINDOW_NS


def _identity(st: os.stat_result) -> str:
    return f"file-{st.st_ino}-{st.st_size}-{st.st_mtime_ns}"
