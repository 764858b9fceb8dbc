"""Content-Encoding decoders that never produce more than a small piece at a time.

httpx's decoders hand each received chunk to zlib/brotli whole, and 64 KiB of a bomb can
expand to gigabytes before the caller can count a byte. These decoders pull output in
bounded pieces (zlib's ``max_length``, brotli's ``output_buffer_limit``), so the caller's
byte cap stops a bomb with memory bounded by the piece size.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Protocol

import brotli

from feedvault.errors import FetchError

PIECE = 64 * 1024
MAX_LAYERS = 2  # real servers send one coding; two is allowed, more is an attack


class Decoder(Protocol):
    def decode(self, data: bytes) -> Iterator[bytes]: ...


class ZlibDecoder:
    """gzip, or deflate with or without the zlib wrapper (servers send both)."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._obj: zlib._Decompress | None = None
        if coding in ("gzip", "x-gzip"):
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._obj is None:
            if not data:
                return
            self._obj = zlib.decompressobj(zlib.MAX_WBITS if _zlib_header(data) else -15)
        pending = data
        try:
            while not self._obj.eof:
                out = self._obj.decompress(pending, PIECE)
                if out:
                    yield out
                pending = self._obj.unconsumed_tail
                if not pending and len(out) < PIECE:
                    return
        except zlib.error as exc:
            raise FetchError(f"corrupt {self._coding} body: {exc}") from None


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


class BrotliDecoder:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def decode(self, data: bytes) -> Iterator[bytes]:
        try:
            out: bytes = self._obj.process(data, output_buffer_limit=PIECE)
            # Output can stay buffered even when more input would be accepted: drain it.
            while out or not self._obj.can_accept_more_data():
                if out:
                    yield out
                if self._obj.is_finished():
                    return
                out = self._obj.process(b"", output_buffer_limit=PIECE)
                if not out and not self._obj.can_accept_more_data():
                    raise FetchError("corrupt br body: decoder stalled")
        except brotli.error as exc:
            raise FetchError(f"corrupt br body: {exc}") from None


def decoders_for(content_encoding: str | None) -> list[Decoder]:
    """Decoders in the order to apply them (the reverse of the header's order)."""
    codings = [
        c.strip().lower() for c in (content_encoding or "").split(",")
        if c.strip() and c.strip().lower() != "identity"
    ]
    if len(codings) > MAX_LAYERS:
        raise FetchError(
            f"refused: {len(codings)} stacked content encodings ({content_encoding})"
        )
    decoders: list[Decoder] = []
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip", "deflate"):
            decoders.append(ZlibDecoder(coding))
        elif coding == "br":
            decoders.append(BrotliDecoder())
        else:
            raise FetchError(f"unsupported content encoding {coding!r}")
    return decoders


def decode_stream(chunks: Iterable[bytes], decoders: list[Decoder]) -> Iterator[bytes]:
    """Pull ``chunks`` through every decoder lazily: each layer holds at most one piece."""
    stream: Iterable[bytes] = chunks
    for decoder in decoders:
        stream = _through(decoder, stream)
    return iter(stream)


def _through(decoder: Decoder, chunks: Iterable[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        yield from decoder.decode(chunk)
