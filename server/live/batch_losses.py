"""The mini-batch losses a frame carries: every step's loss since the previous frame, thinned
to at most MAX_PER_FRAME (docs/protocol.md, frame header `batch_losses`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..wire.numbers import finite

MAX_PER_FRAME = 256  # below this many steps between frames, every one is sent
MAX_HELD = 100_000  # a session whose frames are not pulled keeps this many (thinned first)


def thinned(losses: np.ndarray, limit: int = MAX_PER_FRAME) -> np.ndarray:
    """`losses` as they are when there are at most `limit`, else cut into limit/2 runs of
    consecutive steps, each kept as its smallest and largest loss in the order they happened:
    the jitter's extent survives thinning, a smooth curve stays smooth."""
    if losses.size <= limit:
        return losses
    out = []
    for run in np.array_split(losses, limit // 2):
        lo, hi = int(np.argmin(run)), int(np.argmax(run))
        out += [run[min(lo, hi)], run[max(lo, hi)]]
    return np.asarray(out)


class BatchLosses:
    """Mini-batch losses between frames."""

    def __init__(self) -> None:
        self._held: list[np.ndarray] = []
        self._count = 0

    def record(self, losses: np.ndarray) -> None:
        """Losses of the steps just trained (oldest first)."""
        if losses.size:
            self._held.append(losses)
            self._count += losses.size
            if self._count > MAX_HELD:
                self._held = [thinned(np.concatenate(self._held), MAX_HELD // 2)]
                self._count = self._held[0].size

    def clear(self) -> None:
        """A new run: earlier steps are not shown."""
        self._held, self._count = [], 0

    def take(self) -> list[Any]:
        """The header's `batch_losses` (JSON numbers, null where not finite); empties the store."""
        if not self._held:
            return []
        losses = thinned(np.concatenate(self._held))
        self.clear()
        return [finite(v) for v in losses.tolist()]
