"""What a teacher's socket does with the teacher's messages: check them, record what the class
should remember (locks, challenge, the pushed setup, the spotlight), and publish the command
every worker applies to its own students (server.classroom.commands)."""

from __future__ import annotations

import json
from typing import Any

from engine.config import ConfigError, check_value

from ..live.session_config import ALL_KEYS, SESSION_SCHEMA, split_patch
from ..wire import replies
from ..wire.messages import Message, ProtocolError
from .store import ClassRecord, channel


def check_patch(patch: dict[str, Any], field: str) -> dict[str, Any]:
    """Each key known and each value in range (rules between keys are each session's to check,
    since they depend on the rest of its config); raises ProtocolError naming the key."""
    try:
        engine_part, session_part = split_patch(patch)
        checked = {key: check_value(key, value) for key, value in engine_part.items()}
        checked.update({key: check_value(key, value, SESSION_SCHEMA) for key, value in session_part.items()})
    except ConfigError as exc:
        raise ProtocolError("invalid_config", f"{field}: {exc}", field=exc.key) from None
    return checked


class Orders:
    """One teacher socket's commands for its class."""

    def __init__(self, hub: Any, record: ClassRecord, join_url: str) -> None:
        self.hub = hub
        self.record = record
        self.join_url = join_url

    def state(self) -> dict[str, Any]:
        """The `class` message: what the class remembers."""
        r = self.record
        return replies.class_state(r.code, join_url=self.join_url, locks=r.locks, challenge=r.challenge,
                                   setup=r.setup, spotlight=r.spotlight)

    async def renew(self) -> None:
        """Keep the class from expiring while its teacher watches (re-read: another socket of
        the same teacher may have changed it)."""
        fresh = await self.hub.classroom.store.get(self.record.code)
        if fresh is not None:
            self.record = fresh
            await self.hub.classroom.store.save(fresh)

    async def carry_out(self, message: Message, students: set[str]) -> bool:
        """Check, remember and publish one command; True if it ended the class."""
        store = self.hub.classroom.store
        fresh = await store.get(self.record.code)
        if fresh is None:
            raise ProtocolError("unknown_class", "this class has ended or expired", field="class")
        self.record = fresh
        command: dict[str, Any] = {"type": message.type}
        kind = message.type
        if kind in ("push", "pause_all", "play_all", "reset_all"):
            command["students"] = self._chosen(getattr(message, "students"), students)
        if kind == "push":
            if message.lesson is not None:
                if message.lesson not in {lesson["id"] for lesson in self.hub.lessons}:
                    ids = ", ".join(lesson["id"] for lesson in self.hub.lessons)
                    raise ProtocolError("unknown_lesson", f"unknown lesson {message.lesson!r}; allowed: {ids}",
                                        field="lesson")
                command["lesson"] = message.lesson
            else:
                command["config"] = check_patch(message.config, "config")
                self.record.setup = {**(self.record.setup or {}), **command["config"]}
        elif kind == "lock":
            unknown = [key for key in message.keys if key not in ALL_KEYS]
            if unknown:
                raise ProtocolError("invalid_value", f"keys: {unknown[0]!r} is not a config key; allowed: "
                                                     f"{', '.join(ALL_KEYS)}", field="keys")
            command["keys"] = self.record.locks = sorted(set(message.keys))
        elif kind == "spotlight":
            if message.student is not None and message.student not in students:
                raise ProtocolError("unknown_student", f"no student {message.student!r} in this class",
                                    field="student")
            command["student"] = self.record.spotlight = message.student
        elif kind == "challenge":
            challenge = None if message.end else {
                "config": check_patch(message.config or {}, "config"), "max_neurons": message.max_neurons,
                "max_epochs": message.max_epochs}
            command["challenge"] = self.record.challenge = challenge
        if kind == "end_class":
            await store.end(self.record.code)
        else:
            await store.save(self.record)
        await self.hub.classroom.broker.publish(channel("cmd", self.record.code), json.dumps(command).encode())
        return kind == "end_class"

    @staticmethod
    def _chosen(chosen: list[str] | None, students: set[str]) -> list[str] | None:
        """The students a command is for (None: all); an id not in the class is refused."""
        if chosen is None:
            return None
        unknown = [s for s in chosen if s not in students]
        if unknown:
            raise ProtocolError("unknown_student", f"no student {unknown[0]!r} in this class", field="students")
        return chosen
