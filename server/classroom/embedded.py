"""The embedded broker for `--workers N`: a tiny server for the part of Redis's protocol that
server.classroom.resp speaks, run by the server's parent process in a thread on a Unix socket
in a private (0700) folder. The parent outlives its workers (a worker that dies is restarted
and reconnects), so classes survive a worker crash; nothing outside this machine's user can
connect. Values expire like Redis keys (checked when read, swept once a minute).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import threading
import time
from typing import Any

from .resp import BrokerDown, encode_command, read_reply


class EmbeddedBroker:
    """Keys with expiry and channels, served over RESP on a Unix socket."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="nnp-broker-")
        os.chmod(self.folder, 0o700)
        self.path = os.path.join(self.folder, "broker.sock")
        self._values: dict[bytes, tuple[bytes, float]] = {}
        self._channels: dict[bytes, set[asyncio.StreamWriter]] = {}
        self._ready = threading.Event()

    @property
    def address(self) -> str:
        """What workers connect to (NNP_BROKER)."""
        return "unix://" + self.path

    def start_thread(self) -> None:
        """Serve in a daemon thread (it ends with the parent process); returns once listening."""
        threading.Thread(target=asyncio.run, args=(self._serve(),), name="nnp-broker", daemon=True).start()
        atexit.register(shutil.rmtree, self.folder, ignore_errors=True)
        if not self._ready.wait(5):
            raise RuntimeError("the embedded broker did not start")

    async def _serve(self) -> None:
        server = await asyncio.start_unix_server(self._client, path=self.path)
        os.chmod(self.path, 0o600)
        self._ready.set()
        async with server:
            while True:
                await asyncio.sleep(60)
                now = time.monotonic()
                for key in [k for k, (_, deadline) in self._values.items() if deadline <= now]:
                    del self._values[key]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        subscribed: set[bytes] = set()
        try:
            while True:
                command = await read_reply(reader)
                if not isinstance(command, list) or not command or not all(isinstance(p, bytes) for p in command):
                    writer.write(b"-ERR expected an array of bulk strings\r\n")
                    continue
                writer.write(self._answer(command, writer, subscribed))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, BrokerDown):
            pass
        finally:
            for channel in subscribed:
                self._channels.get(channel, set()).discard(writer)
            writer.close()

    def _answer(self, command: list[bytes], writer: asyncio.StreamWriter, subscribed: set[bytes]) -> bytes:
        name, args = command[0].upper(), command[1:]
        options = [arg.upper() for arg in args[2:]]
        if name == b"SET" and len(args) in (4, 5) and options[0] == b"PX" and options[2:] in ([], [b"NX"]):
            if options[2:] and self._get(args[0]) is not None:  # NX: only if absent (a lock)
                return b"$-1\r\n"
            self._values[args[0]] = (args[1], time.monotonic() + int(args[3]) / 1000)
            return b"+OK\r\n"
        if name == b"GET" and len(args) == 1:
            return _bulk(self._get(args[0]))
        if name == b"DEL":
            return b":%d\r\n" % sum(self._values.pop(k, None) is not None for k in args)
        if name == b"PUBLISH" and len(args) == 2:
            listeners = list(self._channels.get(args[0], ()))
            push = encode_command(b"message", args[0], args[1])
            for listener in listeners:
                if listener.transport.get_write_buffer_size() < 8 * 1024 * 1024:  # a stuck reader loses messages
                    listener.write(push)
            return b":%d\r\n" % len(listeners)
        if name in (b"SUBSCRIBE", b"UNSUBSCRIBE"):
            for channel in args:
                if name == b"SUBSCRIBE":
                    self._channels.setdefault(channel, set()).add(writer)
                    subscribed.add(channel)
                else:
                    self._channels.get(channel, set()).discard(writer)
                    subscribed.discard(channel)
            return b"".join(_sub_reply(name.lower(), channel, len(subscribed)) for channel in args)
        if name == b"PING":
            return b"+PONG\r\n"
        return b"-ERR unknown or malformed command\r\n"

    def _get(self, key: bytes) -> bytes | None:
        entry = self._values.get(key)
        if entry is None or entry[1] <= time.monotonic():
            self._values.pop(key, None)
            return None
        return entry[0]


def _bulk(value: Any) -> bytes:
    if value is None:
        return b"$-1\r\n"
    return b"$%d\r\n%s\r\n" % (len(value), value)


def _sub_reply(kind: bytes, channel: bytes, count: int) -> bytes:
    """["subscribe", channel, count] as Redis confirms a (un)subscription."""
    return b"*3\r\n" + _bulk(kind) + _bulk(channel) + b":%d\r\n" % count
