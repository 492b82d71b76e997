"""What the two WebSocket routes (`/ws` and `/ws/teacher`) share when they read a message.

Each route runs a sender task next to its receive loop; a client that vanishes mid-send
ends the sender first, so reading waits for whichever comes first. Both accept only JSON
text within --max-message-bytes, and say so with the same named errors. One message of `/ws`
may be larger: a `resume`, which hands a kept run back to a restarted server (a big network's
checkpoint is megabytes), up to --max-resume-bytes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
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


LARGE_TYPE = "resume"  # the one message type allowed past max_message_bytes (Settings.resume_limit)


@dataclass(frozen=True)
class Incoming:
    """A client message's JSON text. `unless_resume`: the too_large error it gets unless its type
    turns out to be `resume` (set when it is over max_message_bytes but within the resume limit)."""

    text: str
    unless_resume: ProtocolError | None = None

    def check_type(self, kind: str) -> None:
        """Raise the size error if a message this large is not a `resume` (server.wire.messages calls
        it with the type before anything else is checked)."""
        if self.unless_resume is not None and kind != LARGE_TYPE:
            raise self.unless_resume


def message_text(event: dict[str, Any], settings: Settings, *, resumable: bool = False) -> Incoming:
    """The event's JSON text; ProtocolError for a binary message or one over the size limit.
    With `resumable` (the `/ws` route), a message over max_message_bytes within the resume limit
    is returned with the error that holds if it is not a `resume`."""
    text = event.get("text")
    if text is None:
        raise ProtocolError("bad_message", "binary messages are not accepted; send JSON text")
    size = message_size(text)
    if size <= settings.max_message_bytes:
        return Incoming(text)
    allowed = f"message of {size} bytes; allowed: at most {settings.max_message_bytes} bytes"
    if not resumable:
        raise ProtocolError("too_large", allowed, field=None)
    too_large = ProtocolError("too_large", f"{allowed} (a resume: at most {settings.resume_limit} bytes, "
                                           f"--max-resume-bytes)", field=None)
    # cheap first: a text without the word is no resume, and is not parsed at all
    if size > settings.resume_limit or f'"{LARGE_TYPE}"' not in text:
        raise too_large
    return Incoming(text, unless_resume=too_large)
