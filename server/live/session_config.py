"""The session keys (pacing) that live beside the engine's config in one flat config object.

They use `engine.config.Field` and `apply_patch`, so a client sees one config and one kind
of error. `split_patch` routes each key of a patch to the engine or to the session and
rejects keys that belong to neither, naming every allowed key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from engine.config import SCHEMA, ConfigError, Field, apply_patch, describe_schema, validate_config

SESSION_SCHEMA: dict[str, Field] = {
    "epochs_per_second": Field("float", 60, lo=0, hi=1000,
                               doc="Training pace while playing; 0 trains as fast as the server allows.",
                               resets=(), presets=(1, 2, 5, 10, 20, 30, 60, 120, 250, 500, 1000, 0)),
    "fps": Field("int", 30, lo=1, hi=60, doc="Frames per second sent at most while playing.", resets=()),
    "early_stopping": Field("int", 0, lo=0, hi=1000,
                            doc="Early stopping: pause when the test loss has not improved for this many "
                                "epochs; 0 turns it off.", resets=()),
}

ALL_KEYS = (*SCHEMA, *SESSION_SCHEMA)


@dataclass(frozen=True)
class LessonStart:
    """What a lesson sets besides the trainer (epochs: its run length; early_stopping: 0 = off)."""

    id: str
    side: str
    play: bool
    epochs: int | None
    early_stopping: int


def default_session_config() -> dict[str, Any]:
    """The session keys at their defaults."""
    return validate_config({}, schema=SESSION_SCHEMA)


def split_patch(patch: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a config patch into (engine part, session part); unknown keys raise ConfigError."""
    if not isinstance(patch, Mapping):
        raise ConfigError("patch", "expected an object of key: value pairs")
    engine_part: dict[str, Any] = {}
    session_part: dict[str, Any] = {}
    for key, value in patch.items():
        if key in SCHEMA:
            engine_part[key] = value
        elif key in SESSION_SCHEMA:
            session_part[key] = value
        else:
            raise ConfigError(str(key), f"unknown key; allowed keys: {', '.join(ALL_KEYS)}")
    return engine_part, session_part


def check_session_patch(current: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """The session keys after `patch` (validated; nothing is applied here)."""
    new, _changed = apply_patch(current, patch, schema=SESSION_SCHEMA)
    return new


def describe_session_schema() -> dict[str, Any]:
    """The session keys as JSON-ready data (the `session` part of /api/schema)."""
    return describe_schema(SESSION_SCHEMA)
