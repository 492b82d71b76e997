"""Pictures that did not change are not encoded again.

A frame's grids are quantised to bytes before they are deflated (server.wire.frames). When a
picture's quantised bytes and range are the same as in the last frame built for this client
(a paused network, a converged one, a `snapshot` request), its last encoding is reused, so
only the comparison is paid, not the row differences and the deflate. FrameContent also
learns from it whether the optional arrays changed at all (see docs/protocol.md).
"""

from __future__ import annotations

import numpy as np

from ..wire import frames


class PictureCache:
    """The last encoding of each named grid, with the quantised bytes it was made from."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[float, float, bytes, frames.EncodedArray]] = {}
        self.reused = 0  # encodings saved, for tests and benchmarks

    def grid(self, name: str, values: np.ndarray, lo: float | None = None,
             hi: float | None = None) -> tuple[frames.EncodedArray, bool]:
        """(the encoded grid, whether it differs from the last one of this name)."""
        values = np.asarray(values)
        lo, hi = frames.value_range(values, lo, hi)
        q = frames.quantize(values, lo, hi)
        raw = q.tobytes()
        last = self._last.get(name)
        if last is not None and last[0] == lo and last[1] == hi and last[2] == raw \
                and last[3].shape == q.shape:
            self.reused += 1
            return last[3], False
        encoded = frames.quantized_grid(name, q, lo, hi)
        self._last[name] = (lo, hi, raw, encoded)
        return encoded, True

    def forget(self) -> None:
        """Nothing is known to the client any more (it is told everything anew)."""
        self._last.clear()
