"""Join attempts per address: a class's students may join together (they often share one NAT
address), but someone guessing codes is slowed to a crawl after a few misses."""

from __future__ import annotations

import time
from collections import deque
from typing import Callable

from ..live.ratelimit import TokenBucket

JOINS_PER_SECOND, JOIN_BURST = 5.0, 120
MISSES_ALLOWED, MISS_WINDOW = 10, 60.0  # ten unknown codes a minute, then every attempt waits


class JoinGate:
    """Whether an address may try to join now; `missed` records a wrong code."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._misses: dict[str, deque[float]] = {}

    def admits(self, address: str) -> bool:
        bucket = self._buckets.setdefault(address, TokenBucket(JOINS_PER_SECOND, JOIN_BURST, self.clock))
        if not bucket.allow():
            return False
        misses = self._misses.get(address)
        if misses is None:
            return True
        while misses and misses[0] <= self.clock() - MISS_WINDOW:
            misses.popleft()
        return len(misses) < MISSES_ALLOWED

    def missed(self, address: str) -> None:
        self._misses.setdefault(address, deque()).append(self.clock())
