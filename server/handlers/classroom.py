"""A student's side of classroom mode: `join`, and the teacher's locks on `config`, `lesson`
and `load_model` (the server refuses what the page already shows disabled)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from ..live.session import Session
from ..wire.class_messages import JoinMessage
from ..wire.messages import ProtocolError


async def join(session: Session, message: JoinMessage) -> None:
    """Seat the session in a class (`joined` follows; `unknown_class` if there is none)."""
    await session.classroom.join(session, message.class_, message.name, message.token)


async def config(session: Session, patch: Any) -> None:
    """A config patch, refused with `locked` if it touches a key the teacher locked."""
    if isinstance(patch, dict):
        locked = session.classroom.locked_keys(session, patch) if session.classroom else []
        if locked:
            raise ProtocolError("locked", f"{locked[0]}: your teacher locked this setting", field=locked[0])
    await session.apply_config(patch)


def unless_locked(handle: Callable[[Session, Any], Awaitable[None]]) -> Callable[[Session, Any], Awaitable[None]]:
    """A handler that replaces the whole setup (a lesson, a model file): refused while the
    teacher has locked any setting, since it would change the locked ones too."""
    async def guarded(session: Session, message: Any) -> None:
        seat = session.class_seat
        if seat is not None and seat.room.locks:
            key = sorted(seat.room.locks)[0]
            raise ProtocolError("locked", f"{key}: your teacher locked settings; a {message.type} would change "
                                          f"them", field=key)
        await handle(session, message)
    return guarded


def teacher_only(session: Session, message: Any) -> None:
    """A teacher's message on a student's socket."""
    raise ProtocolError("teacher_only", f"{message.type} is a teacher's message; it is accepted only on "
                                        f"/ws/teacher with the class's teacher token", field="type")
