"""engine.Trainer: the notes' lessons as behaviour, reproducibility, live updates, snapshots,
divergence, weight and point editing, and every bad input as a ConfigError naming its key."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import ConfigError, Snapshot, Trainer
from engine.config import SCHEMA

SMALL = {"n_samples": 200, "seed": 1}


def trained(epochs: int, **config) -> Snapshot:
    trainer = Trainer({**SMALL, **config})
    trainer.train(epochs)
    assert not trainer.diverged
    return trainer.snapshot(grid=10, unit_grid=5)


# ---- lessons of the notes ----------------------------------------------------------------------

def test_xor_needs_a_nonlinear_hidden_layer():
    """4 tanh units solve XOR; the same network with linear units collapses to one linear map."""
    xor = {"dataset": "xor", "hidden": [4], "learning_rate": 0.1, "seed": 3}
    assert trained(150, **xor, activation="tanh").test_accuracy >= 0.95
    assert trained(150, **xor, activation="linear").test_accuracy < 0.75


def test_vanishing_gradient_with_deep_sigmoid_not_relu():
    deep = {"hidden": [6] * 6, "init": "xavier"}
    sigmoid = trained(20, **deep, activation="sigmoid").grad_norms
    relu = trained(20, **deep, activation="relu").grad_norms
    assert sigmoid[-1] > 100 * sigmoid[0]  # the first layer barely learns
    assert relu[-1] < 10 * relu[0]


def test_relu_at_learning_rate_10_leaves_dead_units():
    snap = trained(5, hidden=[8, 8], activation="relu", learning_rate=10)
    assert snap.dead_fraction > 0.1
    assert np.concatenate(snap.dead_units).mean() == pytest.approx(snap.dead_fraction)
    calm = trained(5, hidden=[8, 8], activation="relu", learning_rate=0.03)
    assert calm.dead_fraction < snap.dead_fraction


def test_zero_init_keeps_every_unit_of_a_layer_identical():
    snap = trained(20, hidden=[4, 3], activation="sigmoid", init="zeros", learning_rate=0.3)
    for units in snap.units:
        assert np.allclose(units, units[:1], rtol=0, atol=1e-6)
    for w in snap.weights[:-1]:
        assert np.abs(w).max() > 1e-4  # training moved the weights...
        assert np.allclose(w, w[:, :1], rtol=1e-12, atol=0)  # ...but every unit's column alike


@pytest.mark.slow
def test_same_seed_same_training_bit_for_bit():
    config = {"dataset": "spiral", "hidden": [5, 3], "dropout": 0.2, "input_noise": 0.1, "optimizer": "adam",
              "regularization": "l2", "reg_rate": 0.001, "seed": 42}
    a, b = Trainer(config), Trainer(config)
    assert a.train(50) == b.train(50)
    for wa, wb in zip(a.network.weights, b.network.weights):
        assert np.array_equal(wa, wb)
    a.reset()
    c = Trainer(config)
    assert a.train(3) == c.train(3)  # reset replays the run from the seed


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adagrad", "rmsprop", "adam"])
def test_every_optimizer_lowers_the_loss(optimizer):
    trainer = Trainer({**SMALL, "optimizer": optimizer, "learning_rate": 0.01 if optimizer != "sgd" else 0.1,
                       "nesterov": optimizer == "momentum"})
    history = trainer.train(30)
    assert history[-1][1] < history[0][1]


# ---- bad input ---------------------------------------------------------------------------------

BAD_VALUES = {"problem": "clustering", "dataset": "mnist", "n_classes": 6, "boundary_fn": "tan", "n_samples": 10,
              "noise": 51, "train_ratio": 5, "seed": -1, "features": ["x3"], "hidden": [65],
              "activation": "swish", "leaky_slope": 2, "loss": "l7", "learning_rate": 0, "batch_size": 0,
              "optimizer": "lbfgs", "momentum": 1.5, "nesterov": "yes", "rho": -0.1, "beta2": 1,
              "regularization": "l3", "reg_rate": 11, "dropout": 0.95, "input_noise": 3, "init": "ones",
              "residual": 1, "normalization": "group", "lr_schedule": "linear", "lr_decay": 0, "lr_step": 0,
              "lr_period": 10001, "clip_norm": -1}


def test_every_schema_key_is_checked():
    assert set(BAD_VALUES) == set(SCHEMA)


@pytest.mark.parametrize("key", sorted(BAD_VALUES))
def test_bad_value_raises_config_error_naming_the_key(key):
    with pytest.raises(ConfigError) as err:
        Trainer({key: BAD_VALUES[key]})
    assert err.value.key == key and key in str(err.value)
    trainer = Trainer(SMALL)
    before = (dict(trainer.config), trainer.network.params.copy())
    with pytest.raises(ConfigError) as err:
        trainer.update({"learning_rate": 0.5, key: BAD_VALUES[key]})
    assert err.value.key == key
    assert trainer.config == before[0] and np.array_equal(trainer.network.params, before[1])  # atomic


def test_unknown_keys_and_bad_arguments():
    with pytest.raises(ConfigError, match="unknown key") as err:
        Trainer({"colour": "red"})
    assert err.value.key == "colour"
    trainer = Trainer(SMALL)
    for call, key in [(lambda: trainer.train(0), "epochs"), (lambda: trainer.step(-1), "batches"),
                      (lambda: trainer.snapshot(grid=1), "grid"), (lambda: trainer.snapshot(unit_grid=10**4),
                                                                    "unit_grid")]:
        with pytest.raises(ConfigError) as err:
            call()
        assert err.value.key == key


# ---- live updates ------------------------------------------------------------------------------

def test_learning_rate_change_keeps_weights_and_optimizer_state():
    trainer = Trainer({**SMALL, "optimizer": "momentum"})
    trainer.train(2)
    weights, velocity = trainer.network.params.copy(), trainer._optimizer.v.copy()
    for patch in ({"learning_rate": 0.1}, {"batch_size": 5, "momentum": 0.5, "dropout": 0.1, "input_noise": 0.2,
                                           "regularization": "l2", "reg_rate": 0.01, "leaky_slope": 0.2}):
        assert trainer.update(patch) == []
        assert np.array_equal(trainer.network.params, weights)
        assert np.array_equal(trainer._optimizer.v, velocity) and velocity.any()
    assert trainer.epoch == 2
    trainer.train(1)
    assert trainer.epoch == 3


def test_live_changes_reach_the_next_step():
    """Two trainers in lockstep take the same batch; the one given twice the learning rate
    moves its weights exactly twice as far, with or without dropout switched on live."""
    for extra in ({}, {"dropout": 0.3}):
        a, b = Trainer({**SMALL, "learning_rate": 0.03}), Trainer({**SMALL, "learning_rate": 0.03})
        a.train(2), b.train(2)
        before = a.network.params.copy()
        a.update({"learning_rate": 0.01, **extra})
        b.update({"learning_rate": 0.02, **extra})
        a.step(1), b.step(1)
        assert np.allclose(2 * (a.network.params - before), b.network.params - before, rtol=1e-12, atol=0)
        if extra:  # dropout is on: some hidden units had no gradient in this step
            c = Trainer({**SMALL, "learning_rate": 0.03})
            c.train(2), c.update({"learning_rate": 0.01}), c.step(1)
            assert not np.array_equal(c.network.params, a.network.params)


def test_an_update_that_cannot_be_built_changes_nothing(monkeypatch):
    """update() builds every new part before it replaces anything: a part that fails to build
    (here: no memory for the new network) leaves a trainer that goes on exactly as a twin."""
    from engine.model import Model

    trainer, twin = Trainer(SMALL), Trainer(SMALL)
    trainer.train(2), twin.train(2)

    def no_room(cls, config):
        raise MemoryError("no room for the new network")

    monkeypatch.setattr(Model, "build", classmethod(no_room))
    with pytest.raises(MemoryError):
        trainer.update({"learning_rate": 0.1, "hidden": [5], "dataset": "xor"})
    monkeypatch.undo()
    assert trainer.config == twin.config and trainer.epoch == twin.epoch == 2
    trainer.train(2), twin.train(2)
    assert np.array_equal(trainer.network.params, twin.network.params)


def test_optimizer_change_resets_its_state_only():
    trainer = Trainer({**SMALL, "optimizer": "momentum"})
    trainer.train(2)
    weights = trainer.network.params.copy()
    assert trainer.update({"optimizer": "adam"}) == ["optimizer"]
    assert np.array_equal(trainer.network.params, weights) and trainer.epoch == 2
    assert not trainer._optimizer.m.any()


def test_shape_change_rebuilds_the_network_not_the_data():
    trainer = Trainer(SMALL)
    trainer.train(2)
    xy = trainer.points.xy.copy()
    assert trainer.update({"hidden": [3, 3, 3]}) == ["network", "optimizer"]
    assert [w.shape for w in trainer.network.weights] == [(2, 3), (3, 3), (3, 3), (3, 1)]
    assert np.array_equal(trainer.points.xy, xy) and trainer.epoch == 0
    assert trainer.update({"dataset": "xor"}) == ["data", "network", "optimizer"]
    assert not np.array_equal(trainer.points.xy, xy)
    assert trainer.update({"features": ["x1", "x2", "x1x2"]}) == ["network", "optimizer"]
    assert trainer.network.sizes[0] == 3


def test_multiclass_and_regression_problems():
    multi = Trainer({**SMALL, "dataset": "blobs", "n_classes": 4, "loss": "cross_entropy"})
    multi.train(5)
    snap = multi.snapshot(grid=12, unit_grid=5)
    assert snap.output_kind == "multiclass" and snap.output.shape == (4, 12, 12)
    assert np.allclose(snap.output.sum(axis=0), 1, atol=1e-5) and len(snap.class_accuracy) == 4
    hinge = Trainer({**SMALL, "dataset": "spiral", "n_classes": 3, "loss": "hinge"}).snapshot(grid=6, unit_grid=3)
    assert hinge.output.shape == (3, 6, 6) and np.allclose(hinge.output.sum(axis=0), 1, atol=1e-5)
    reg = Trainer({**SMALL, "problem": "regression", "dataset": "plane"})
    first = reg.train(1)[0][1]
    assert reg.train(20)[-1][1] < first
    snap = reg.snapshot(grid=8, unit_grid=4)
    assert snap.output_kind == "regression" and snap.train_accuracy is None and snap.class_accuracy is None
    lo, hi = snap.output_range
    assert lo == -hi and hi >= np.abs(snap.output).max()


# ---- stepping ----------------------------------------------------------------------------------

def test_step_crosses_epoch_boundaries_and_clamps_the_batch():
    trainer = Trainer({**SMALL, "batch_size": 30})  # 100 training points: 4 steps per epoch
    assert trainer.step(3) == []
    history = trainer.step(2)
    assert [e for e, _, _ in history] == [1] and trainer.iteration == 5
    trainer.update({"batch_size": 2000})  # more than the training points: one full batch
    assert [e for e, _, _ in trainer.step(1)] == [2]  # the rest of epoch 2's pass in one batch
    assert [e for e, _, _ in trainer.step(1)] == [3] and trainer.iteration == 7  # a whole epoch per step


# ---- divergence ----------------------------------------------------------------------------------

def test_divergence_is_reported_not_raised_and_reset_recovers():
    trainer = Trainer({**SMALL, "problem": "regression", "dataset": "plane", "hidden": [8, 8],
                       "activation": "relu", "learning_rate": 10, "features": ["x1", "x2", "x1_sq", "x2_sq"]})
    trainer.train(50)
    assert trainer.diverged and trainer.diverged_epoch is not None
    assert trainer.train(1) == [] and trainer.step(5) == []
    snap = trainer.snapshot(grid=5, unit_grid=2)
    assert snap.diverged and snap.diverged_epoch == trainer.diverged_epoch
    trainer.reset()
    assert not trainer.diverged and trainer.epoch == 0 and np.all(np.isfinite(trainer.network.params))
    trainer.update({"learning_rate": 0.01})
    assert len(trainer.train(2)) == 2


# ---- editing weights and points -----------------------------------------------------------------

def test_set_weight_and_bias():
    trainer = Trainer(SMALL)
    trainer.set_weight(1, 3, 1, 2.5)
    trainer.set_bias(2, 0, -1.5)
    assert trainer.network.weights[1][3, 1] == 2.5 and trainer.network.biases[2][0] == -1.5
    for call, key, allowed in [(lambda: trainer.set_weight(3, 0, 0, 1), "layer", "0..2"),
                               (lambda: trainer.set_weight(0, 2, 0, 1), "i", "0..1"),
                               (lambda: trainer.set_weight(0, 0, 4, 1), "j", "0..3"),
                               (lambda: trainer.set_weight(0, 0, 0, math.nan), "value", "finite"),
                               (lambda: trainer.set_bias(1, 2, 1), "j", "0..1"),
                               (lambda: trainer.set_bias(0, 0, "1"), "value", "finite")]:
        with pytest.raises(ConfigError) as err:
            call()
        assert err.value.key == key and allowed in str(err.value)


def test_editing_points_switches_to_custom_and_keeps_the_weights():
    trainer = Trainer({**SMALL, "dataset": "blobs", "n_classes": 3})
    trainer.train(1)
    weights, n = trainer.network.params.copy(), len(trainer.points)
    assert trainer.add_points([[1.0, 2.0, 2], [-3.0, 0.5, 0]]) == []
    assert trainer.config["dataset"] == "custom" and trainer.config["n_classes"] == 3
    assert len(trainer.points) == n + 2 and np.array_equal(trainer.network.params, weights)
    data = trainer.data()
    assert len(data["train"]) + len(data["test"]) == n + 2 and data["n_classes"] == 3
    assert [1.0, 2.0, 2.0] in data["train"] + data["test"]
    for bad in ([[0, 0, 3]], [[7, 0, 1]], [[0, 0]], [[math.inf, 0, 1]]):
        with pytest.raises(ConfigError) as err:
            trainer.add_points(bad)
        assert err.value.key == "points"
    assert len(trainer.points) == n + 2
    trainer.remove_points([[1.0, 2.0]])
    assert len(trainer.points) == n + 1
    trainer.clear_points()
    assert len(trainer.points) == 0 and trainer.train(1) == []
    limited = Trainer({**SMALL, "dataset": "custom"}, max_points=3)
    with pytest.raises(ConfigError, match="limit"):
        limited.add_points([[0, 0, 0]] * 4)
    limited.add_points([[0, 0, 0], [1, 1, 1], [2, 2, 1]])
    assert len(limited.points) == 3


def test_regenerate_and_gradient_check():
    trainer = Trainer({**SMALL, "dataset": "moons"})
    xy = trainer.points.xy.copy()
    assert trainer.regenerate(77) == 77 and trainer.config["seed"] == 77
    assert not np.array_equal(trainer.points.xy, xy) and trainer.epoch == 0
    assert isinstance(trainer.regenerate(), int)
    trainer.train(2)
    assert trainer.gradient_check() < 1e-5


def test_a_rate_patch_keeps_the_last_evaluation_and_a_slope_patch_does_not():
    """The losses of all points depend on the weights, the data and the activations' slope, not
    on the optimizer's rates or the penalty: a frame after a slider's patch need not pay a pass
    over all points (the penalty is reported on its own, and follows at once)."""
    trainer = Trainer({**SMALL, "hidden": [4], "activation": "leaky_relu"})
    trainer.train(2)
    ev = trainer.evaluate()
    before = trainer.snapshot(grid=4, unit_grid=2)
    assert trainer.update({"learning_rate": 0.1, "momentum": 0.5, "regularization": "l2", "reg_rate": 0.1}) == []
    assert trainer.evaluate() is ev
    after = trainer.snapshot(grid=4, unit_grid=2)
    assert after.train_loss == before.train_loss and after.penalty > before.penalty == 0.0
    trainer.update({"leaky_slope": 0.3})
    assert trainer.evaluate() is not ev
    trainer.train(1)  # and training still moves it
    assert trainer.evaluate().train_loss != ev.train_loss


def test_live_leaky_slope_reaches_training_evaluation_and_pictures():
    trainer = Trainer({**SMALL, "hidden": [4], "activation": "leaky_relu", "init": "he"})
    trainer.train(1)
    before = trainer.snapshot(grid=6, unit_grid=3)
    assert trainer.update({"leaky_slope": 0.5}) == []
    after = trainer.snapshot(grid=6, unit_grid=3)
    assert after.units[0].min() < 2 * before.units[0].min() < 0  # negative side 50x steeper
    assert not np.shares_memory(after.units[0], before.units[0])  # snapshots own their arrays
    assert after.train_loss != before.train_loss
    from engine.datasets import grid_points
    assert np.allclose(after.output.ravel(), trainer.network.forward(grid_points(6))[:, 0], atol=1e-4)


def test_mid_epoch_snapshots_report_the_last_epoch_end_until_something_else_moves_the_weights():
    trainer = Trainer({**SMALL, "batch_size": 5})
    epoch, train_loss, test_loss = trainer.train(2)[-1]
    trainer.step(1)  # part-way into epoch 3: the numbers stay those of the last history point
    snap = trainer.snapshot(grid=4, unit_grid=2)
    assert (snap.epoch, snap.train_loss, snap.test_loss) == (epoch, train_loss, test_loss)
    # a write the trainer did not make (a notebook, a lesson's fixed weights) is seen at once
    trainer.network.weights[-1][...] = 0.0
    trainer.network.biases[-1][...] = 0.0
    moved = trainer.snapshot(grid=4, unit_grid=2)
    assert moved.train_loss != train_loss
    assert moved.train_loss == pytest.approx(0.5)  # a zero output under the squared loss on ±1 labels


def test_set_points_replaces_the_data_with_their_own_split_and_keeps_the_weights():
    trainer = Trainer({**SMALL, "hidden": [3]})
    weights = [w.copy() for w in trainer.network.weights]
    rows = [[1.0, 1.0, 0], [-1.0, -1.0, 1], [2.0, -2.0, 1], [-2.0, 2.0, 0]]
    assert trainer.set_points(rows, [True, False, True, False]) == []
    data = trainer.data()
    assert trainer.config["dataset"] == "custom"
    assert data["train"] == [[1.0, 1.0, 0.0], [2.0, -2.0, 1.0]] and data["test"] == [[-1.0, -1.0, 1.0], [-2.0, 2.0, 0.0]]
    assert all(np.array_equal(a, b) for a, b in zip(weights, trainer.network.weights))
    assert len(trainer.train(2)) == 2  # trains on the new points
    trainer.set_points(rows)  # without flags: split as drawn points are
    assert len(trainer.points) == 4
    for bad, train, key in (([[9.0, 0.0, 0]], None, "points"), ([[0.0, 0.0, 7]], None, "points"),
                            (rows, [True, False], "train")):
        before = trainer.data()
        with pytest.raises(ConfigError) as exc:
            trainer.set_points(bad, train)
        assert exc.value.key == key and trainer.data() == before
