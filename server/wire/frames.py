"""The binary frame format of docs/protocol.md: length, JSON header, then the arrays.

Grids are quantised to uint8 over [lo, hi], each row stored as differences from the byte
before it (PNG's "sub" filter), then deflated at level 1: encoding "deflate-rows". The
pictures are smooth, so the differences are mostly 0 and ±1, and deflate finds long runs:
fewer bytes and less deflate time than deflating the raw grid (docs/benchmarks.md has the
figures). Higher levels save little for several times the CPU. The deflater is ISA-L's (the
`isal` package): the same zlib streams, a little smaller, in a fraction of zlib's time; where
isal has no wheel, the standard library's zlib takes over. Weights and biases go as raw
little-endian float32 because they barely compress.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

try:
    from isal.isal_zlib import compress as deflate
except ImportError:  # a platform without isal wheels: the standard library's, same format
    from zlib import compress as deflate

DEFLATE_LEVEL = 1  # both libraries' fastest level that finds matches
_LENGTH = struct.Struct("<I")


@dataclass(frozen=True)
class EncodedArray:
    """One array ready for the wire, with the fields of its `arrays` header entry."""

    name: str
    data: bytes
    dtype: str
    shape: tuple[int, ...]
    encoding: str
    lo: float | None = None
    hi: float | None = None

    def entry(self, offset: int) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "dtype": self.dtype, "shape": list(self.shape),
                               "offset": offset, "nbytes": len(self.data), "encoding": self.encoding}
        if self.lo is not None:
            out["lo"] = self.lo
            out["hi"] = self.hi
        return out


def value_range(values: np.ndarray, lo: float | None = None, hi: float | None = None) -> tuple[float, float]:
    """A finite, non-empty [lo, hi]: the given bounds, else the data's own (NaN ignored)."""
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        finite = values[np.isfinite(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    lo, hi = float(lo), float(hi)
    if hi - lo < 1e-12:  # a constant grid: widen so it still decodes to its value
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def quantize(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """uint8 q with value ≈ lo + q / 255 · (hi − lo); NaN maps to lo, ±inf clip to the ends.

    Four ufunc passes and no Python-level checks: this runs for every frame of every client.
    """
    scale = 255.0 / (hi - lo)
    scaled = np.multiply(values, np.float32(scale), dtype=np.float32)
    scaled += np.float32(0.5 - lo * scale)
    np.fmax(scaled, np.float32(0.0), out=scaled)  # fmax/fmin drop NaN in favour of the bound
    np.fmin(scaled, np.float32(255.0), out=scaled)
    return scaled.astype(np.uint8)


def row_differences(q: np.ndarray) -> np.ndarray:
    """Each byte minus the one before it in its row (mod 256); a row's first byte is kept.
    The decoder undoes it with a running sum along each row."""
    d = np.empty_like(q)
    d[..., 0] = q[..., 0]
    np.subtract(q[..., 1:], q[..., :-1], out=d[..., 1:])
    return d


def grid(name: str, values: np.ndarray, lo: float | None = None, hi: float | None = None) -> EncodedArray:
    """A grid (or a stack of grids) quantised over [lo, hi], row-differenced and deflated."""
    values = np.asarray(values)
    lo, hi = value_range(values, lo, hi)
    return quantized_grid(name, quantize(values, lo, hi), lo, hi)


def quantized_grid(name: str, q: np.ndarray, lo: float, hi: float) -> EncodedArray:
    """A grid already quantised over [lo, hi] (see `quantize`), row-differenced and deflated."""
    data = deflate(row_differences(q), DEFLATE_LEVEL)
    return EncodedArray(name, data, "uint8", q.shape, "deflate-rows", lo, hi)


def floats(name: str, values: np.ndarray) -> EncodedArray:
    """An array as raw little-endian float32 (weights, biases)."""
    arr = np.ascontiguousarray(values, dtype="<f4")
    return EncodedArray(name, arr.tobytes(), "float32", arr.shape, "raw")


def encode_frame(header: dict[str, Any], arrays: Iterable[EncodedArray]) -> bytes:
    """`header` plus an `arrays` table, framed as | N: uint32 LE | N bytes JSON | arrays |."""
    entries, blobs, offset = [], [], 0
    for arr in arrays:
        entries.append(arr.entry(offset))
        blobs.append(arr.data)
        offset += len(arr.data)
    head = json.dumps({**header, "arrays": entries}, separators=(",", ":"), allow_nan=False).encode()
    return b"".join([_LENGTH.pack(len(head)), head, *blobs])

