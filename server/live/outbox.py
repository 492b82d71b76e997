"""The replies a session owes its client, in order, until the sender takes them.

A newer `data` reply replaces an unsent older one (points sent in many messages would
otherwise queue every intermediate state), and a client that stops reading while replies
pile up is cut off (SlowClient) instead of growing the queue without end.
"""

from __future__ import annotations

from collections import deque

from ..wire.replies import Reply
from .wakeup import Wakeup

OUTBOX_LIMIT = 256  # replies waiting for a client that does not read; beyond: disconnect


class SlowClient(Exception):
    """The client stopped reading while its replies kept piling up."""


class Outbox:
    """Replies waiting for the sender; posting one wakes the sender."""

    def __init__(self, wakeup: Wakeup):
        self._replies: deque[Reply] = deque()
        self._wakeup = wakeup

    def post(self, message: Reply) -> None:
        """Queue `message`; raises SlowClient when OUTBOX_LIMIT replies are already unread."""
        if message["type"] == "data":
            for i, queued in enumerate(self._replies):
                if queued["type"] == "data":
                    del self._replies[i]
                    break
        if len(self._replies) >= OUTBOX_LIMIT:
            raise SlowClient(f"{len(self._replies)} replies unread")
        self._replies.append(message)
        self._wakeup.set()

    def take(self) -> Reply | None:
        """The oldest unsent reply (now taken), or None."""
        return self._replies.popleft() if self._replies else None
