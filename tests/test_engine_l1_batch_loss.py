"""L1 as a proximal step (exact zeros that can come back) and the per-step mini-batch losses."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Trainer
from engine.optimizers import make_optimizer
from engine.regularization import Penalty

NINE = ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2", "cos_x1", "cos_x2"]


def test_l1_shrink_is_a_soft_threshold_on_weights_only():
    mask = np.array([1.0, 1.0, 1.0, 0.0])
    params = np.array([0.05, -0.3, 0.0, 0.02])  # the last entry is a bias
    Penalty("l1", 0.1, mask).shrink(params, lr=1.0)
    assert params.tolist() == [0.0, pytest.approx(-0.2), 0.0, 0.02]


def test_a_weight_l1_killed_comes_back_when_the_data_pulls_harder():
    mask = np.ones(1)
    opt, reg = make_optimizer("sgd", 1), Penalty("l1", 0.1, mask)
    params = np.zeros(1)
    opt.step(params, np.array([0.05]), lr=1.0, reg=reg)  # pull 0.05 < threshold 0.1: stays exactly 0
    assert params[0] == 0.0
    opt.step(params, np.array([-0.3]), lr=1.0, reg=reg)  # pull 0.3 > 0.1: back, by the difference
    assert params[0] == pytest.approx(0.2)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_l1_training_leaves_exact_zeros_l2_none(optimizer):
    cfg = {"dataset": "circle", "features": NINE, "hidden": [4], "learning_rate": 0.03, "seed": 13,
           "optimizer": optimizer, "reg_rate": 0.01}
    l1, l2 = Trainer({**cfg, "regularization": "l1"}), Trainer({**cfg, "regularization": "l2"})
    l1.train(100)
    l2.train(100)
    assert sum(int((w == 0).sum()) for w in l1.network.weights) >= 10
    assert sum(int((w == 0).sum()) for w in l2.network.weights) == 0


@pytest.mark.parametrize("config", [
    {"dataset": "circle"},
    {"dataset": "spiral", "n_classes": 3, "loss": "cross_entropy"},
    {"dataset": "spiral", "n_classes": 3},
    {"problem": "regression", "dataset": "plane"},
    {"dataset": "xor", "loss": "hinge"},
])
def test_a_full_batch_step_reports_the_loss_before_it(config):
    trainer = Trainer({**config, "seed": 1, "batch_size": 2000})
    data = trainer.training_data
    n = data.n_train
    before = trainer.network.loss(data.x[:-1, :n].T, data.labels[:n])
    trainer.step(1)
    assert trainer.take_batch_losses() == pytest.approx([before], rel=1e-12)
    assert trainer.take_batch_losses().size == 0  # taken


@pytest.mark.parametrize("batch_size", [1, 7, 10, 250])
def test_every_step_has_its_loss_across_epochs_and_slices(batch_size):
    trainer = Trainer({"dataset": "circle", "seed": 1, "batch_size": batch_size})
    n_train = trainer.training_data.n_train
    per_epoch = -(-n_train // batch_size)
    trainer.train(2)
    trainer.step(3)
    trainer.step(per_epoch)
    losses = trainer.take_batch_losses()
    assert losses.size == 2 * per_epoch + 3 + per_epoch == trainer.iteration
    assert np.all(np.isfinite(losses)) and np.all(losses >= 0)


def test_batch_size_one_jitters_full_batch_does_not():
    def ups(batch_size: int) -> float:
        trainer = Trainer({"dataset": "circle", "seed": 2, "batch_size": batch_size, "learning_rate": 0.03})
        trainer.train(20)
        losses = trainer.take_batch_losses()
        return float(np.mean(np.diff(losses) > 0))
    assert ups(1) > 0.3
    assert ups(2000) == 0.0
