"""What the two WebSocket routes (`/ws` and `/ws/teacher`) share when they read a message.

Each route runs a sender task next to its receive loop; a client that vanishes mid-send
ends the sender first, so reading waits for whichever comes first. Both accept only JSON
text within --max-message-bytes, and say so with the same named errors.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import WebSocket

from ..settings import Settings
from ..wire.messages import ProtocolError


async def next_event(websocket: WebSocket, sender: asyncio.Task[Any]) -> dict[str, Any] | None:
    """The client's next ASGI event, or None when the connection is over: the client
    disconnected, or the sender ended first (the client gone while it was sending)."""
    receiving = asyncio.ensure_future(websocket.receive())
    done, _ = await asyncio.wait({receiving, sender}, return_when=asyncio.FIRST_COMPLETED)
    if receiving not in done:
        receiving.cancel()
        return None
    event = receiving.result()
    return None if event["type"] == "websocket.disconnect" else event


def message_size(text: str) -> int:
    """UTF-8 length without encoding ASCII (the usual case)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def message_text(event: dict[str, Any], settings: Settings) -> str:
    """The event's JSON text; ProtocolError for a binary message or one over the size limit."""
    text = event.get("text")
    if text is None:
        raise ProtocolError("bad_message", "binary messages are not accepted; send JSON text")
    size = message_size(text)
    if size > settings.max_message_bytes:
        raise ProtocolError("too_large", f"message of {size} bytes; allowed: at most "
                                         f"{settings.max_message_bytes} bytes", field=None)
    return text
