"""Every reach into uvicorn's internals, behind one small API; `broken_assumptions()` says in
plain words which of them an upgrade broke (tests/test_uvicorn_glue.py asserts there are none).

What we take from uvicorn beyond its documented `uvicorn.run` / `Config` options:

- `BoundedWebSocketProtocol`: uvicorn's sans-I/O WebSocket protocol (module
  `uvicorn.protocols.websockets.websockets_sansio_impl`) with small send buffers. The class
  came in uvicorn 0.35, but its flow control (pause_writing, which makes a send wait while
  the transport's buffer is full) only in 0.52.1: before, the caps below did nothing and a
  client that stops reading piled frames up in memory. Hence the floor in pyproject.toml. The sender (server.stream) builds a frame only when the previous send returned,
  but a send "returns" once the bytes are in a buffer: uvicorn's transport buffer (64 KB
  before it pauses) and the kernel's socket buffer, which Linux grows to megabytes. A client
  on weak Wi-Fi would then watch frames seconds old. Capping both keeps at most a few frames
  in flight; beyond that the protocol's flow control (pause_writing) makes the sender wait,
  and the next frame it builds is current.
- `live_transport`: the transport under a WebSocket (the ASGI `send` is uvicorn's protocol's
  bound method), so that a connection whose client stopped reading can be aborted
  (server.live.hard_close).
- `bind_listener`: the listening socket uvicorn would bind (`Config.bind_socket`, `backlog`).
- `HandedServer`: a uvicorn server with no listener that serves connections accepted by
  another process (server.process.balancer). It starts uvicorn with `sockets=[]`, and builds
  the HTTP protocol for each handed socket the way uvicorn's startup builds it for its
  listeners (`Config.http_protocol_class(config=, server_state=, app_state=)`).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import logging
import socket
from asyncio import BaseTransport
from typing import Any, Callable, Optional

import uvicorn

SANSIO_MODULE = "uvicorn.protocols.websockets.websockets_sansio_impl"
SANSIO_CLASS = "WebSocketsSansIOProtocol"
SEND_BUFFER_BYTES = 32 * 1024  # the kernel doubles it; a LAN's bandwidth-delay product is far smaller
CLOSE_INVALID_DATA = 1007
log = logging.getLogger("nn_playground.ws")


class UvicornChanged(ImportError):
    """The installed uvicorn lacks something this module relies on (an upgrade changed it)."""


def _require(module: str, name: str) -> Any:
    """`module.name`, or UvicornChanged naming exactly what is missing."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise UvicornChanged(f"uvicorn {uvicorn.__version__}: {module}.{name} is gone ({exc}); "
                             "server.process.uvicorn_glue needs it (written for uvicorn 0.52.1-0.54)") from exc


_SansIOProtocol = _require(SANSIO_MODULE, SANSIO_CLASS)


class BoundedWebSocketProtocol(_SansIOProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's sans-I/O WebSocket protocol with small send buffers, selected with uvicorn's
    `ws=BoundedWebSocketProtocol` (server.cli; the class itself, not an import string, which
    uvicorn reads only from 0.36 on). With uvicorn's default buffers a client that stopped
    reading for a moment then read hundreds of stale frames (docs/benchmarks.md)."""

    def connection_made(self, transport: BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
            except OSError:  # not a TCP socket (tests over pipes) or not permitted: keep defaults
                pass
        set_limits = getattr(transport, "set_write_buffer_limits", None)
        if set_limits is not None:
            set_limits(high=SEND_BUFFER_BYTES)

    def send_receive_event_to_app(self) -> None:
        """Pass a complete message on, except a text message that is not UTF-8.

        RFC 6455 (section 8.1) requires failing the connection then, which uvicorn does with
        1007, but it logs an ERROR with a traceback for every such frame; one warning line
        says the same. The session ends: the protocol leaves no way to go on after it.
        """
        if self.curr_msg_data_type == "text" and not self.close_sent and not _is_utf8(self.frames):
            self.frames = []
            client = "%s:%d" % self.client if self.client else "a client"
            log.warning("closed the WebSocket of %s with 1007: a text message that is not UTF-8", client)
            self.conn.send_close(CLOSE_INVALID_DATA)
            self.handle_parser_exception()
            return
        super().send_receive_event_to_app()


def _is_utf8(parts: list[bytes]) -> bool:
    try:
        str(parts[0] if len(parts) == 1 else b"".join(parts), "utf-8")
    except UnicodeDecodeError:
        return False
    return True


def live_transport(websocket: Any) -> Optional[asyncio.BaseTransport]:
    """The transport under a Starlette WebSocket that uvicorn serves (its ASGI `send` is the
    protocol's bound method), or None once that connection is gone or is not uvicorn's."""
    protocol = getattr(getattr(websocket, "_send", None), "__self__", None)
    transport = getattr(protocol, "transport", None)
    if transport is None or getattr(protocol, "disconnected", False):
        return None
    return transport


def bind_listener(options: dict[str, Any]) -> socket.socket:
    """The socket uvicorn binds for `options` (uvicorn.Config's keyword arguments), listening
    with uvicorn's backlog and non-blocking."""
    config = uvicorn.Config(**options)
    listener = config.bind_socket()
    listener.listen(config.backlog)
    listener.setblocking(False)
    return listener


class HandedServer:
    """uvicorn serving `app` over connections handed to it, with no listening socket of its own.

    `run(on_start, on_stop)` blocks until `stop()`: `on_start` runs in the server's event loop
    once the app has started, `on_stop` when the server begins shutting down; in between,
    `serve_connection` (called from that loop) serves an accepted socket."""

    def __init__(self, app: Any, options: dict[str, Any]):
        self._server = _Server(uvicorn.Config(app, **options),
                               on_started=lambda: self._on_start(), on_stopping=lambda: self._on_stop())
        self._starting: set[asyncio.Task[Any]] = set()  # handed, not yet connected to a protocol
        self._on_start: Callable[[], None] = lambda: None
        self._on_stop: Callable[[], None] = lambda: None

    def run(self, on_start: Callable[[], None], on_stop: Callable[[], None]) -> None:
        """Serve until `stop()` or a signal uvicorn handles (SIGTERM, SIGINT)."""
        self._on_start, self._on_stop = on_start, on_stop
        self._server.run(sockets=[])  # an empty list: uvicorn binds and listens on nothing

    def serve_connection(self, conn: socket.socket) -> None:
        """Serve `conn`, an accepted TCP connection, as if uvicorn had accepted it itself."""
        conn.setblocking(False)
        loop = asyncio.get_running_loop()
        task = loop.create_task(loop.connect_accepted_socket(self._server.protocol_factory(), conn))
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    def open_connections(self) -> int:
        """Connections open now, counting those handed over and still being set up."""
        return len(self._server.server_state.connections) + len(self._starting)

    def stop(self) -> None:
        """Shut down gracefully (uvicorn's main loop notices within 0.1 s)."""
        self._server.should_exit = True


class _Server(uvicorn.Server):
    """uvicorn.Server with startup/shutdown hooks for HandedServer."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None],
                 on_stopping: Callable[[], None]):
        super().__init__(config)
        self.on_started = on_started
        self.on_stopping = on_stopping

    def protocol_factory(self) -> Callable[[], asyncio.Protocol]:
        """What uvicorn's startup builds for its listeners (its protocol class, its state)."""
        return functools.partial(self.config.http_protocol_class, config=self.config,
                                 server_state=self.server_state, app_state=self.lifespan.state)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.on_started()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.on_stopping()
        await super().shutdown(sockets=sockets)


# -- the assumptions, checked -------------------------------------------------------------


def _has_sockets_parameter(method: Any) -> bool:
    try:
        return "sockets" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def broken_assumptions() -> list[str]:
    """What this module relies on in uvicorn and no longer finds, one sentence each."""
    problems: list[str] = []
    version = f"uvicorn {uvicorn.__version__}"
    for name in ("bind_socket", "load"):
        if not callable(getattr(uvicorn.Config, name, None)):
            problems.append(f"{version}: Config.{name}() is gone (bind_listener / HandedServer call it)")
    server_class = uvicorn.Server
    for name in ("startup", "shutdown"):
        method = getattr(server_class, name, None)
        if not inspect.iscoroutinefunction(method) or not _has_sockets_parameter(method):
            problems.append(f"{version}: Server.{name} is no longer a coroutine taking `sockets` "
                            "(HandedServer overrides it)")
    if not _has_sockets_parameter(getattr(server_class, "run", None)):
        problems.append(f"{version}: Server.run no longer takes `sockets` (HandedServer passes [])")
    sansio = getattr(importlib.import_module(SANSIO_MODULE), SANSIO_CLASS, None)
    if sansio is None:
        problems.append(f"{version}: {SANSIO_MODULE}.{SANSIO_CLASS} is gone (BoundedWebSocketProtocol)")
    elif sansio.pause_writing is asyncio.Protocol.pause_writing:
        problems.append(f"{version}: {SANSIO_CLASS} does not override pause_writing, so a full "
                        "send buffer would not make the sender wait (BoundedWebSocketProtocol)")
    else:
        for name in ("send_receive_event_to_app", "handle_parser_exception"):
            if not callable(getattr(sansio, name, None)):
                problems.append(f"{version}: {SANSIO_CLASS}.{name}() is gone (BoundedWebSocketProtocol "
                                "refuses a text message that is not UTF-8 through it)")
    try:
        config = uvicorn.Config(_no_app, ws=BoundedWebSocketProtocol, lifespan="off")
        config.load()
    except Exception as exc:  # noqa: BLE001 - any failure here is the finding
        return problems + [f"{version}: Config(ws=BoundedWebSocketProtocol).load() failed: {exc!r}"]
    if getattr(config, "ws_protocol_class", None) is not BoundedWebSocketProtocol:
        problems.append(f"{version}: Config.load() no longer takes a protocol class as `ws` "
                        "into Config.ws_protocol_class (BoundedWebSocketProtocol)")
    if not isinstance(getattr(config, "backlog", None), int):
        problems.append(f"{version}: Config.backlog is gone (bind_listener listens with it)")
    protocol = getattr(config, "http_protocol_class", None)
    try:
        parameters = inspect.signature(protocol).parameters if protocol else {}
    except (TypeError, ValueError):
        parameters = {}
    missing = [p for p in ("config", "server_state", "app_state") if p not in parameters]
    if missing:
        problems.append(f"{version}: Config.http_protocol_class ({protocol!r}) no longer takes "
                        f"{', '.join(missing)} (HandedServer builds it for each handed socket)")
    server = server_class(config)
    for name in ("server_state", "should_exit", "started"):
        if not hasattr(server, name):
            problems.append(f"{version}: Server().{name} is gone (HandedServer reads or sets it)")
    if not hasattr(getattr(server, "server_state", None), "connections"):
        problems.append(f"{version}: Server().server_state.connections is gone (open_connections counts it)")
    return problems


async def _no_app(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app that serves nothing: broken_assumptions only loads a Config with it."""
