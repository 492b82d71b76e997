"""server.process.uvicorn_glue, the one place that reaches into uvicorn's internals: the
installed uvicorn still offers all it relies on, a change is reported by name, a HandedServer
really serves a connection accepted elsewhere (here: by the test, the server on a thread), and
the bounded WebSocket protocol makes a sender wait for a client that stops reading."""

from __future__ import annotations

import asyncio
import importlib
import socket
import threading
import time
from typing import Any

import pytest
import uvicorn
from websockets.sync.client import connect

from server.process import uvicorn_glue
from server.process.uvicorn_glue import SEND_BUFFER_BYTES, HandedServer, broken_assumptions


def test_the_installed_uvicorn_offers_everything_the_glue_uses():
    problems = broken_assumptions()
    assert not problems, ("uvicorn changed under server/process/uvicorn_glue.py:\n  "
                          + "\n  ".join(problems))


def test_a_missing_method_or_changed_signature_is_named(monkeypatch):
    monkeypatch.delattr(uvicorn.Config, "bind_socket")

    def startup(self: Any) -> None:  # no longer a coroutine, no `sockets`
        """A startup an upgrade might bring."""

    monkeypatch.setattr(uvicorn.Server, "startup", startup)
    sansio = getattr(importlib.import_module(uvicorn_glue.SANSIO_MODULE), uvicorn_glue.SANSIO_CLASS)
    monkeypatch.setattr(sansio, "pause_writing", asyncio.Protocol.pause_writing)
    problems = "\n".join(broken_assumptions())
    assert "Config.bind_socket() is gone" in problems
    assert "Server.startup is no longer a coroutine taking `sockets`" in problems
    assert "does not override pause_writing" in problems
    assert f"uvicorn {uvicorn.__version__}" in problems
    assert "Server.shutdown" not in problems  # only what changed is named


def test_a_class_that_is_gone_fails_with_its_full_name():
    with pytest.raises(uvicorn_glue.UvicornChanged) as caught:
        uvicorn_glue._require(uvicorn_glue.SANSIO_MODULE, "RenamedProtocol")
    assert f"{uvicorn_glue.SANSIO_MODULE}.RenamedProtocol is gone" in str(caught.value)
    assert uvicorn.__version__ in str(caught.value)


async def _hello_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """HTTP: 200 "hello"; WebSocket: accept, say "hi", and wait for the close."""
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", b"5")]})
        await send({"type": "http.response.body", "body": b"hello"})
    elif scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "hi"})
        while (await receive())["type"] != "websocket.disconnect":
            pass


FLOOD_MESSAGE = bytes(16 * 1024)
FLOOD_LIMIT = 64 * 1024 * 1024  # the flood stops here whatever happens


async def _flood_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """WebSocket: accept and send binary messages as fast as `send` returns, counting bytes
    in `scope["state"]`, the way server.stream sends frames."""
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    counter = scope["state"]
    while counter["sent"] < FLOOD_LIMIT:
        await send({"type": "websocket.send", "bytes": FLOOD_MESSAGE})
        counter["sent"] += len(FLOOD_MESSAGE)


class _Running:
    """A HandedServer on a thread, with its loop once started and whether it stopped."""

    def __init__(self, app: Any = _hello_app) -> None:
        options = dict(ws=uvicorn_glue.BoundedWebSocketProtocol, lifespan="off", log_level="warning")
        self.server = HandedServer(app, options)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.started = threading.Event()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.server.run, daemon=True,
                                       kwargs=dict(on_start=self._on_start, on_stop=self.stopped.set))
        self.thread.start()
        assert self.started.wait(10), "HandedServer never called on_start: uvicorn's startup hook changed"

    def _on_start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.started.set()

    def call(self, fn: Any, *args: Any) -> Any:
        """fn(*args) in the server's loop, as the balancer's worker calls it; its result."""
        async def inside() -> Any:
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(inside(), self.loop).result(5)

    def hand(self, listener: socket.socket, receive_buffer: int | None = None) -> socket.socket:
        """A new client connection whose server end is handed over; the client end."""
        client = socket.socket()
        if receive_buffer:  # before connecting, so the window it offers stays small too
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        client.settimeout(5)
        client.connect(listener.getsockname())
        conn, _ = listener.accept()
        self.call(self.server.serve_connection, conn)
        self.handed = conn
        return client


def _stop(served: _Running) -> None:
    served.server.stop()
    served.thread.join(10)
    assert not served.thread.is_alive(), "HandedServer.stop() did not end uvicorn's main loop"
    assert served.stopped.is_set(), "HandedServer never called on_stop: uvicorn's shutdown hook changed"


@pytest.fixture()
def running():
    served = _Running()
    yield served
    _stop(served)


@pytest.fixture()
def listener():
    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield sock


def test_a_handed_connection_is_served_over_http(running, listener):
    with running.hand(listener) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := client.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200"), f"uvicorn's HTTP protocol did not answer a handed socket: {reply!r}"
    assert reply.endswith(b"hello")


def test_a_handed_websocket_is_counted_and_gets_small_send_buffers(running, listener):
    assert running.call(running.server.open_connections) == 0
    with connect("ws://test/", sock=running.hand(listener), open_timeout=5) as ws:
        assert ws.recv(timeout=5) == "hi"
        assert running.call(running.server.open_connections) == 1, \
            "open_connections no longer sees uvicorn's server_state.connections"
        sndbuf = running.handed.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        # Linux reports twice what was set; other kernels the value itself
        assert SEND_BUFFER_BYTES <= sndbuf <= 2 * SEND_BUFFER_BYTES, \
            f"BoundedWebSocketProtocol.connection_made did not cap SO_SNDBUF ({sndbuf})"
    deadline = running.loop.time() + 5
    while running.call(running.server.open_connections) and running.loop.time() < deadline:
        threading.Event().wait(0.05)
    assert running.call(running.server.open_connections) == 0


def test_a_client_that_stops_reading_makes_the_sender_wait(listener):
    """What BoundedWebSocketProtocol is for: its caps work only while uvicorn's protocol
    pauses `send` when the transport's buffer is full (uvicorn >= 0.52.1)."""
    state = {"sent": 0}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await _flood_app({**scope, "state": state}, receive, send)

    served = _Running(app)
    try:
        sock = served.hand(listener, receive_buffer=32 * 1024)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        assert sock.recv(12) == b"HTTP/1.1 101", "the WebSocket handshake failed"
        deadline = time.monotonic() + 1.5  # from here on the client reads nothing
        while state["sent"] < FLOOD_LIMIT and time.monotonic() < deadline:
            time.sleep(0.05)
        sent = state["sent"]
        sock.close()
    finally:
        _stop(served)
    # the buffers: transport 32 KB, kernel send 64 KB, the client's kernel 64 KB
    assert 0 < sent < 2 * 1024 * 1024, (
        f"the app sent {sent / 1e6:.1f} MB to a client that reads nothing: uvicorn's WebSocket "
        "protocol no longer pauses send() when its transport's buffer is full (pause_writing)")
