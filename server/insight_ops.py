"""Lessons and looking inside the network: the `lesson`, `hidden_space` and `gradient_check`
messages (issue 6). Compare mode is the page's: it opens a second session for the right side."""

from __future__ import annotations

import asyncio

from engine import ConfigError
from engine.gradcheck import PASS_THRESHOLD
from engine.lessons import lesson_trainer
from engine.trainer import GRADCHECK_PARAMS, GRADCHECK_POINTS

from .hidden_view import HiddenView
from .messages import finite
from .session import Session


async def lesson(session: Session, lesson_id: str, side: str) -> None:
    """Set the session to one side of a lesson; its pacing (play, epochs, early stopping) too.

    Unknown ids raise ConfigError("id", code="unknown_lesson"); a right side asked of a
    lesson without compare raises ConfigError("side") (engine.lessons.lesson_trainer, which
    builds the new trainer aside: nothing changes unless it is complete).
    """
    chosen = session.lessons.get(lesson_id)
    if chosen is None:
        ids = ", ".join(session.lessons) or "none"
        raise ConfigError("id", f"unknown lesson {lesson_id!r}; allowed: {ids}", code="unknown_lesson", allowed=ids)
    async with session.lock:
        trainer, reset = lesson_trainer(chosen, side, previous=session.trainer.config,
                                        max_points=session.trainer.max_points)
        session.trainer = trainer
        session.pace = {**session.pace, "early_stopping": chosen["early_stopping"] or 0}
        session.run.set_patience(session.pace["early_stopping"])
        session.playing = bool(chosen["play"])
        session.post({"type": "lesson", "id": lesson_id, "side": side})
        # the lesson's run starts now: restarted() forgets the previous run first
        session.restarted(reset, data=True)
        session.run.epoch_target = chosen["epochs"]
        if session.playing:
            session.credit, session.credit_stamp = 0.0, session.clock()


async def hidden_space(session: Session, layer: int | None, units: list[int] | None) -> None:
    """Subscribe to the hidden-space view (`layer` null unsubscribes); a frame follows."""
    if layer is None:
        session.hidden = None
        session.post({"type": "hidden_space", "layer": None})
        return
    if units is None:
        raise ConfigError("units", "give two unit indices [a, b] of the layer (or layer: null to stop)")
    view = HiddenView(layer, units)
    async with session.lock:
        view.check(session.trainer)
        session.hidden = view
    session.want_frame()


async def gradient_check(session: Session) -> None:
    """Run the engine's numerical gradient check on the current network; reply with the result."""
    async with session.lock:
        trainer = session.trainer
        # every parameter costs two loss evaluations: in a thread, so the server keeps serving
        error = await asyncio.to_thread(trainer.gradient_check)
        n_params = min(int(trainer.network.params.size), GRADCHECK_PARAMS)
        n_train = int(trainer.points.train.sum())
        n_points = min(n_train or len(trainer.points.train), GRADCHECK_POINTS)
    error_json = finite(error)
    session.post({"type": "gradient_check", "max_relative_error": error_json,
                  "passed": error_json is not None and error < PASS_THRESHOLD, "threshold": PASS_THRESHOLD,
                  "parameters": n_params, "points": n_points, "epoch": trainer.epoch})
