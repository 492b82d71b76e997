"""The sender: one task per connection that writes replies and pulls frames.

Pull, not push: a frame is built only when one is due *and* the previous send returned
(the socket accepted it), from the trainer's state at that moment, carrying all history
gathered since the last frame. So a slow client never makes frames pile up, no history
point is lost, and frames for a client that cannot take them are never computed.
Replies (JSON) go before frames. With nothing due the task sleeps without a timer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from typing import Awaitable, Callable

from .scheduler import Scheduler
from .session import Session

log = logging.getLogger("nn_playground.stream")


async def send_loop(session: Session, send_text: Callable[[str], Awaitable[None]],
                    send_bytes: Callable[[bytes], Awaitable[None]], scheduler: Scheduler) -> None:
    """Run until cancelled (or until a send fails because the client left)."""
    clock = session.clock
    last_due = -math.inf  # pacing follows due times, so lateness does not lower the frame rate
    while True:
        reply = session.outbox.take()
        if reply is not None:
            await send_text(json.dumps(reply, separators=(",", ":")))
            continue
        now = clock()
        due = session.next_frame_due(last_due)
        if due is None:
            await session.sender_wakeup.wait()
            continue
        if due > now:
            await session.sender_wakeup.wait(asyncio.get_running_loop().time() + (due - now))
            continue
        scheduler.report_lateness(now - due)
        interval = 1.0 / session.pace["fps"]
        last_due = due if now - due < interval else now
        try:
            frame = await session.build_frame()
        except Exception:  # an engine bug: report it and keep the session
            log.exception("building a frame failed")
            session.fail("frame could not be built by a server error (see the server log)")
            continue
        await send_bytes(frame)

