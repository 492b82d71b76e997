"""The scheduler's sessions filed by StackKey (engine.stack), so a session's stack companions are
found without looking at every session.

A session's key is cached per (trainer, version): every accepted change bumps the version, so
the key is recomputed after a config change, a point edit or a new trainer, and the session
moves to its new group then (a rate change leaves it where it was: rates are not in the key).
Whether a network may stack at all is StackKey.of's single decision (None: never stacks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

from engine import Trainer
from engine.stack import StackKey

if TYPE_CHECKING:
    from .session import Session


class StackGroups:
    """Sessions by their current StackKey; insertion-ordered within a group."""

    def __init__(self) -> None:
        self._filed: dict["Session", tuple[Trainer, int, Optional[StackKey]]] = {}
        self._groups: dict[StackKey, dict["Session", None]] = {}
        self._interned: dict[StackKey, StackKey] = {}

    def key(self, session: "Session") -> Optional[StackKey]:
        """The session's StackKey now (None: it trains only alone), refiling it if it changed."""
        filed = self._filed.get(session)
        trainer, version = session.trainer, session.version
        if filed is not None and filed[0] is trainer and filed[1] == version:
            return filed[2]
        key = StackKey.of(trainer)
        if key is not None:  # one object per key, so that peers compare by identity (cheap)
            key = self._interned.setdefault(key, key)
        old = filed[2] if filed is not None else None
        if filed is None or old != key:
            self._unfile(session, old)
            if key is not None:
                self._groups.setdefault(key, {})[session] = None
        self._filed[session] = (trainer, version, key)
        return key

    def peers(self, session: "Session") -> list["Session"]:
        """The other sessions filed under `session`'s current key (each checked against its own
        current key, so one whose network changed shape since it was filed is not among them)."""
        return list(self.iter_peers(session))

    def iter_peers(self, session: "Session") -> Iterator["Session"]:
        """`peers`, one at a time: a caller that needs only a few stops early instead of
        checking every session of a lecture hall's key."""
        key = self.key(session)
        if key is None:
            return
        for other in list(self._groups.get(key, ())):
            if other is not session and self.key(other) is key:
                yield other

    def to_back(self, session: "Session") -> None:
        """Put a session that just trained at the back of its group: `iter_peers` then offers
        the peers that waited longest first, so companions take turns like the rotation's
        sessions (in filing order, a lecture hall's first few trained far more than the rest)."""
        filed = self._filed.get(session)
        group = self._groups.get(filed[2]) if filed is not None and filed[2] is not None else None
        if group is not None and session in group:
            del group[session]
            group[session] = None

    def discard(self, session: "Session") -> None:
        """Forget a session (it left the rotation)."""
        filed = self._filed.pop(session, None)
        if filed is not None:
            self._unfile(session, filed[2])

    def _unfile(self, session: "Session", key: Optional[StackKey]) -> None:
        group = self._groups.get(key) if key is not None else None
        if group is not None:
            group.pop(session, None)
            if not group:
                del self._groups[key]
                self._interned.pop(key, None)
