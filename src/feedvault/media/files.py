"""The media files: bytes stored once by their sha256, behind a small interface.

``DirectoryMediaFiles`` keeps ``root/<sha[:2]>/<sha[2:4]>/<sha>`` (two levels of 256
folders: a million files make ~15 per folder). Writes are atomic (a temporary file in the
same folder, fsync, ``os.replace``), so a crash never leaves a half file under a sha name,
and idempotent (the same bytes twice are one file). A later object-store backend implements
the same ``MediaFiles`` protocol. Disk full or a read-only media directory is a VaultFault:
the next file would fail the same way, so the command stops.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from feedvault.errors import FeedvaultError, VaultFault

_SHA = re.compile(r"[0-9a-f]{64}")



class MediaMissing(FeedvaultError):
    """A media file the vault records is not in the media directory."""

    def __init__(self, sha: str, where: str) -> None:
        super().__init__(f"media file {sha} is missing from {where}")
        self.sha = sha


class MediaFiles(Protocol):
    """Where archived bytes live, addressed by their sha256 hex."""

    def put(self, data: bytes) -> str: ...
    def has(self, sha: str) -> bool: ...
    def read(self, sha: str) -> bytes: ...
    def path(self, sha: str) -> Path | None: ...
    def delete(self, sha: str) -> None: ...
    def iter_shas(self) -> Iterator[str]: ...


def is_sha(value: str) -> bool:
    """64 lowercase hex digits: the only names a media file may have."""
    return _SHA.fullmatch(value) is not None


def fault(exc: OSError, where: Path) -> VaultFault | None:
    """The VaultFault of an OSError that stops every later write too, else None."""
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return VaultFault(f"media directory {where}: disk full ({exc.strerror})")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return VaultFault(f"media directory {where} cannot be written ({exc.strerror})")
    return None


class DirectoryMediaFiles:
    """Content-addressed files under one directory (created on the first write)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser()

    def __repr__(self) -> str:
        return f"DirectoryMediaFiles({str(self.root)!r})"

    def _file(self, sha: str) -> Path:
        if not is_sha(sha):
            raise ValueError(f"not a sha256 hex digest: {sha!r}")
        return self.root / sha[:2] / sha[2:4] / sha

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self._file(sha)
        if target.is_file() and target.stat().st_size == len(data):
            return sha
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            found = fault(exc, self.root)
            if found is not None:
                raise found from exc
            raise
        return sha

    def has(self, sha: str) -> bool:
        return is_sha(sha) and self._file(sha).is_file()

    def read(self, sha: str) -> bytes:
        try:
            return self._file(sha).read_bytes()
        except FileNotFoundError:
            raise MediaMissing(sha, str(self.root)) from None

    def path(self, sha: str) -> Path | None:
        target = self._file(sha)
        return target if target.is_file() else None

    def delete(self, sha: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._file(sha).unlink()

    def iter_shas(self) -> Iterator[str]:
        """Every stored sha, in no particular order (temporary files are not listed)."""
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not first.is_dir() or len(first.name) != 2:
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for item in second.iterdir():
                    if is_sha(item.name) and item.name.startswith(first.name + second.name):
                        yield item.name
