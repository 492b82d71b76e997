"""Client messages: typed models and the parser that turns text into one of them.

Every model forbids unknown fields and is strict about types (no "3" for 3, no true for
1), so a typo or a wrong type is reported instead of guessed at. `parse_message` raises
`ProtocolError`, whose `code`, `field` and `message` go straight into an `error` reply
(codes as in docs/protocol.md). Which type maps to which model is the handler table's
business (server.handlers), so adding a message type is one entry there.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Callable, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .replies import ErrorReply, error

# Errors that mean "right type, value outside what is allowed" rather than "wrong shape".
_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number"}


class ProtocolError(Exception):
    """A message the server cannot act on; becomes an `error` reply, never a crash."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message

    def reply(self) -> ErrorReply:
        """The `error` message for the client."""
        return error(self.code, self.message, self.field)


class Message(BaseModel):
    """Base of all client messages: strict types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class ConfigMessage(Message):
    type: Literal["config"]
    patch: dict[str, Any]


class PlayMessage(Message):
    type: Literal["play"]


class PauseMessage(Message):
    type: Literal["pause"]


class StepMessage(Message):
    type: Literal["step"]
    epochs: int = Field(1, ge=1, le=1000)


class ResetMessage(Message):
    type: Literal["reset"]


class RegenerateMessage(Message):
    type: Literal["regenerate"]


class SnapshotMessage(Message):
    type: Literal["snapshot"]


# [x, y, label] and [x, y]; ranges (domain, class count) are the engine's to check.
PointToAdd = Annotated[list[float], Field(min_length=3, max_length=3)]
PointToRemove = Annotated[list[float], Field(min_length=2, max_length=2)]


class PointsMessage(Message):
    type: Literal["points"]
    add: list[PointToAdd] | None = None
    train: list[bool] | None = None  # the added points' own split (an uploaded file's column)
    remove: list[PointToRemove] | None = None
    clear: bool = False

    @model_validator(mode="after")
    def _something_to_do(self) -> "PointsMessage":
        if self.add is None and self.remove is None and not self.clear:
            raise ValueError("give at least one of add, remove or clear: true")
        if self.train is not None and (self.add is None or len(self.train) != len(self.add)):
            raise ValueError("train needs one true/false flag per point of add")
        return self


class SetWeightMessage(Message):
    type: Literal["set_weight"]
    layer: int = Field(ge=0)
    i: int = Field(ge=0)
    j: int = Field(ge=0)
    value: float


class SetBiasMessage(Message):
    type: Literal["set_bias"]
    layer: int = Field(ge=0)
    j: int = Field(ge=0)
    value: float


ClassName = Annotated[str, Field(min_length=1, max_length=40)]


class ExportMessage(Message):
    type: Literal["export"]
    format: Literal["model", "numpy", "pytorch", "numpy_training", "pytorch_training", "notebook", "data_csv",
                    "history_csv"]
    # data_csv: write these names instead of class indices (the names an uploaded file had)
    class_names: list[ClassName] | None = Field(None, min_length=2, max_length=5)
    # the training exports: retrain from the run's initial weights, or go on from the current ones
    start: Literal["initial", "current"] = "initial"


class LoadModelMessage(Message):
    type: Literal["load_model"]
    model: dict[str, Any]  # a model file's JSON; engine.export.trainer_from_model checks its contents


class CheckpointMessage(Message):
    type: Literal["checkpoint"]


# [epoch, train_loss, test_loss] as frames carry them (a loss that was not finite is null); the
# epochs' order and range are the handler's to check (server.handlers.resume)
HistoryPoint = Annotated[list[float | None], Field(min_length=3, max_length=3)]


class ResumeMessage(Message):
    type: Literal["resume"]
    state: dict[str, Any]  # a checkpoint's `state`; engine.resume.trainer_from_resume checks its contents
    session: dict[str, Any] = {}  # a checkpoint's `session` keys (server.live.session_config checks them)
    history: list[HistoryPoint] = Field([], max_length=100_000)  # the run's losses so far, epochs increasing


class LessonMessage(Message):
    type: Literal["lesson"]
    id: Annotated[str, Field(min_length=1, max_length=64)]
    side: Literal["left", "right"] = "left"


class HiddenSpaceMessage(Message):
    type: Literal["hidden_space"]
    # null unsubscribes. Ranges depend on the network, so the session checks them (naming
    # the allowed range), as it does a missing `units` when a layer is given.
    layer: int | None
    units: Annotated[list[int], Field(min_length=2, max_length=2)] | None = None


class GradientCheckMessage(Message):
    type: Literal["gradient_check"]
    plant_bug: bool = False  # check a deliberately wrong backprop (engine.backprop_steps), never training


class BackpropMessage(Message):
    type: Literal["backprop"]
    point: PointToAdd | None = None  # [x, y, label]; without it, the lesson's worked example
    plant_bug: bool = False


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_message(text: str, models: Mapping[str, type[Message]],
                  check_type: Callable[[str], None] | None = None) -> Message:
    """The typed message in `text`; raises ProtocolError naming what is wrong. `check_type(kind)`
    may refuse the type before the rest is checked (a message too large for its type)."""
    check = check_type or (lambda kind: None)
    try:
        obj = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        check("")  # a message too large for any type says that first
        raise ProtocolError("bad_json", f"not valid JSON: {exc}") from None
    kind = obj.get("type") if isinstance(obj, dict) else None
    check(kind if isinstance(kind, str) else "")
    if not isinstance(obj, dict):
        raise ProtocolError("bad_message", "a message must be a JSON object with a \"type\"")
    if not isinstance(kind, str):
        raise ProtocolError("bad_message", "missing or non-string \"type\"", field="type")
    model = models.get(kind)
    if model is None:
        raise ProtocolError("unknown_type", f"unknown message type {kind[:40]!r}; allowed: {', '.join(models)}",
                            field="type")
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        raise _protocol_error(exc) from None


def _protocol_error(exc: ValidationError) -> ProtocolError:
    """The first validation problem, as a ProtocolError with the offending field."""
    first = exc.errors(include_url=False)[0]
    loc = [str(part) for part in first["loc"]]
    field = loc[0] if loc else None
    where = ".".join(loc) if loc else "message"
    code = "invalid_value" if first["type"] in _RANGE_ERRORS else "bad_message"
    if first["type"] == "extra_forbidden":
        return ProtocolError("bad_message", f"{where}: unknown field", field=field)
    return ProtocolError(code, f"{where}: {first['msg']}", field=field)
