"""A token bucket per connection, plus a strike count that tells a burst from abuse.

A client may send `burst` messages at once and `rate` a second after that. A message
beyond that is refused (the client gets a `rate_limited` error); refusals are counted as
strikes that drain at the same rate, so a client that keeps flooding piles up strikes
and is disconnected once they exceed the burst, while a page that once sent a few too
many while a slider moved is not.
"""

from __future__ import annotations

import time
from typing import Callable


class TokenBucket:
    """`allow()` says whether one more message may be handled now."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = float(rate)
        self.burst = float(burst)
        self.clock = clock
        self.tokens = float(burst)
        self.strikes = 0.0
        self.stamp = clock()

    def _refill(self) -> None:
        now = self.clock()
        earned = (now - self.stamp) * self.rate
        self.stamp = now
        self.tokens = min(self.burst, self.tokens + earned)
        self.strikes = max(0.0, self.strikes - earned)

    def allow(self) -> bool:
        """Take a token if there is one; otherwise record a strike and refuse."""
        self._refill()
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.strikes += 1.0
        return False

    @property
    def abusive(self) -> bool:
        """True once refused messages outnumber what the rate forgives (sustained flooding)."""
        return self.strikes > self.burst
