"""A teacher's command, as every worker applies it to the students it holds.

The teacher's socket has already checked the command (server.routes.teacher); here each
student is steered through the same session operations the student's own messages use, and
told by a `notice` (or `locked`, `class_ended`). One student's failure (a slow page, a config
its session refuses) is logged and the others still get the command.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ..handlers.insight import lesson as start_lesson
from ..live.outbox import SlowClient
from ..wire import replies
from .seats import LocalClass, Seat

log = logging.getLogger("nn_playground.classroom")


async def apply_command(room: LocalClass, command: dict[str, Any]) -> bool:
    """Apply `command` to this worker's students of `room`; True if it ended the class."""
    kind = command["type"]
    if kind == "lock":
        room.locks = frozenset(command["keys"])
        for seat in _chosen(room, None):
            _post(seat, replies.locked(sorted(room.locks)))
        return False
    if kind == "refresh":  # a dashboard connected: it has no thumbnails yet
        for seat in _chosen(room, None):
            seat.resend_thumbnail()
        return False
    if kind == "spotlight":
        room.spotlight = command["student"]
        return False
    if kind == "challenge":
        room.challenge = command["challenge"]
        for seat in _chosen(room, None):
            seat.challenge_score = None
        if command["challenge"] is not None:
            await _each(room, command, _challenge)
        return False
    if kind == "end_class":
        for seat in _chosen(room, None):
            seat.session.class_seat = None
            _post(seat, replies.class_ended(room.code))
        room.seats.clear()
        return True
    await _each(room, command, STEERING[kind])
    return False


def _chosen(room: LocalClass, students: list[str] | None) -> list[Seat]:
    seats = list(room.seats.values())
    return seats if students is None else [s for s in seats if s.id in set(students)]


async def _each(room: LocalClass, command: dict[str, Any], action: Any) -> None:
    """`action` for every chosen student at once: each waits for its own session's lock and
    builds in a thread, so one after another made the last of 50 students wait for all 49
    before it (a push took seconds to reach a class)."""
    seats = _chosen(room, command.get("students"))
    results = await asyncio.gather(*(action(seat, command) for seat in seats), return_exceptions=True)
    for seat, result in zip(seats, results):
        if isinstance(result, Exception):  # reported, and the other students still follow
            log.warning("class %s: %s for student %s failed: %s", room.code, command["type"], seat.id, result)


async def _push(seat: Seat, command: dict[str, Any]) -> None:
    if command.get("lesson") is not None:
        await start_lesson(seat.session, command["lesson"], "left")
        _post(seat, replies.notice("push", f"Your teacher started the lesson {command['lesson']!r}."))
    else:
        await seat.session.apply_config(command["config"])
        _post(seat, replies.notice("push", "Your teacher changed your setup."))


async def _pause(seat: Seat, command: dict[str, Any]) -> None:
    await seat.session.pause_when_stopped()
    _post(seat, replies.notice("pause_all", "Your teacher paused the class."))


async def _play(seat: Seat, command: dict[str, Any]) -> None:
    seat.session.play()
    _post(seat, replies.notice("play_all", "Your teacher started training for the class."))


async def _reset(seat: Seat, command: dict[str, Any]) -> None:
    await seat.session.reset()
    _post(seat, replies.notice("reset_all", "Your teacher reset your network."))


async def _challenge(seat: Seat, command: dict[str, Any]) -> None:
    challenge = command["challenge"]
    if challenge.get("config"):
        await seat.session.apply_config(challenge["config"])
    _post(seat, replies.notice("challenge", f"Challenge: at most {challenge['max_neurons']} neurons and "
                                            f"{challenge['max_epochs']} epochs; lowest test loss wins."))


STEERING = {"push": _push, "pause_all": _pause, "play_all": _play, "reset_all": _reset}


def _post(seat: Seat, reply: Any) -> None:
    try:
        seat.session.post(reply)
    except SlowClient:
        pass
