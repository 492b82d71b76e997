"""A small client for Redis's protocol (RESP2), enough for the Broker interface: SET with PX
(and NX), GET, DEL, PUBLISH, SUBSCRIBE, UNSUBSCRIBE. It talks to a real Redis (`--redis`) or to the
embedded broker of `--workers N` (server.classroom.embedded), which speaks the same subset.

Why not the `redis` package: these seven commands are ~150 lines here, the embedded broker
needs this codec anyway (server side), and the first README command installs nothing extra.
A lost connection is reopened (subscriptions renewed) on the next use; a command on a dead
broker raises BrokerDown, which callers turn into an error reply, never a crash.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from .broker import Handler, Subscribers, Unsubscribe

log = logging.getLogger("nn_playground.broker")
CONNECT_TIMEOUT = 3.0


class BrokerDown(ConnectionError):
    """The broker could not be reached or answered with an error."""


def encode_command(*parts: str | bytes) -> bytes:
    """A command as RESP: an array of bulk strings."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


async def read_reply(reader: asyncio.StreamReader) -> Any:
    """One RESP value: str for simple strings, bytes or None for bulk strings, int, list;
    an error reply is returned as a BrokerDown instance (the caller raises it)."""
    line = await reader.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("connection closed")
    kind, body = line[:1], line[1:-2]
    if kind == b"+":
        return body.decode()
    if kind == b"-":
        return BrokerDown(body.decode(errors="replace"))
    if kind == b":":
        return int(body)
    if kind == b"$":
        n = int(body)
        if n < 0:
            return None
        data = await reader.readexactly(n + 2)
        return data[:-2]
    if kind == b"*":
        n = int(body)
        return None if n < 0 else [await read_reply(reader) for _ in range(n)]
    raise ConnectionError(f"not RESP: {line[:20]!r}")


async def open_stream(address: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to `redis://host:port/db` or `unix:///path` (the embedded broker)."""
    parts = urlsplit(address)
    if parts.scheme == "unix":
        opening = asyncio.open_unix_connection(parts.path)
    else:
        opening = asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 6379)
    try:
        reader, writer = await asyncio.wait_for(opening, CONNECT_TIMEOUT)
    except (OSError, asyncio.TimeoutError) as exc:
        raise BrokerDown(f"broker {address} unreachable: {exc}") from None
    db = parts.path.strip("/") if parts.scheme in ("redis", "") else ""
    if parts.password:
        writer.write(encode_command("AUTH", parts.password))
        await _expect_ok(reader)
    if db and db != "0":
        writer.write(encode_command("SELECT", db))
        await _expect_ok(reader)
    return reader, writer


async def _expect_ok(reader: asyncio.StreamReader) -> None:
    reply = await read_reply(reader)
    if isinstance(reply, BrokerDown):
        raise reply


class RespBroker:
    """The Broker interface over RESP: one connection for commands, one for subscriptions."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._command: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._command_lock = asyncio.Lock()
        self._subscribers = Subscribers()
        self._listener: asyncio.Task[None] | None = None
        self._sub_writer: asyncio.StreamWriter | None = None
        self._confirming: dict[str, list[asyncio.Future[None]]] = {}  # channel -> subscribe() calls waiting
        self._closed = False

    async def call(self, *parts: str | bytes) -> Any:
        """Send one command and return its reply (reconnecting once if the link broke)."""
        return (await self.pipeline([parts]))[0]

    async def pipeline(self, commands: list[tuple[str | bytes, ...]]) -> list[Any]:
        """Send `commands` in one write, then read their replies: one round trip for all (each
        awaited reply also waits for this worker's busy event loop to come round, ~25 ms at
        100 students: roster publishing with a thumbnail per student took 0.75 s a cycle one
        command at a time). On a broken link the whole batch is sent again once."""
        async with self._command_lock:
            for attempt in (1, 2):
                try:
                    if self._command is None:
                        self._command = await open_stream(self.address)
                    reader, writer = self._command
                    writer.write(b"".join(encode_command(*parts) for parts in commands))
                    replies = [await read_reply(reader) for _ in commands]
                    break
                except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
                    self._drop_command()
                    if attempt == 2 or isinstance(exc, BrokerDown):
                        raise BrokerDown(f"broker {self.address}: {exc}") from None
            for reply in replies:
                if isinstance(reply, BrokerDown):
                    raise reply
            return replies

    def _drop_command(self) -> None:
        if self._command is not None:
            self._command[1].close()
        self._command = None

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        await self.call("SET", key, value, "PX", str(max(1, int(ttl * 1000))))

    async def set_if_absent(self, key: str, value: bytes, ttl: float) -> bool:
        return await self.call("SET", key, value, "PX", str(max(1, int(ttl * 1000))), "NX") == "OK"

    async def get(self, key: str) -> bytes | None:
        return await self.call("GET", key)

    async def delete(self, key: str) -> None:
        await self.call("DEL", key)

    async def publish(self, channel: str, message: bytes) -> None:
        await self.call("PUBLISH", channel, message)

    async def publish_all(self, messages: list[tuple[str, bytes]]) -> None:
        if messages:
            await self.pipeline([("PUBLISH", channel, message) for channel, message in messages])

    async def subscribe(self, channel: str, handler: Handler) -> Unsubscribe:
        first = self._subscribers.add(channel, handler)
        if first:
            # wait until the broker confirms: a command published right after a join must arrive
            confirmed = asyncio.get_running_loop().create_future()
            self._confirming.setdefault(channel, []).append(confirmed)
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        elif first and self._sub_writer is not None:
            self._sub_writer.write(encode_command("SUBSCRIBE", channel))
        if first:
            try:
                await asyncio.wait_for(asyncio.shield(confirmed), CONNECT_TIMEOUT)
            except asyncio.TimeoutError:
                log.warning("broker did not confirm the subscription to %s (yet)", channel)

        async def unsubscribe() -> None:
            if self._subscribers.remove(channel, handler) and self._sub_writer is not None:
                self._sub_writer.write(encode_command("UNSUBSCRIBE", channel))
        return unsubscribe

    async def _listen(self) -> None:
        """Hold the subscription connection; on loss, reopen it and renew every channel."""
        delay = 0.1
        while not self._closed:
            try:
                reader, writer = await open_stream(self.address)
                self._sub_writer = writer
                channels = list(self._subscribers.by_channel)
                if channels:
                    writer.write(encode_command("SUBSCRIBE", *channels))
                delay = 0.1
                while True:
                    reply = await read_reply(reader)
                    if isinstance(reply, list) and len(reply) == 3 and reply[0] == b"subscribe":
                        for waiting in self._confirming.pop(reply[1].decode(), []):
                            if not waiting.done():
                                waiting.set_result(None)
                    elif isinstance(reply, list) and len(reply) == 3 and reply[0] == b"message":
                        try:
                            self._subscribers.deliver(reply[1].decode(), reply[2])
                        except Exception:  # a handler's bug must not end the subscriptions
                            log.exception("a broker message handler failed")
            except asyncio.CancelledError:
                raise
            except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
                log.warning("broker subscription lost (%s); reconnecting", exc)
            self._sub_writer = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def close(self) -> None:
        self._closed = True
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        if self._sub_writer is not None:
            self._sub_writer.close()
        self._drop_command()
