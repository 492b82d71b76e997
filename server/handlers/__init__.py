"""The message table: type → (model, handler). Adding a message type is one entry here.

A handler gets the session and the validated message. Engine refusals (ConfigError)
become `error` replies with the code the table names; the session keeps its state.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from engine import ConfigError

from ..live.session import Session
from ..wire.messages import (BackpropMessage, CheckpointMessage, ConfigMessage, ExportMessage, GradientCheckMessage,
                             HiddenSpaceMessage, LessonMessage, LoadModelMessage, Message, PauseMessage, PlayMessage,
                             PointsMessage, ProtocolError, RegenerateMessage, ResetMessage, ResumeMessage,
                             SetBiasMessage, SetWeightMessage, SnapshotMessage, StepMessage, parse_message)
from ..wire.class_messages import TEACHER_MODELS, JoinMessage
from . import classroom, exports, insight, resume


@dataclass(frozen=True)
class Route:
    """How one message type is handled."""

    model: type[Message]
    handle: Callable[[Session, Any], Awaitable[None] | None]
    error_code: str | None = None  # for a ConfigError it raises: this code, or None for the error's own

    def code_for(self, exc: ConfigError) -> str:
        return self.error_code or exc.code


HANDLERS: dict[str, Route] = {
    "config": Route(ConfigMessage, lambda s, m: classroom.config(s, m.patch), "invalid_config"),
    "play": Route(PlayMessage, lambda s, m: s.play()),
    "pause": Route(PauseMessage, lambda s, m: s.pause_when_stopped()),
    "step": Route(StepMessage, lambda s, m: s.step(m.epochs)),
    "reset": Route(ResetMessage, lambda s, m: s.reset()),
    "regenerate": Route(RegenerateMessage, lambda s, m: s.regenerate()),
    "snapshot": Route(SnapshotMessage, lambda s, m: s.want_frame()),
    "points": Route(PointsMessage, lambda s, m: s.edit_points(m.add, m.remove, m.clear, m.train)),
    "set_weight": Route(SetWeightMessage, lambda s, m: s.set_parameter("set_weight", m.layer, m.i, m.j, m.value)),
    "set_bias": Route(SetBiasMessage, lambda s, m: s.set_parameter("set_bias", m.layer, m.j, m.value)),
    "export": Route(ExportMessage, lambda s, m: exports.export(s, m)),
    "load_model": Route(LoadModelMessage, classroom.unless_locked(lambda s, m: exports.load(s, m.model)),
                        "invalid_model"),
    "checkpoint": Route(CheckpointMessage, lambda s, m: resume.checkpoint(s)),
    "resume": Route(ResumeMessage, classroom.unless_locked(resume.resume), "invalid_resume"),
    "lesson": Route(LessonMessage, classroom.unless_locked(lambda s, m: insight.lesson(s, m.id, m.side))),
    "hidden_space": Route(HiddenSpaceMessage, lambda s, m: insight.hidden_space(s, m.layer, m.units)),
    "gradient_check": Route(GradientCheckMessage, lambda s, m: insight.gradient_check(s, m.plant_bug)),
    "backprop": Route(BackpropMessage, lambda s, m: insight.backprop(s, m.point, m.plant_bug)),
    "join": Route(JoinMessage, lambda s, m: classroom.join(s, m)),
    # a student's socket refuses the teacher's messages by name (they belong on /ws/teacher)
    **{kind: Route(model, classroom.teacher_only) for kind, model in TEACHER_MODELS.items()},
}

MODELS: dict[str, type[Message]] = {kind: route.model for kind, route in HANDLERS.items()}


async def dispatch(session: Session, text: str, check_type: Callable[[str], None] | None = None) -> None:
    """Parse and apply one client message; raises ProtocolError for anything refused.
    `check_type(kind)` may refuse its type first (server.routes.receiving: a message larger
    than its type allows)."""
    message = parse_message(text, MODELS, check_type)
    route = HANDLERS[message.type]
    try:
        result = route.handle(session, message)
        if inspect.isawaitable(result):
            await result
    except ConfigError as exc:
        raise ProtocolError(route.code_for(exc), str(exc), field=exc.key) from None
