"""Open pages per client address across every process that shares a broker, so that
`--max-sessions-per-client` holds for the server as a whole under `--workers N` (and across
servers sharing `--redis`), not for each worker alone.

Each process publishes its own counts (address -> page id -> open sessions, server.live.clients)
on one broker channel whenever they change and every REPEAT_SECONDS, and keeps what the others
published; a process not heard from for STALE_SECONDS (stopped, replaced) no longer counts. The
broker is the one classrooms use (the parent's embedded broker under --workers N). Two pages
opened on two workers within one publish (milliseconds) can both be admitted; the next is not.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections import Counter
from typing import Callable

from ..classroom.broker import Broker

CHANNEL = "nnp:client-pages"
REPEAT_SECONDS = 1.0
STALE_SECONDS = 3.5


class SharedClientCounts:
    """The other processes' open pages per address, heard on the broker, and ours told to them."""

    def __init__(self, broker: Broker, own: Callable[[], dict[str, dict[str, int]]],
                 clock: Callable[[], float] = time.monotonic):
        self.broker = broker
        self.own = own  # address -> page id ("" for none) -> open sessions, this process's
        self.clock = clock
        self.me = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._others: dict[str, tuple[float, dict[str, dict[str, int]]]] = {}
        self._wake = asyncio.Event()

    def elsewhere(self, address: str) -> Counter[str | None]:
        """Sessions per page id that other live processes hold for `address` (None: no page id)."""
        now, total = self.clock(), Counter()
        for heard_at, pages in self._others.values():
            if now - heard_at < STALE_SECONDS:
                for page, n in pages.get(address, {}).items():
                    total[page or None] += n
        return total

    def changed(self) -> None:
        """Our counts changed: publish them now."""
        self._wake.set()

    def heard(self, message: bytes) -> None:
        """Another process's counts (ours come back too and are skipped); malformed ones are ignored."""
        try:
            data = json.loads(message)
            sender, pages = data["from"], data["pages"]
        except (ValueError, KeyError, TypeError):
            return
        if sender != self.me and isinstance(pages, dict):
            self._others[str(sender)] = (self.clock(), pages)

    async def run(self) -> None:
        """Listen and publish until cancelled (a broker that is down is tried again next round)."""
        unsubscribe = None
        try:
            while True:
                try:
                    if unsubscribe is None:
                        unsubscribe = await self.broker.subscribe(CHANNEL, self.heard)
                    self._wake.clear()
                    await self.broker.publish(CHANNEL, json.dumps({"from": self.me, "pages": self.own()}).encode())
                except (OSError, ConnectionError, asyncio.IncompleteReadError):
                    pass
                try:
                    await asyncio.wait_for(self._wake.wait(), REPEAT_SECONDS)
                except asyncio.TimeoutError:
                    pass
        finally:
            if unsubscribe is not None:
                try:
                    await unsubscribe()
                except Exception:  # shutting down: the broker may be gone already
                    pass
