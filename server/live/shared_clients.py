"""Open pages per client address across every process that shares a broker, so that
`--max-sessions-per-client` holds for the server as a whole under `--workers N` (and across
servers sharing `--redis`), not for each worker alone.

Each process publishes its own counts (address -> page id -> open sessions, server.live.clients)
on one broker channel whenever they change and every REPEAT_SECONDS, and keeps what the others
published; a process not heard from for STALE_SECONDS (stopped, replaced) no longer counts. The
broker is the one classrooms use (the parent's embedded broker under --workers N).

Admitting a page is one step across the processes (`admit`), or two pages opened on two workers
within the same milliseconds could both pass the count: a process takes a lock on the address in
the broker (SET NX with an expiry, so a holder that dies frees it), then publishes an echo and
waits to hear it back, which means it has heard everything published before, including the
counts the previous holder published before letting go; then it counts, takes the place if one
is free, publishes its new counts and lets go. A broker that does not answer within
WAIT_SECONDS leaves the decision to what was heard, as before.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import time
from collections import Counter
from typing import Callable

from ..classroom.broker import Broker

CHANNEL = "nnp:client-pages"
REPEAT_SECONDS = 1.0
STALE_SECONDS = 3.5
LOCK_PREFIX = "nnp:client-admit:"
LOCK_SECONDS = 2.0  # a lock whose holder vanished frees itself after this
LOCK_RETRY_SECONDS = 0.005
WAIT_SECONDS = 5.0  # the longest a page waits for the lock and the echo (a loaded machine)
BROKER_ERRORS = (OSError, ConnectionError, asyncio.IncompleteReadError)


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
        self._echoes: dict[str, asyncio.Future[None]] = {}  # echo token -> its admit() waiting

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
        """Another process's counts, or our own echo; ours come back too and are skipped;
        malformed messages are ignored."""
        try:
            data = json.loads(message)
            sender = data["from"]
        except (ValueError, KeyError, TypeError):
            return
        if sender == self.me:
            waiting = self._echoes.pop(str(data.get("echo")), None)
            if waiting is not None and not waiting.done():
                waiting.set_result(None)
        elif isinstance(data.get("pages"), dict):
            self._others[str(sender)] = (self.clock(), data["pages"])

    async def admit(self, address: str, take: Callable[[], bool]) -> bool:
        """Run `take()` (count `address`'s pages, own and `elsewhere`, and take a place if one is
        free; True if taken) as one step across every process sharing the broker (see the module
        docstring). Returns what `take()` returned."""
        key, token = LOCK_PREFIX + address, secrets.token_hex(8)
        if not await self._lock(key, token):
            taken = take()  # the broker is down or stuck: what was heard decides
            self.changed()
            return taken
        try:
            taken = take()
            if taken:  # told before the next holder counts (it hears this before its echo)
                try:
                    await self._publish()
                except BROKER_ERRORS:
                    self.changed()  # the next round tells them
            return taken
        finally:
            await self._unlock(key, token)

    async def _lock(self, key: str, token: str) -> bool:
        """Hold the address's lock and have heard everything published before; False when the
        broker did not let that happen within WAIT_SECONDS. Broker calls are never cancelled
        midway (that would leave a reply unread on its connection): the deadline is checked
        between them."""
        deadline = self.clock() + WAIT_SECONDS
        try:
            while not await self.broker.set_if_absent(key, token.encode(), LOCK_SECONDS):
                if self.clock() > deadline:
                    return False
                await asyncio.sleep(LOCK_RETRY_SECONDS)
            echo = asyncio.get_running_loop().create_future()
            self._echoes[token] = echo
            await self.broker.publish(CHANNEL, json.dumps({"from": self.me, "echo": token}).encode())
            await asyncio.wait_for(echo, max(0.0, deadline - self.clock()))
            return True
        except (asyncio.TimeoutError, *BROKER_ERRORS):
            self._echoes.pop(token, None)
            await self._unlock(key, token)
            return False

    async def _unlock(self, key: str, token: str) -> None:
        """Let go of the lock if it is still ours (it may have expired and been taken since)."""
        try:
            if await self.broker.get(key) == token.encode():
                await self.broker.delete(key)
        except BROKER_ERRORS:
            pass  # it expires by itself

    async def _publish(self) -> None:
        await self.broker.publish(CHANNEL, json.dumps({"from": self.me, "pages": self.own()}).encode())

    async def run(self) -> None:
        """Listen and publish until cancelled (a broker that is down is tried again next round)."""
        unsubscribe = None
        try:
            while True:
                try:
                    if unsubscribe is None:
                        unsubscribe = await self.broker.subscribe(CHANNEL, self.heard)
                    self._wake.clear()
                    await self._publish()
                except BROKER_ERRORS:
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
