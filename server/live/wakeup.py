"""A one-waiter wake-up call with an optional deadline, for tasks that sleep until needed.

`asyncio.Event` plus `wait_for` would do, but costs a task and a timeout object on every
frame; this is one future and at most one timer handle. A `set()` while nobody waits is
dropped on purpose: waiters re-check their condition before they wait again.
"""

from __future__ import annotations

import asyncio


class Wakeup:
    """Lets one coroutine sleep until `set()` is called or a deadline (loop time) passes."""

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    def set(self) -> None:
        """Wake the waiter, if there is one."""
        if self._future is not None and not self._future.done():
            self._future.set_result(None)

    async def wait(self, deadline: float | None = None) -> None:
        """Sleep until `set()` or, when given, until `loop.time() >= deadline`."""
        loop = asyncio.get_running_loop()
        future = self._future = loop.create_future()
        timer = loop.call_at(deadline, _resolve, future) if deadline is not None else None
        try:
            await future
        finally:
            if timer is not None:
                timer.cancel()
            self._future = None


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
