"""Class and student records in the broker: what every worker and server must agree on.

A class is `nnp:class:CODE` → its teacher token's hash, locked keys, challenge and the setup
the teacher last pushed; a student is `nnp:student:TOKEN` → class, id and name, so a page that
reloads (and sends its token again) comes back as the same student on any worker. Both keys
expire after 12 hours without activity: every join, teacher command and (while a teacher
is connected) every minute renews the class.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from .broker import Broker
from .codes import new_code, new_token, token_hash, token_matches

IDLE_SECONDS = 12 * 3600


@dataclass
class ClassRecord:
    """A class as stored (JSON in the broker)."""

    code: str
    teacher: str  # sha256 of the teacher token
    locks: list[str] = field(default_factory=list)
    challenge: dict[str, Any] | None = None
    setup: dict[str, Any] | None = None  # the config the teacher last pushed (the dashboard's "differs")
    spotlight: str | None = None
    next_student: int = 1

    def admits_teacher(self, token: str) -> bool:
        return token_matches(token, self.teacher)


@dataclass(frozen=True)
class StudentRecord:
    """A student as stored: which class, which id, which name."""

    code: str
    id: str
    name: str


class ClassStore:
    """Create, read, renew and end classes and students through a broker."""

    def __init__(self, broker: Broker, idle_seconds: float = IDLE_SECONDS) -> None:
        self.broker = broker
        self.idle_seconds = idle_seconds

    async def create(self) -> tuple[ClassRecord, str]:
        """A new class with a code nobody holds, and its teacher token (returned once, never stored)."""
        token = new_token()
        for _ in range(20):
            code = new_code()
            if await self.broker.get(_class_key(code)) is None:
                record = ClassRecord(code, token_hash(token))
                await self.save(record)
                return record, token
        raise RuntimeError("no free class code found")  # 20 collisions in 244 million: not this universe

    async def get(self, code: str) -> ClassRecord | None:
        raw = await self.broker.get(_class_key(code))
        return None if raw is None else ClassRecord(**json.loads(raw))

    async def save(self, record: ClassRecord) -> None:
        """Store the record and renew its 12-hour idle expiry."""
        await self.broker.set(_class_key(record.code), json.dumps(asdict(record)).encode(), self.idle_seconds)

    async def end(self, code: str) -> None:
        await self.broker.delete(_class_key(code))

    async def new_student(self, record: ClassRecord, name: str) -> tuple[StudentRecord, str]:
        """A student id in the class and the token that brings the same student back.

        Ids count up per class; two servers joining at the same instant could take one id
        twice, so the id carries a random tail as well."""
        token = new_token()
        student = StudentRecord(record.code, f"s{record.next_student}-{secrets.token_hex(2)}", name)
        record.next_student += 1
        await self.save(record)
        await self.save_student(token, student)
        return student, token

    async def save_student(self, token: str, student: StudentRecord) -> None:
        await self.broker.set(_student_key(token), json.dumps(asdict(student)).encode(), self.idle_seconds)

    async def student(self, token: str) -> StudentRecord | None:
        raw = await self.broker.get(_student_key(token))
        return None if raw is None else StudentRecord(**json.loads(raw))


def _class_key(code: str) -> str:
    return f"nnp:class:{code}"


def _student_key(token: str) -> str:
    return f"nnp:student:{token_hash(token)}"


def channel(kind: str, code: str) -> str:
    """A class's pub/sub channel: roster, thumbs, cmd or spot."""
    return f"nnp:{kind}:{code}"
