"""Every JSON message the server sends (docs/protocol.md, "Server → client"), built here.

One function per message type, each returning a TypedDict that names the fields and their
types, so the outgoing side is typed like the incoming one (server.wire.messages) and a
reply's shape is written once. They stay plain dicts on the way out: the session's outbox
and the sender only read `type` and serialise. The HTTP upload's answers (`/api/csv`) are
here too: its error body shares the codes of the WebSocket `error`.
"""

from __future__ import annotations

import math

from typing import Any, Literal, Mapping, TypedDict

from .numbers import finite

DIVERGED_HINT = "training diverged (a loss or weight became NaN or infinite): lower the learning rate, then reset"

SessionState = Literal["playing", "paused", "diverged"]
PauseReason = Literal["early_stopping", "epochs"]


class HelloReply(TypedDict):
    type: Literal["hello"]
    protocol: int
    server_version: str
    config: dict[str, Any]
    version: int
    schema_version: int
    limits: dict[str, Any]


class ConfigReply(TypedDict):
    type: Literal["config"]
    config: dict[str, Any]
    version: int
    reset: list[str]


class DataReply(TypedDict):
    type: Literal["data"]
    version: int
    problem: str
    n_classes: int
    train: list[list[float]]
    test: list[list[float]]


class StateReply(TypedDict):
    type: Literal["state"]
    state: SessionState
    epoch: int
    diverged_epoch: int | None
    hint: str | None
    reason: PauseReason | None


class ErrorReply(TypedDict):
    type: Literal["error"]
    code: str
    field: str | None
    message: str


class ExportReply(TypedDict):
    type: Literal["export"]
    format: str
    filename: str
    mime: str
    content: str


class CheckpointReply(TypedDict):
    type: Literal["checkpoint"]
    epoch: int
    version: int
    state: dict[str, Any] | None  # engine.resume's data; None when there is nothing to resume
    session: dict[str, Any]
    reason: str | None


class LessonReply(TypedDict):
    type: Literal["lesson"]
    id: str
    side: str


class HiddenSpaceReply(TypedDict):
    type: Literal["hidden_space"]
    layer: None  # the server only ever says that a subscription ended


class GradientCheckReply(TypedDict):
    type: Literal["gradient_check"]
    max_relative_error: float | None
    passed: bool
    threshold: float
    parameters: int
    points: int
    epoch: int


# "class" is a Python keyword, so these two are written in TypedDict's functional form
JoinedReply = TypedDict("JoinedReply", {"type": Literal["joined"], "class": str, "student": str, "name": str,
                                        "token": str, "locked": list[str]})
ClassEndedReply = TypedDict("ClassEndedReply", {"type": Literal["class_ended"], "class": str})


class LockedReply(TypedDict):
    type: Literal["locked"]
    keys: list[str]


NoticeKind = Literal["push", "pause_all", "play_all", "reset_all", "challenge"]


class NoticeReply(TypedDict):
    type: Literal["notice"]
    kind: NoticeKind
    message: str


Reply = (HelloReply | ConfigReply | DataReply | StateReply | ErrorReply | ExportReply | LessonReply
         | HiddenSpaceReply | GradientCheckReply | JoinedReply | LockedReply | NoticeReply | ClassEndedReply)


class BackpropLayer(TypedDict):
    net: list[float]
    out: list[float]


class BackpropReply(TypedDict):
    type: Literal["backprop"]
    inputs: list[float]
    targets: list[float]
    weights: list[list[list[float]]]
    biases: list[list[float]]
    loss: float | None
    layers: list[BackpropLayer]
    deltas: list[list[float]]
    grad_w: list[list[list[float]]]
    grad_b: list[list[float]]
    updated_w: list[list[list[float]]]
    updated_b: list[list[float]]
    learning_rate: float
    plant_bug: bool


Reply = (HelloReply | ConfigReply | DataReply | StateReply | ErrorReply | ExportReply | LessonReply
         | HiddenSpaceReply | GradientCheckReply | BackpropReply)


def hello(*, protocol: int, server_version: str, config: dict[str, Any], version: int,
          limits: dict[str, Any]) -> HelloReply:
    """The first message of a session: protocol, the full config and the server's limits."""
    return {"type": "hello", "protocol": protocol, "server_version": server_version, "config": config,
            "version": version, "schema_version": 1, "limits": limits}


def config(config: dict[str, Any], *, version: int, reset: list[str]) -> ConfigReply:
    """The full config after a change; `reset` lists the parts that were rebuilt."""
    return {"type": "config", "config": config, "version": version, "reset": reset}


def data(points: Mapping[str, Any], *, version: int) -> DataReply:
    """The session's points as engine.Trainer.data() gives them (problem, n_classes, train, test)."""
    return {"type": "data", "version": version, "problem": points["problem"], "n_classes": points["n_classes"],
            "train": points["train"], "test": points["test"]}


def state(state: SessionState, *, epoch: int, diverged_epoch: int | None,
          reason: PauseReason | None = None) -> StateReply:
    """Playing, paused or diverged; a diverged state carries its epoch and the hint."""
    diverged = state == "diverged"
    return {"type": "state", "state": state, "epoch": epoch, "diverged_epoch": diverged_epoch if diverged else None,
            "hint": DIVERGED_HINT if diverged else None, "reason": reason}


def error(code: str, message: str, field: str | None = None) -> ErrorReply:
    """A refused message or a server-side failure (codes: docs/protocol.md)."""
    return {"type": "error", "code": code, "field": field, "message": message}


def export(fmt: str, *, filename: str, mime: str, content: str) -> ExportReply:
    """A file for the page to offer as a download."""
    return {"type": "export", "format": fmt, "filename": filename, "mime": mime, "content": content}


def checkpoint(state: dict[str, Any] | None, *, session: dict[str, Any], epoch: int, version: int,
               reason: str | None = None) -> CheckpointReply:
    """The run as the page keeps it to hand back (`resume`) after a server restart; `state`
    None with the `reason` when it cannot be resumed (a diverged network)."""
    return {"type": "checkpoint", "epoch": epoch, "version": version, "state": state, "session": session,
            "reason": reason}


def lesson(lesson_id: str, side: str) -> LessonReply:
    """A lesson was applied (its config, data and state follow)."""
    return {"type": "lesson", "id": lesson_id, "side": side}


def hidden_space_ended() -> HiddenSpaceReply:
    """The hidden-space subscription ended (unsubscribed, or its layer or units went away)."""
    return {"type": "hidden_space", "layer": None}


def gradient_check(error: float, *, threshold: float, parameters: int, points: int,
                   epoch: int) -> GradientCheckReply:
    """The numerical gradient check's result: its largest relative error (null if not finite)
    and whether that is below `threshold`."""
    shown = finite(error)
    return {"type": "gradient_check", "max_relative_error": shown, "passed": shown is not None and error < threshold,
            "threshold": threshold, "parameters": parameters, "points": points, "epoch": epoch}


# ---- classroom mode: to a student ---------------------------------------------------------------


def joined(code: str, student: str, name: str, token: str, locked: list[str]) -> JoinedReply:
    """The session sits in class `code` as `student`; `token` brings the same student back
    (send it with the next join); `locked` are the keys the teacher locked."""
    return {"type": "joined", "class": code, "student": student, "name": name, "token": token, "locked": locked}


def locked(keys: list[str]) -> LockedReply:
    """The teacher locked these config keys (the page disables their controls); [] unlocks."""
    return {"type": "locked", "keys": keys}


def notice(kind: NoticeKind, message: str) -> NoticeReply:
    """The teacher changed this session (the page shows `message`)."""
    return {"type": "notice", "kind": kind, "message": message}


def class_ended(code: str) -> ClassEndedReply:
    """The teacher ended the class: the session goes on alone."""
    return {"type": "class_ended", "class": code}


# ---- classroom mode: to the teacher --------------------------------------------------------------


def roster(students: list[dict[str, Any]], ranking: list[str] | None) -> dict[str, Any]:
    """Every student of the class (entries as docs/protocol.md lists them); `ranking`: the
    challenge's student ids by test loss within the budget, best first (null: no challenge)."""
    return {"type": "roster", "students": students, "ranking": ranking}


def class_state(code: str, *, join_url: str, locks: list[str], challenge: dict[str, Any] | None,
                setup: dict[str, Any] | None, spotlight: str | None) -> dict[str, Any]:
    """The class as the teacher set it (sent on connect and after every command)."""
    return {"type": "class", "class": code, "join_url": join_url, "locks": locks, "challenge": challenge,
            "setup": setup, "spotlight": spotlight}


def backprop(walk: dict[str, Any], *, learning_rate: float, plant_bug: bool) -> BackpropReply:
    """The backprop inspector's walk (engine.backprop_steps.walk) for one example, full float64
    precision (the notes' numbers to 9 significant digits); a loss that is not finite is null."""
    w = _finite_tree(walk)
    return {"type": "backprop", "inputs": w["inputs"], "targets": w["targets"], "weights": w["weights"], "biases": w["biases"], "loss": w["loss"], "layers": w["layers"], "deltas": w["deltas"],
            "grad_w": w["grad_w"], "grad_b": w["grad_b"], "updated_w": w["updated_w"], "updated_b": w["updated_b"],
            "learning_rate": learning_rate, "plant_bug": plant_bug}


def _finite_tree(value: Any) -> Any:
    """`value` with every float that is not finite (a diverged network's) as None, unrounded."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite_tree(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_finite_tree(v) for v in value]
    return value


# ---- HTTP: POST /api/csv ------------------------------------------------------------------------


class UploadErrorDetail(TypedDict):
    code: str
    field: str
    line: int | None
    message: str


class UploadError(TypedDict):
    error: UploadErrorDetail


class UploadedPoints(TypedDict):
    points: list[list[float]]
    problem: str
    n_classes: int
    class_names: list[str] | None
    scale: float
    messages: list[str]
    rows: int
    split: list[bool] | None


def upload_error(code: str, field: str, message: str, line: int | None = None) -> UploadError:
    """`{"error": {code, field, line, message}}`: a refused upload (sent with a 4xx status)."""
    return {"error": {"code": code, "field": field, "line": line, "message": message}}


def uploaded_points(*, points: list[list[float]], problem: str, n_classes: int, class_names: list[str] | None,
                    scale: float, messages: list[str], split: list[bool] | None) -> UploadedPoints:
    """A parsed upload: its points (scaled to the plane), class names, notes and own split."""
    return {"points": points, "problem": problem, "n_classes": n_classes, "class_names": class_names,
            "scale": scale, "messages": messages, "rows": len(points), "split": split}
