"""What residual connections, batch normalization, schedules and clipping do to training, on
five seeds each (issue 18): the claims the lessons make, measured on the engine alone."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Trainer
from engine.schedules import SCHEDULES, current_rate

SEEDS = (0, 1, 2, 3, 4)


def first_to_last_ratio(trainer: Trainer) -> float:
    """The first layer's mean |dL/dW| over the output layer's, after the last step."""
    norms = trainer.snapshot(grid=4, unit_grid=2).grad_norms
    return norms[0] / norms[-1]


# Ten sigmoid layers of 8 on the circle, from the squared inputs: the data a network that learns
# at all separates; with cross-entropy, as the residual lesson uses it.
DEEP_SIGMOID = {"dataset": "circle", "features": ["x1_sq", "x2_sq"], "loss": "cross_entropy",
                "hidden": [8] * 10, "activation": "sigmoid", "learning_rate": 0.03}


@pytest.mark.parametrize("seed", SEEDS)
def test_residual_connections_carry_the_gradient_to_the_first_layer(seed):
    plain = Trainer({**DEEP_SIGMOID, "seed": seed})
    skip = Trainer({**DEEP_SIGMOID, "seed": seed, "residual": True})
    plain.train(20)
    skip.train(20)
    assert first_to_last_ratio(plain) <= 0.001
    assert first_to_last_ratio(skip) >= 0.1


def epochs_to(trainer: Trainer, accuracy: float, limit: int, every: int = 5) -> int:
    """Epochs until the test accuracy reaches `accuracy` (checked every `every`), or limit + 1."""
    for epoch in range(every, limit + 1, every):
        trainer.train(every)
        if trainer.diverged:
            return limit + 1
        if trainer.snapshot(grid=4, unit_grid=2).test_accuracy >= accuracy:
            return epoch
    return limit + 1


BN_SPIRAL = {"dataset": "spiral", "noise": 0, "hidden": [8] * 6, "activation": "relu", "init": "he",
             "learning_rate": 0.1, "batch_size": 30}


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_batch_normalization_reaches_ninety_percent_on_the_spiral_sooner(seed):
    limit = 150
    with_bn = epochs_to(Trainer({**BN_SPIRAL, "seed": seed, "normalization": "batch"}), 0.9, limit)
    assert with_bn <= limit
    without = epochs_to(Trainer({**BN_SPIRAL, "seed": seed}), 0.9, with_bn)  # need not go further
    assert with_bn < without


def test_a_step_schedule_lowers_the_rate_at_exactly_the_scheduled_epochs():
    # one step per epoch (the batch is every training point), plain SGD: the step taken is -lr·g
    trainer = Trainer({"hidden": [3], "seed": 1, "batch_size": 2000, "learning_rate": 0.1,
                       "lr_schedule": "step", "lr_decay": 0.5, "lr_step": 3})
    for epoch in range(10):
        expected = 0.1 * 0.5 ** (epoch // 3)
        assert trainer.learning_rate == pytest.approx(expected, rel=1e-15)
        assert trainer.snapshot(grid=4, unit_grid=2).learning_rate == pytest.approx(expected, rel=1e-15)
        before = trainer.network.params.copy()
        trainer.train(1)
        grad, scale = trainer.last_gradient()
        taken = before - trainer.network.params
        assert taken == pytest.approx(expected * scale * grad, rel=1e-9, abs=1e-15)


def test_every_schedule_starts_at_the_configured_rate_and_never_rises():
    cfg = {"learning_rate": 0.2, "lr_decay": 0.9, "lr_step": 4, "lr_period": 30}
    for name in SCHEDULES:
        rates = [current_rate({**cfg, "lr_schedule": name}, e) for e in range(60)]
        assert rates[0] == 0.2 and all(b <= a for a, b in zip(rates, rates[1:])), name
    cosine = [current_rate({**cfg, "lr_schedule": "cosine"}, e) for e in (15, 30, 45)]
    assert cosine == pytest.approx([0.1, 0.0, 0.0], abs=1e-15)


def test_changing_the_schedule_live_keeps_the_weights():
    trainer = Trainer({"hidden": [3], "seed": 1})
    trainer.train(5)
    weights = trainer.network.params.copy()
    assert trainer.update({"lr_schedule": "exponential", "lr_decay": 0.5, "clip_norm": 1.0}) == []
    assert np.array_equal(trainer.network.params, weights)
    assert trainer.learning_rate == pytest.approx(0.03 * 0.5 ** 5)


REGRESSION_LR3 = {"problem": "regression", "dataset": "plane", "hidden": [8, 8], "activation": "relu",
                  "learning_rate": 3}


@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_keeps_a_learning_rate_of_three_finite(seed):
    unclipped = Trainer({**REGRESSION_LR3, "seed": seed})
    clipped = Trainer({**REGRESSION_LR3, "seed": seed, "clip_norm": 1})
    unclipped.train(50)
    clipped.train(50)
    assert unclipped.diverged
    assert not clipped.diverged and math.isfinite(clipped.evaluate().train_loss)
    assert np.isfinite(clipped.network.params).all()


def test_clipping_caps_the_norm_of_each_step():
    trainer = Trainer({**REGRESSION_LR3, "seed": 0, "clip_norm": 0.5, "batch_size": 2000, "learning_rate": 0.01})
    for _ in range(5):
        before = trainer.network.params.copy()
        trainer.train(1)
        grad, scale = trainer.last_gradient()
        assert np.linalg.norm(grad * scale) <= 0.5 * (1 + 1e-12)
        assert np.linalg.norm(before - trainer.network.params) <= 0.01 * 0.5 * (1 + 1e-12)
