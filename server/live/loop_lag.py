"""How late this process's event loop runs: the figure behind every delay a saturated worker adds.

A timer asked for PERIOD_SECONDS from now fires when the loop gets round to it; under load that
is after whatever callbacks were ready before it (frames built on the loop, a training slice,
sends). The overshoot is what any timer-driven task waits extra (roster publishing, a paced
session's wake-up, a frame due now). `/healthz` reports its median, p95 and maximum over the
last WINDOW samples, so a benchmark can tell a slow loop from a slow path.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import deque

PERIOD_SECONDS = 0.05
WINDOW = 100  # samples: the last 5 s


class LoopLag:
    """Samples the loop's timer overshoot (`run` is its task)."""

    def __init__(self) -> None:
        self._samples: deque[float] = deque(maxlen=WINDOW)

    def record(self, overshoot_seconds: float) -> None:
        self._samples.append(max(0.0, overshoot_seconds))

    def figures(self) -> dict[str, float]:
        """Median, p95 and maximum overshoot in milliseconds (zeros before the first sample)."""
        if not self._samples:
            return {"p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
        ordered = sorted(self._samples)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return {"p50_ms": round(1000 * statistics.median(ordered), 1), "p95_ms": round(1000 * p95, 1),
                "max_ms": round(1000 * ordered[-1], 1)}

    async def run(self) -> None:
        """Measure until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time() + PERIOD_SECONDS
            await asyncio.sleep(PERIOD_SECONDS)
            self.record(loop.time() - asked)
