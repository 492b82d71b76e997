"""uvicorn's WebSocket protocol with small send buffers, so a slow client's lag stays short.

The sender (server.stream) builds a frame only when the previous send returned, but a send
"returns" once the bytes are in a buffer: uvicorn's transport buffer (64 KB before it pauses)
and the kernel's socket buffer, which Linux grows to megabytes. A client on weak Wi-Fi
would then watch frames seconds old. Capping both keeps at most a few frames in flight;
beyond that the sender waits, and the next frame it builds is current. (Measured on
loopback: a client that stopped reading for 1.5 s then read ~300 stale frames by default.)
"""

from __future__ import annotations

import logging
import socket
from asyncio import BaseTransport

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

SEND_BUFFER_BYTES = 32 * 1024  # the kernel doubles it; a LAN's bandwidth-delay product is far smaller
CLOSE_INVALID_DATA = 1007
log = logging.getLogger("nn_playground.ws")


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    """Selected with uvicorn's `ws="server.wsprotocol:BoundedWebSocketProtocol"` (server.cli)."""

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
