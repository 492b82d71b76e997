"""uvicorn's WebSocket protocol with small send buffers, so a slow client's lag stays short.

The sender (server.stream) builds a frame only when the previous send returned, but a send
"returns" once the bytes are in a buffer: uvicorn's transport buffer (64 KB before it pauses)
and the kernel's socket buffer, which Linux grows to megabytes. A client on weak Wi-Fi
would then watch frames seconds old. Capping both keeps at most a few frames in flight;
beyond that the sender waits, and the next frame it builds is current. (Measured on
loopback: a client that stopped reading for 1.5 s then read ~300 stale frames by default.)
"""

from __future__ import annotations

import socket
from asyncio import BaseTransport

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

SEND_BUFFER_BYTES = 32 * 1024  # the kernel doubles it; a LAN's bandwidth-delay product is far smaller


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    """Selected with uvicorn's `ws="server.process.uvicorn_glue:BoundedWebSocketProtocol"` (server.cli)."""

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
