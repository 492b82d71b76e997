"""Lessons and looking inside the network: the `lesson`, `hidden_space`, `gradient_check` and
`backprop` messages. Compare mode is the page's: it opens a second session for the right side."""

from __future__ import annotations


from engine import ConfigError
from engine.backprop_steps import walk
from engine.datasets import check_points
from engine.features import transform
from engine.gradcheck import GRADCHECK_PARAMS, GRADCHECK_POINTS, PASS_THRESHOLD
from engine.lesson_example import example_walk
from engine.lessons import lesson_trainer

from ..live.hidden_view import HiddenView
from ..live.memory_budget import within_budget
from ..live.session import Session
from ..live.session_config import LessonStart
from ..wire import replies


async def lesson(session: Session, lesson_id: str, side: str) -> None:
    """Set the session to one side of a lesson; its pacing (play, epochs, early stopping) too.

    Unknown ids raise ConfigError("id", code="unknown_lesson"); a right side asked of a
    lesson without compare raises ConfigError("side") (engine.lessons.lesson_trainer, which
    builds the new trainer beside the live one: the session stays as it was).
    """
    chosen = session.lessons.get(lesson_id)
    if chosen is None:
        ids = ", ".join(session.lessons) or "none"
        raise ConfigError("id", f"unknown lesson {lesson_id!r}; allowed: {ids}", code="unknown_lesson", allowed=ids)
    start = LessonStart(lesson_id, side, play=bool(chosen["play"]), epochs=chosen["epochs"],
                        early_stopping=chosen["early_stopping"] or 0)
    await session.replace_trainer(within_budget(
        lambda live: lesson_trainer(chosen, side, previous=live.config, max_points=live.max_points),
        session.max_memory_mb, "id"), start)


async def hidden_space(session: Session, layer: int | None, units: list[int] | None) -> None:
    """Subscribe to the hidden-space view (`layer` null unsubscribes); a frame follows."""
    if layer is None:
        session.unsubscribe_hidden()
        return
    if units is None:
        raise ConfigError("units", "give two unit indices [a, b] of the layer (or layer: null to stop)")
    await session.subscribe_hidden(HiddenView(layer, units))


async def gradient_check(session: Session, plant_bug: bool = False) -> None:
    """Run the engine's numerical gradient check on the current network (with `plant_bug`, of a
    deliberately wrong backprop, to see it fail); reply with the result."""
    async with session.lock:
        trainer = session.trainer
        # every parameter costs two loss evaluations: in a thread, so the server keeps serving
        error = await session.in_thread(lambda: trainer.gradient_check(plant_bug))  # charged to its client
        n_params = min(int(trainer.network.params.size), GRADCHECK_PARAMS)
        n_train = int(trainer.points.train.sum())
        n_points = min(n_train or len(trainer.points.train), GRADCHECK_POINTS)
    session.post(replies.gradient_check(error, threshold=PASS_THRESHOLD, parameters=n_params, points=n_points,
                                        epoch=trainer.epoch))


async def backprop(session: Session, point: list[float] | None, plant_bug: bool) -> None:
    """Reply with the backprop inspector's walk: through `point` [x, y, label] on the current
    network at its learning rate, or without a point through the worked example of the lesson
    that set up the session (ConfigError("point") when there is none). Too large a network or
    maxout: ConfigError (engine.backprop_steps.check_inspectable)."""
    async with session.lock:
        trainer = session.trainer
        if point is None:
            lesson = session.lessons.get(session.lesson_id or "")
            if lesson is None or lesson.get("example") is None:
                raise ConfigError("point", "give a point [x, y, label]; only a lesson with a worked example "
                                           "(backprop_by_hand) has one to show without it")
            example = lesson["example"]
            result, rate = example_walk(example, plant_bug), float(example["learning_rate"])
        else:
            classes = None if trainer.config["problem"] == "regression" else trainer.n_classes
            row = check_points([point], classes)[0]
            inputs = transform(row[None, :2], trainer.config["features"])[0]
            target = trainer.network.encode(row[None, 2])[0]
            rate = float(trainer.config["learning_rate"])
            result = walk(trainer.network, inputs, target, rate, plant_bug)
    session.post(replies.backprop(result, learning_rate=rate, plant_bug=plant_bug))
