"""Pictures that did not change are not encoded again.

A frame's grids are quantised to bytes before they are deflated (server.wire.frames). When a
picture's quantised bytes and range are the same as in the last frame built for this client
(a paused network, a converged one, a `snapshot` request), its last encoding is reused, so
only the comparison is paid, not the row differences and the deflate. When the arrays are the
very ones of the last frame (the engine hands out its last drawing again while the network did
not change: engine.snapshot), not even the comparison is paid. FrameContent also learns from
it whether the optional arrays changed at all (see docs/protocol.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..wire import frames


@dataclass(slots=True)
class _Encoded:
    sources: tuple[np.ndarray, ...]  # held, so no other array can take their identity
    lo: float
    hi: float
    raw: bytes  # the quantised bytes
    encoded: frames.EncodedArray


class PictureCache:
    """The last encoding of each named grid, with the quantised bytes it was made from."""

    def __init__(self) -> None:
        self._last: dict[str, _Encoded] = {}
        self.reused = 0  # encodings saved, for tests and benchmarks

    def grid(self, name: str, values: np.ndarray | Sequence[np.ndarray], lo: float | None = None,
             hi: float | None = None) -> tuple[frames.EncodedArray, bool]:
        """(the encoded grid, whether it differs from the last one of this name). `values`: one
        array, or a list of arrays encoded as one (concatenated along the first axis)."""
        sources = tuple(values) if isinstance(values, (list, tuple)) else (values,)
        last = self._last.get(name)
        if last is not None and lo is not None and last.lo == lo and last.hi == hi and _same(last.sources, sources):
            self.reused += 1
            return last.encoded, False
        array = np.concatenate(sources) if len(sources) != 1 else np.asarray(sources[0])
        lo, hi = frames.value_range(array, lo, hi)
        q = frames.quantize(array, lo, hi)
        raw = q.tobytes()
        if last is not None and last.lo == lo and last.hi == hi and last.raw == raw \
                and last.encoded.shape == q.shape:
            self.reused += 1
            last.sources = sources
            return last.encoded, False
        encoded = frames.quantized_grid(name, q, lo, hi)
        self._last[name] = _Encoded(sources, lo, hi, raw, encoded)
        return encoded, True

    def forget(self) -> None:
        """Nothing is known to the client any more (it is told everything anew)."""
        self._last.clear()


def _same(old: tuple[np.ndarray, ...], new: tuple[np.ndarray, ...]) -> bool:
    """Whether `new` are the very arrays of `old`, and read-only (so their values are too)."""
    return len(old) == len(new) and all(a is b and not b.flags.writeable for a, b in zip(old, new))
