"""The students one worker holds: who sits where, and what the teacher's roster learns of them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from .frame_view import split_frame, summary, thumbnail

THUMBNAIL_SECONDS = 1.0  # a student's thumbnail goes out at most this often (and only when new)


@dataclass
class LocalClass:
    """What this worker knows of one class it has students in."""

    code: str
    locks: frozenset[str] = frozenset()
    challenge: dict[str, Any] | None = None
    spotlight: str | None = None
    unsubscribe: Callable[[], Awaitable[None]] | None = None
    seats: dict[str, "Seat"] = field(default_factory=dict)  # student id -> seat


@dataclass
class Seat:
    """One joined student: the session, the class, and what was last reported of it."""

    session: Any  # server.live.session.Session
    room: LocalClass
    id: str
    name: str
    token: str
    last_active: float = field(default_factory=time.time)
    _seen_version: int = -1
    _seen_frame: bytes | None = None
    _numbers: dict[str, Any] = field(default_factory=lambda: summary({}))
    _thumb_at: float = 0.0
    _thumb_due: bool = False
    _header: dict[str, Any] = field(default_factory=dict)
    _blobs: bytes = b""
    challenge_score: float | None = None  # test loss within the challenge's budget

    def entry(self) -> dict[str, Any]:
        """The student's roster entry (the numbers from the latest frame it was sent)."""
        session = self.session
        if session.version != self._seen_version:
            self._seen_version = session.version
            self.last_active = time.time()
        config = session.config
        neurons = sum(config.get("hidden", ()))
        return {"id": self.id, "name": self.name, **self._numbers, "state": session.state, "config": config,
                "neurons": neurons, "last_active": self.last_active, "challenge_score": self.challenge_score}

    def refresh(self, now: float) -> bytes | None:
        """Read the latest frame the student was sent (roster numbers, challenge score); return
        a thumbnail of it if it is new and the last thumbnail is a second old."""
        frame = self.session.last_frame
        if frame is None:
            return None
        if frame is not self._seen_frame:
            self._seen_frame = frame
            self._header, self._blobs = split_frame(frame)
            self._numbers = summary(self._header)
            self._score(self._header)
            self._thumb_due = True
        if not self._thumb_due or now - self._thumb_at < THUMBNAIL_SECONDS:
            return None
        self._thumb_due = False
        self._thumb_at = now
        return thumbnail(self._header, self._blobs, self.id)

    def resend_thumbnail(self) -> None:
        """Send the current picture with the next roster (a dashboard just connected)."""
        self._thumb_due = self._seen_frame is not None
        self._thumb_at = 0.0

    def _score(self, header: dict[str, Any]) -> None:
        challenge = self.room.challenge
        if not challenge:
            self.challenge_score = None
            return
        neurons = sum(self.session.config.get("hidden", ()))
        loss = self._numbers["test_loss"]
        if (neurons <= challenge["max_neurons"] and header.get("epoch", 0) <= challenge["max_epochs"]
                and loss is not None):
            self.challenge_score = loss
