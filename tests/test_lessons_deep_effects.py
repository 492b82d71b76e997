"""The deeper-network lessons (issue 18) show their claims on five seeds each: the lesson's own
and four more, both sides built by engine.lessons.lesson_trainer as the class gets them, in the
style of tests/test_lessons_effects.py (whose helper refuses a diverging side: the clipping
lesson's left side diverges on purpose, so these tests build their sides themselves)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Trainer
from engine.insight import gradient_ratio
from engine.lessons import lesson_by_id, lesson_trainer, load_lessons

LESSONS = load_lessons()
OTHER_SEEDS = (100, 101, 102, 103)


def seeds(lesson_id: str) -> list[int]:
    """The lesson's own seed, then four others."""
    return [lesson_by_id(lesson_id, LESSONS)["config"]["seed"], *OTHER_SEEDS]


def sides(lesson_id: str, seed: int) -> tuple[Trainer, Trainer]:
    """Both sides of the lesson with `seed`, untrained."""
    lesson = lesson_by_id(lesson_id, LESSONS)
    reseeded = {**lesson, "config": {**lesson["config"], "seed": seed},
                "compare": {**lesson["compare"], "seed": seed}}
    return lesson_trainer(reseeded, "left")[0], lesson_trainer(reseeded, "right")[0]


def epochs(lesson_id: str) -> int:
    return lesson_by_id(lesson_id, LESSONS)["epochs"]


def snap(trainer: Trainer):
    return trainer.snapshot(grid=10, unit_grid=5)


@pytest.mark.slow
@pytest.mark.parametrize("seed", seeds("residual_connections"))
def test_residual_connections_carry_the_gradient_and_the_circle_is_learned(seed):
    a, b = sides("residual_connections", seed)
    assert not any(a.network.skips) and sum(b.network.skips) == 9  # 2 inputs -> 8: the first cannot skip
    for trainer in (a, b):
        trainer.train(epochs("residual_connections"))
    sa, sb = snap(a), snap(b)
    assert gradient_ratio(sa.grad_norms) >= 1000 and gradient_ratio(sb.grad_norms) <= 10
    assert sa.test_accuracy < 0.6 and sb.test_accuracy > 0.95


def epochs_to(trainer: Trainer, accuracy: float, limit: int, every: int = 5) -> int:
    """Epochs until the test accuracy first reaches `accuracy` (checked every `every`), else limit + 1."""
    for epoch in range(every, limit + 1, every):
        trainer.train(every)
        if snap(trainer).test_accuracy >= accuracy:
            return epoch
    return limit + 1


@pytest.mark.slow
@pytest.mark.parametrize("seed", seeds("batch_normalization"))
def test_batch_normalization_reaches_ninety_percent_sooner(seed):
    a, b = sides("batch_normalization", seed)
    with_bn = epochs_to(b, 0.9, epochs("batch_normalization"))
    assert with_bn <= epochs("batch_normalization")
    assert epochs_to(a, 0.9, with_bn) > with_bn  # A has not got there by then


def epoch_to_epoch_change(history: list) -> float:
    """The mean |change| of the training loss from epoch to epoch over the last 20 epochs."""
    tail = np.array([h[1] for h in history[-21:]])
    return float(np.abs(np.diff(tail)).mean())


@pytest.mark.slow
@pytest.mark.parametrize("seed", seeds("learning_rate_schedules"))
def test_a_schedule_lets_the_loss_settle_lower_at_the_end(seed):
    a, b = sides("learning_rate_schedules", seed)
    ha, hb = a.train(epochs("learning_rate_schedules")), b.train(epochs("learning_rate_schedules"))
    assert not a.diverged and not b.diverged
    assert epoch_to_epoch_change(ha) >= 0.005 and epoch_to_epoch_change(hb) <= 1e-4
    assert hb[-1][1] < ha[-1][1]
    assert snap(b).learning_rate == 0.0 and snap(a).learning_rate == 1.0


@pytest.mark.slow
@pytest.mark.parametrize("seed", seeds("gradient_clipping"))
def test_clipping_keeps_the_too_large_rate_from_diverging(seed):
    a, b = sides("gradient_clipping", seed)
    a.train(epochs("gradient_clipping"))
    history = b.train(epochs("gradient_clipping"))
    assert a.diverged and 3 < a.diverged_epoch <= 30  # not at once: the page shows it happen
    assert not b.diverged and len(history) == epochs("gradient_clipping")
    assert history[-1][1] < 0.15
