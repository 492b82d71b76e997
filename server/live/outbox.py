"""The replies a session owes its client, in order, until the sender takes them.

A newer `data` reply replaces an unsent older one (points sent in many messages would
otherwise queue every intermediate state), and a client that stops reading while replies
pile up is cut off (SlowClient) instead of growing the queue without end: after
OUTBOX_LIMIT replies, or once the unsent text passes OUTBOX_BYTES (a big network's exports
are megabytes each: 256 of them held ~800 MB for a client that never read; so are its
checkpoints, whose size is in nested lists, which text_size therefore walks).
"""

from __future__ import annotations

from collections import deque

from ..wire.replies import Reply
from .wakeup import Wakeup

OUTBOX_LIMIT = 256  # replies waiting for a client that does not read; beyond: disconnect
OUTBOX_BYTES = 16 * 1024 * 1024  # text of unsent replies (one reply of any size is always taken)


class SlowClient(Exception):
    """The client stopped reading while its replies kept piling up."""


class Outbox:
    """Replies waiting for the sender; posting one wakes the sender."""

    def __init__(self, wakeup: Wakeup):
        self._replies: deque[Reply] = deque()
        self._sizes: deque[int] = deque()
        self._bytes = 0
        self._wakeup = wakeup

    def post(self, message: Reply) -> None:
        """Queue `message`; raises SlowClient when OUTBOX_LIMIT replies are already unread."""
        if message["type"] == "data":
            for i, queued in enumerate(self._replies):
                if queued["type"] == "data":
                    del self._replies[i]
                    self._bytes -= self._sizes[i]
                    del self._sizes[i]
                    break
        if len(self._replies) >= OUTBOX_LIMIT:
            raise SlowClient(f"{len(self._replies)} replies unread")
        size = text_size(message)
        if self._replies and self._bytes + size > OUTBOX_BYTES:
            raise SlowClient(f"{self._bytes + size} bytes of replies unread")
        self._replies.append(message)
        self._sizes.append(size)
        self._bytes += size
        self._wakeup.set()

    def take(self) -> Reply | None:
        """The oldest unsent reply (now taken), or None."""
        if not self._replies:
            return None
        self._bytes -= self._sizes.popleft()
        return self._replies.popleft()


def text_size(message: Reply) -> int:
    """Roughly the bytes a reply's JSON takes: 64 plus its strings' lengths and 16 per number,
    nested lists and objects included (a checkpoint's state is megabytes of nested lists). Only
    containers are walked: a list whose first item is not a container counts by its length."""
    return 64 + _rough_size(dict(message))


def _rough_size(value: object) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_rough_size(item) for item in value.values())
    if isinstance(value, list):
        if value and isinstance(value[0], (list, dict)):
            return sum(_rough_size(item) for item in value)
        return 16 * len(value)
    return 0
