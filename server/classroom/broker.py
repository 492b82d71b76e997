"""The broker a class's workers and servers share: publish/subscribe plus keys with expiry.

Two implementations speak this interface: `MemoryBroker` for one process (no sockets), and
`RespBroker` (server.classroom.resp) for several — a real Redis (`--redis`), or the embedded
one the server's parent process runs for `--workers N` (server.classroom.embedded), which
speaks the same small part of Redis's protocol, so one client serves both.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Awaitable, Callable, Protocol

if TYPE_CHECKING:
    from ..settings import Settings

Handler = Callable[[bytes], None]  # called in the event loop with each message on a channel
Unsubscribe = Callable[[], Awaitable[None]]


class Broker(Protocol):
    """What classrooms need from a broker (keys are strings, values and messages bytes)."""

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        """Store `value` under `key` for `ttl` seconds."""

    async def set_if_absent(self, key: str, value: bytes, ttl: float) -> bool:
        """Store `value` under `key` for `ttl` seconds unless the key holds a value; True if
        stored. One step for every process sharing the broker (a lock: Redis's SET NX)."""

    async def get(self, key: str) -> bytes | None:
        """The value under `key`, or None if absent or expired."""

    async def delete(self, key: str) -> None:
        """Forget `key`."""

    async def publish(self, channel: str, message: bytes) -> None:
        """Send `message` to every subscriber of `channel` (in every process)."""

    async def publish_all(self, messages: list[tuple[str, bytes]]) -> None:
        """`publish` each (channel, message) in order, in one round trip to the broker."""

    async def subscribe(self, channel: str, handler: Handler) -> Unsubscribe:
        """Call `handler` with each message on `channel` until the returned function is awaited."""

    async def close(self) -> None:
        """Release connections."""


class Subscribers:
    """Channel -> handlers, shared by both implementations' delivery side."""

    def __init__(self) -> None:
        self.by_channel: dict[str, list[Handler]] = {}

    def add(self, channel: str, handler: Handler) -> bool:
        """Register; True if it is the channel's first handler (subscribe upstream)."""
        handlers = self.by_channel.setdefault(channel, [])
        handlers.append(handler)
        return len(handlers) == 1

    def remove(self, channel: str, handler: Handler) -> bool:
        """Unregister; True if the channel has no handler left (unsubscribe upstream)."""
        handlers = self.by_channel.get(channel, [])
        if handler in handlers:
            handlers.remove(handler)
        if not handlers:
            self.by_channel.pop(channel, None)
            return True
        return False

    def deliver(self, channel: str, message: bytes) -> None:
        for handler in list(self.by_channel.get(channel, ())):
            handler(message)


class MemoryBroker:
    """One process's broker: a dict with deadlines and direct delivery."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._values: dict[str, tuple[bytes, float]] = {}
        self._subscribers = Subscribers()
        self._clock = clock

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        self._values[key] = (value, self._clock() + ttl)

    async def set_if_absent(self, key: str, value: bytes, ttl: float) -> bool:
        if await self.get(key) is not None:
            return False
        await self.set(key, value, ttl)
        return True

    async def get(self, key: str) -> bytes | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        if entry[1] <= self._clock():
            del self._values[key]
            return None
        return entry[0]

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    async def publish(self, channel: str, message: bytes) -> None:
        self._subscribers.deliver(channel, message)

    async def publish_all(self, messages: list[tuple[str, bytes]]) -> None:
        for channel, message in messages:
            self._subscribers.deliver(channel, message)

    async def subscribe(self, channel: str, handler: Handler) -> Unsubscribe:
        self._subscribers.add(channel, handler)

        async def unsubscribe() -> None:
            self._subscribers.remove(channel, handler)
        return unsubscribe

    async def close(self) -> None:
        self._values.clear()


def open_broker(settings: "Settings") -> Broker:
    """Redis when --redis names one, the parent's embedded broker under --workers N, else memory."""
    from .resp import RespBroker

    address = settings.redis or settings.broker
    return RespBroker(address) if address else MemoryBroker()
