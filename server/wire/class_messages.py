"""Classroom messages: a student's `join`, and what a teacher's socket sends (docs/protocol.md,
"Classroom"). Strict like server.wire.messages, whose parser reads them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from .messages import Message

StudentId = Annotated[str, Field(min_length=1, max_length=40)]
Students = Annotated[list[StudentId], Field(min_length=1, max_length=1000)] | None


class JoinMessage(Message):
    type: Literal["join"]
    # lengths are checked loosely here and exactly (with the allowed range named) by the classroom
    class_: Annotated[str, Field(alias="class", min_length=1, max_length=40)]
    name: Annotated[str, Field(max_length=400)]
    token: Annotated[str, Field(min_length=1, max_length=100)] | None = None  # from an earlier `joined`


class PushMessage(Message):
    type: Literal["push"]
    config: dict[str, Any] | None = None
    lesson: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    students: Students = None

    @model_validator(mode="after")
    def _one_of(self) -> "PushMessage":
        if (self.config is None) == (self.lesson is None):
            raise ValueError("give exactly one of config or lesson")
        return self


class PauseAllMessage(Message):
    type: Literal["pause_all"]
    students: Students = None


class PlayAllMessage(Message):
    type: Literal["play_all"]
    students: Students = None


class ResetAllMessage(Message):
    type: Literal["reset_all"]
    students: Students = None


class LockMessage(Message):
    type: Literal["lock"]
    keys: Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(max_length=100)]


class SpotlightMessage(Message):
    type: Literal["spotlight"]
    student: StudentId | None


class ChallengeMessage(Message):
    type: Literal["challenge"]
    # null ends the challenge; `config` is what every student gets (e.g. {"dataset": "spiral"})
    config: dict[str, Any] | None = None
    max_neurons: int = Field(8, ge=1, le=1000)
    max_epochs: int = Field(300, ge=1, le=1_000_000)
    end: bool = False


class EndClassMessage(Message):
    type: Literal["end_class"]


TEACHER_MODELS: dict[str, type[Message]] = {
    "push": PushMessage, "pause_all": PauseAllMessage, "play_all": PlayAllMessage, "reset_all": ResetAllMessage,
    "lock": LockMessage, "spotlight": SpotlightMessage, "challenge": ChallengeMessage, "end_class": EndClassMessage,
}
