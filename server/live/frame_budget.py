"""How much of a saturated process's CPU frames may take, so that training never starves.

A frame is built only when there is training progress to show, and frames come before
training. So when the process cannot do everything (a lecture hall on a laptop: 50 default
sessions a worker want ~2.3 cores of frames alone), every frame waited for one tiny progress
slice and the extra training backed off: 9 frames a second carried one mini-batch each and
training fell from 60 to 0.4 epochs a second (docs/benchmarks.md).

The FrameBudget keeps the split instead. Over windows of WINDOW_SECONDS it compares the time
spent building frames with the time spent training (both on the event loop's clock, so a
machine that preempts the process inflates both alike), and asks the scheduler whether
training was saturated (it never found a moment with nothing owed). While training is saturated and
frames take more than FRAME_SHARE of the CPU, it stretches every playing session's frame
interval (`stretch`, a factor ≥ 1), and the scheduler's frames-first back-off is capped so
training keeps its part of the loop (server.live.scheduler); while training keeps up, or frames take clearly less, it
eases the stretch back towards 1. So an overloaded class gets fewer frames a second, each
showing more training, and the training rate degrades in proportion instead of collapsing.
A frame owed after a change (a patch, a step, play or pause) is not stretched: the
patch→frame response stays as quick as the loop allows. The pacer trains in slices of a
stretched frame's worth too (fewer, longer slices: less bookkeeping per epoch).
"""

from __future__ import annotations

import time
from typing import Callable

WINDOW_SECONDS = 0.25  # the split is judged over windows this long
FRAME_SHARE = 0.5  # a saturated process keeps at least this much of its CPU for training
SATURATED_IDLE = 0.02  # training idle less than this fraction of a window: it wants more CPU
MAX_STRETCH = 4.0  # at worst 7.5 frames a second at the default 30 fps: fewer looked frozen
GROW = 1.25  # the stretch grows at least this much per window while frames take too much
EASE = 1.1  # ...and eases back by this much per window once they do not


class FrameBudget:
    """The process-wide frame interval stretch; see the module docstring."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.stretch = 1.0
        self._frame_seconds = 0.0  # frames' time in the current window
        self._training_seconds = 0.0  # training slices' time in the current window
        self._window_start = clock()
        self.frame_share = 0.0  # the last window's figures, for /healthz and tests
        self.training_idle = 1.0
        self.frame_seconds = self.training_seconds = 0.0  # totals since start, for benchmarks and tests

    def frames_built(self, cpu_seconds: float) -> None:
        """A frame cost `cpu_seconds` (snapshot and encoding)."""
        self._frame_seconds += cpu_seconds
        self.frame_seconds += cpu_seconds

    def training_done(self, seconds: float) -> None:
        """A training slice took `seconds` on the loop."""
        self._training_seconds += seconds
        self.training_seconds += seconds

    def adjust(self, now: float, idle_seconds: float) -> bool:
        """At most once a window: re-judge the split. `idle_seconds`: how long training had
        nothing owed since the last window. Returns whether a window ended."""
        wall = now - self._window_start
        if wall < WINDOW_SECONDS:
            return False
        busy = self._frame_seconds + self._training_seconds
        self.frame_share = self._frame_seconds / busy if busy > 0 else 0.0
        self.training_idle = min(1.0, idle_seconds / wall)
        # (no training at all is not saturation: the scheduler was asleep with nothing to train)
        saturated = self.training_idle < SATURATED_IDLE and self._training_seconds > 0
        if saturated and self.frame_share > FRAME_SHARE:
            # proportional: at twice the share, twice the interval (bounded per window)
            self.stretch = min(MAX_STRETCH, self.stretch * min(2.0, max(GROW, self.frame_share / FRAME_SHARE)))
        elif not saturated or self.frame_share < 0.8 * FRAME_SHARE:
            self.stretch = max(1.0, self.stretch / EASE)
        self._frame_seconds = self._training_seconds = 0.0
        self._window_start = now
        return True
