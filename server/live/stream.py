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
        last_due = frame_grid(last_due, due, now, 1.0 / session.pace["fps"])
        try:
            frame = await session.build_frame()
        except Exception:  # an engine bug: report it and keep the session
            log.exception("building a frame failed")
            session.fail("frame could not be built by a server error (see the server log)")
            continue
        await send_bytes(frame)



def frame_grid(last_due: float, due: float, now: float, interval: float) -> float:
    """The grid point of a frame sent at `now` that was due at `due`: the next frame is due one
    `interval` after it. A frame that waited for training progress past its grid point stays on
    the grid (last_due + interval), so the next one comes sooner and the frame rate holds; timing
    from `due` (the progress's arrival) lost that wait on every frame (19.6 fps instead of 20+
    under heavy load). A frame more than an interval behind restarts the grid at `now` (no
    burst of catch-up frames), and a frame wanted off the grid (after a change) starts it anew."""
    on_grid = last_due + interval
    start = on_grid if math.isfinite(on_grid) and due >= on_grid else due
    return start if now - start < interval else now
