"""A run that outlives its server: the `checkpoint` and `resume` messages.

The page asks for a `checkpoint` now and then (every few seconds while its run changes, and on
pause) and keeps the last one; when its socket comes back after a restart it hands it to the new
process with `resume`, and training goes on from there, bit for bit (engine.resume). The server
keeps nothing: a restarted process holds no sessions, so what is resumed is only ever what the
page kept. A `resume` is checked like any upload: the session keys, the loss history and every
field of the state, then the memory budget; the new trainer is built aside, so a refusal
(`invalid_resume`, field `state`, `session` or `history`) changes nothing.
"""

from __future__ import annotations

from typing import Any

from engine import ConfigError, Trainer
from engine.resume import resume_state, trainer_from_resume

from ..live.memory_budget import within_budget
from ..live.session import Session
from ..live.session_config import check_session_patch, split_patch
from ..wire import replies
from ..wire.messages import ResumeMessage
from ..wire.numbers import finite


def _state_or_reason(trainer: Trainer) -> tuple[dict[str, Any] | None, str | None]:
    """The trainer's resume state, or None and why not (a diverged network has nothing to go on with)."""
    if trainer.diverged:
        return None, "diverged"
    try:
        return resume_state(trainer), None
    except ConfigError as exc:
        return None, exc.message


async def checkpoint(session: Session) -> None:
    """Reply `checkpoint`: the run as it is now (engine.resume) and the session keys."""
    async with session.lock:
        trainer = session.trainer
        state, reason = await session.in_thread(lambda: _state_or_reason(trainer))  # charged to its client
        session.post(replies.checkpoint(state, session=dict(session.pace), epoch=trainer.epoch,
                                        version=session.version, reason=reason))


def _check_session_keys(session: Session, keys: dict[str, Any]) -> dict[str, Any]:
    """The session keys of a resume, checked (only session keys: the engine's travel in the state)."""
    try:
        engine_part, session_part = split_patch(keys)
        if engine_part:
            raise ConfigError(next(iter(engine_part)), "an engine key; the state carries the engine's config")
        check_session_patch(session.pace, session_part)
    except ConfigError as exc:
        raise ConfigError("session", f"{exc.key}: {exc.message}") from None
    return session_part


def _check_history(history: list[list[float | None]], epoch: int) -> list[list[Any]]:
    """The history as the run keeps it: [epoch, train loss, test loss], whole epochs increasing up
    to the state's epoch."""
    last = 0
    for i, (e, _train, _test) in enumerate(history):
        if e is None or not float(e).is_integer() or not last < e <= epoch:
            raise ConfigError("history", f"history[{i}]: epoch {e} must be a whole number above {last} and at most "
                                         f"the state's epoch {epoch}")
        last = int(e)
    return [[int(e), finite(train), finite(test)] for e, train, test in history]


async def resume(session: Session, message: ResumeMessage) -> None:
    """Replace the session's trainer with the resumed run; its session keys and loss history
    follow. Replies as a loaded model's (`config` with `reset` [], `data`, `state`, a frame),
    then `config` again when session keys changed. ConfigError names what was refused."""
    keys = _check_session_keys(session, message.session)
    built = await session.in_thread(lambda: trainer_from_resume(message.state, max_points=session.max_points))
    history = _check_history(message.history, built.epoch)
    await session.replace_trainer(within_budget(lambda live: (built, []), session.max_memory_mb, "state"))
    async with session.lock:
        if session.trainer is built:  # the run's losses so far: the loss-history download and early stopping
            session.run.record(history, built.epoch)
    if keys:
        await session.apply_config(keys)
