"""This worker's part of every class: joins, the roster slices it publishes ten times a second,
and the teacher's commands it applies to its own students (server.classroom.commands).

Every worker publishes the students it holds on `nnp:roster:CODE` (JSON) and their thumbnails
on `nnp:thumbs:CODE` (frames); the teacher's socket, on whichever worker, merges the slices.
Commands arrive on `nnp:cmd:CODE`, to which a worker subscribes while it has students there.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any

from engine.config import ConfigError

from ..wire import replies
from ..wire.messages import ProtocolError
from .broker import Broker
from .codes import check_name, normal_code
from .commands import apply_command
from .gate import JoinGate
from .seats import LocalClass, Seat
from .store import ClassStore, channel

log = logging.getLogger("nn_playground.classroom")

# Each worker publishes its students ten times a second; the teacher's socket sends the merged
# roster at most twice a second (routes/teacher.py). Publishing only as often as the teacher
# sends let the two ticks add up to a roster a second old; a slice is a few kB of JSON. At 100
# students, 0.1 s against 0.25 s took the roster's median staleness from 0.36-0.45 s to 0.25 s
# (bench/classroom_bench.py, two runs each). Its p95 (1.0-1.7 s) was the publishing itself: one broker
# round trip per thumbnail made a cycle take 0.75 s; they now go in one (Broker.publish_all).
PUBLISH_SECONDS = 0.1
SPOTLIGHT_SECONDS = 1 / 15  # a spotlit student's frames reach the teacher at most 15 a second


class Classroom:
    """The classes this process has students in (one per worker, made by the Hub)."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.store = ClassStore(broker)
        self.worker = uuid.uuid4().hex[:12]
        self.classes: dict[str, LocalClass] = {}
        self.gate = JoinGate()
        self._tasks: list[asyncio.Task[None]] = []

    # ---- students ---------------------------------------------------------------------------

    async def join(self, session: Any, code_text: str, name_text: str, token: str | None) -> None:
        """Seat `session` in a class (again, as the same student, when `token` is theirs)."""
        address = session.address or "local"
        if not self.gate.admits(address):
            raise ProtocolError("rate_limited", "too many join attempts from this address; wait a minute",
                                field="class")
        name = check_name(name_text)
        code = normal_code(code_text)
        record = await self.store.get(code) if code else None
        if record is None:
            self.gate.missed(address)
            raise ConfigError("class", f"no class with code {code_text[:12]!r} (ended, expired or mistyped)",
                              code="unknown_class")
        if session.class_seat is not None:
            self.leave(session)
        student = await self.store.student(token) if token else None
        if student is None or student.code != record.code:
            student, token = await self.store.new_student(record, name)
        elif student.name != name:
            student = type(student)(student.code, student.id, name)
            await self.store.save_student(token, student)
        else:
            await self.store.save(record)  # renew the class's idle expiry
        room = await self._room(record.code, record)
        old = room.seats.get(student.id)
        if old is not None and old.session is not session:  # the same student's previous page
            old.session.class_seat = None
        seat = Seat(session, room, student.id, name, token)
        room.seats[student.id] = seat
        session.class_seat = seat
        session.post(replies.joined(record.code, student.id, name, token, sorted(room.locks)))

    def leave(self, session: Any) -> None:
        """The session closed or joined elsewhere: its seat goes (the student record stays)."""
        seat = session.class_seat
        if seat is None:
            return
        session.class_seat = None
        if seat.room.seats.get(seat.id) is seat:
            del seat.room.seats[seat.id]

    async def _room(self, code: str, record: Any) -> LocalClass:
        room = self.classes.get(code)
        if room is None:
            room = LocalClass(code, frozenset(record.locks), record.challenge, record.spotlight)
            self.classes[code] = room
            room.unsubscribe = await self.broker.subscribe(
                channel("cmd", code), lambda message: self._spawn(self._command(room, message)))
        return room

    def locked_keys(self, session: Any, keys: Any) -> list[str]:
        """Which of `keys` the teacher locked for this session's class."""
        seat = session.class_seat
        return [] if seat is None else [k for k in keys if k in seat.room.locks]

    # ---- the teacher's commands -------------------------------------------------------------

    async def _command(self, room: LocalClass, message: bytes) -> None:
        try:
            command = json.loads(message)
            ended = await apply_command(room, command)
        except Exception:  # one bad command must not stop the class
            log.exception("applying a class command failed")
            return
        if ended:
            await self._forget(room)

    async def _forget(self, room: LocalClass) -> None:
        self.classes.pop(room.code, None)
        if room.unsubscribe is not None:
            await room.unsubscribe()

    # ---- what the teacher sees --------------------------------------------------------------

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._publish_rosters()), loop.create_task(self._relay_spotlights())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.broker.close()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.append(task)
        task.add_done_callback(lambda t: t in self._tasks and self._tasks.remove(t))

    async def _publish_rosters(self) -> None:
        while True:
            await asyncio.sleep(PUBLISH_SECONDS)
            now = time.monotonic()
            for room in list(self.classes.values()):
                try:
                    await self._publish_roster(room, now)
                except Exception:  # the broker is down: the next tick tries again
                    log.exception("publishing the roster of %s failed", room.code)

    async def _publish_roster(self, room: LocalClass, now: float) -> None:
        thumbs = [t for t in (seat.refresh(now) for seat in list(room.seats.values())) if t is not None]
        students = [seat.entry() for seat in list(room.seats.values())]
        roster = json.dumps({"worker": self.worker, "students": students}, separators=(",", ":")).encode()
        # one round trip for the slice and every thumbnail due (server.classroom.resp.pipeline)
        await self.broker.publish_all([(channel("roster", room.code), roster),
                                       *((channel("thumbs", room.code), thumb) for thumb in thumbs)])
        if not room.seats:  # its last student here left (the teacher's roster has been told)
            await self._forget(room)

    async def _relay_spotlights(self) -> None:
        """The spotlit student's frames, as they are sent to the student, to the teacher."""
        from .frame_view import spotlight_frame
        last: dict[str, bytes] = {}
        while True:
            await asyncio.sleep(SPOTLIGHT_SECONDS)
            for room in list(self.classes.values()):
                seat = room.seats.get(room.spotlight) if room.spotlight else None
                frame = seat.session.last_frame if seat is not None else None
                if frame is None or last.get(room.code) is frame:
                    continue
                last[room.code] = frame
                try:
                    await self.broker.publish(channel("spot", room.code), spotlight_frame(frame, seat.id))
                except Exception:
                    log.exception("relaying the spotlight of %s failed", room.code)
