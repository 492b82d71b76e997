"""A WebSocket client speaking the protocol (JSON out, JSON or frames in), and a way to run its
scenarios from any test."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from typing import Any

import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from .frames import decode_frame

TIMEOUT = 10.0


class Client:
    """A WebSocket client speaking the protocol: JSON messages out, JSON or frames in."""

    def __init__(self, url: str, **connect_args: Any):
        self.url = url
        self.connect_args = {"max_size": None, "compression": None, **connect_args}
        self.ws = None
        self.frames: list[tuple[dict[str, Any], dict[str, np.ndarray]]] = []  # every frame seen

    async def __aenter__(self) -> "Client":
        self.ws = await connect(self.url, **self.connect_args)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection, reading on meanwhile. websockets stops reading the socket once
        `max_queue` messages wait unread (a test that stopped reading a playing session), and the
        server's answering close frame would then sit behind them until close_timeout (10 s)."""
        closing = asyncio.ensure_future(self.ws.close())
        try:
            while not closing.done():
                await self.ws.recv()  # raises ConnectionClosed once the handshake is over
        except ConnectionClosed:
            pass
        await closing

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(json.dumps(message) if isinstance(message, dict) else message)

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next message; a frame comes back as its header (arrays in `self.frames`)."""
        data = await asyncio.wait_for(self.ws.recv(), timeout)
        if isinstance(data, bytes):
            header, arrays = decode_frame(data)
            self.frames.append((header, arrays))
            return header
        return json.loads(data)

    async def expect(self, kind: str, timeout: float = TIMEOUT, **match: Any) -> dict[str, Any]:
        """Read until a message of type `kind` (with the given field values) arrives."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.recv(max(0.01, deadline - loop.time()))
            if message["type"] == kind and all(message.get(k) == v for k, v in match.items()):
                return message

    async def start(self) -> dict[str, Any]:
        """hello, then data, then a first frame; returns hello."""
        hello = await self.expect("hello")
        await self.expect("data")
        await self.expect("frame")
        return hello


def run(coro):
    """Run a client scenario to completion in its own thread and event loop (the browser
    tests' Playwright keeps a loop running in the main thread, where asyncio.run refuses)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def closed_code(c: Client, timeout: float = 10.0) -> int:
    """Read until the server closes; the close code it sent."""
    with pytest.raises(ConnectionClosed):
        while True:
            await c.recv(timeout)
    return c.ws.close_code
