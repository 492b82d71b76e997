"""Ending a connection whose client does not read: close it, and drop it if that cannot finish.

A graceful close sends a close frame *behind* everything already queued for the client, and
uvicorn's transport.close() then waits for that buffer to drain, which for a client that
stopped reading never happens: measured, such a connection stayed open 70 s+ (until TCP gave
up), holding ~800 MB of unsent replies. So the close gets GRACE_SECONDS; after that the
transport is aborted with SO_LINGER 0, which sends a reset and frees the kernel's buffers at
once. Reaching the transport is a reach into uvicorn: server.process.uvicorn_glue does it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct

from fastapi import WebSocket

from ..process.uvicorn_glue import live_transport

log = logging.getLogger("nn_playground.ws")
GRACE_SECONDS = 2.0


async def close_or_abort(websocket: WebSocket, code: int, reason: str) -> None:
    """Close with `code`; if the connection is still there after GRACE_SECONDS, abort it."""
    client = "%s:%d" % tuple(websocket.client) if websocket.client else "a client"
    log.warning("closing the WebSocket of %s with %d: %s", client, code, reason)
    try:
        await asyncio.wait_for(websocket.close(code=code, reason=reason), GRACE_SECONDS)
        await asyncio.sleep(GRACE_SECONDS)  # the client's closing handshake, if it reads at all
    except (asyncio.TimeoutError, RuntimeError, OSError):
        pass
    transport = live_transport(websocket)
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:  # abort() alone leaves the unsent bytes to the kernel, which retries them for minutes
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    log.warning("dropped the connection of %s: the close could not be delivered within %g s",
                client, GRACE_SECONDS)
    transport.abort()
