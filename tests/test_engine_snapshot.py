"""engine.snapshot through Trainer.snapshot: a typed Snapshot, its pictures' shapes and orientation,
pictures that match the network, shared scratch memory, and numbers consistent with training."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from engine import Trainer

SMALL = {"n_samples": 200, "seed": 1}
SNAP_KEYS = {"epoch", "iteration", "problem", "n_classes", "output_kind", "output", "output_range", "units",
             "unit_ranges", "features", "weights", "biases", "train_loss", "test_loss", "train_accuracy",
             "test_accuracy", "class_accuracy", "penalty", "dead_units", "dead_fraction", "grad_norms",
             "diverged", "diverged_epoch", "learning_rate", "norm_grad_norms", "norm"}


def test_snapshot_keys_shapes_and_orientation():
    trainer = Trainer({**SMALL, "hidden": [3, 2], "features": ["x1", "x2", "sin_x1"]})
    snap = trainer.snapshot(grid=20, unit_grid=7)
    assert {f.name for f in dataclasses.fields(snap)} == SNAP_KEYS
    assert snap.output.shape == (20, 20) and snap.output.dtype == np.float32
    assert [u.shape for u in snap.units] == [(3, 7, 7), (2, 7, 7)]
    assert snap.features.shape == (3, 7, 7) and snap.unit_ranges == [(-1.0, 1.0), (-1.0, 1.0)]
    x2 = snap.features[1]
    assert x2[0, 0] == 6 and x2[-1, 0] == -6  # row 0 is the top, y = +6
    assert snap.features[0][0, 0] == -6 and snap.features[0][0, -1] == 6  # column 0 is x = -6
    # A network whose output is x2 draws high values on row 0.
    flat = Trainer({**SMALL, "hidden": []})
    flat.network.weights[0] = [[0.0], [1.0]]
    flat.network.biases[0] = [0.0]
    out = flat.snapshot(grid=11, unit_grid=3).output
    assert out[0].min() > 0.99 and out[-1].max() < -0.99 and np.allclose(out[:, 0], out[:, -1])
    assert flat.snapshot(grid=11, unit_grid=3).output[5, 5] == pytest.approx(0, abs=1e-6)


def test_snapshot_output_matches_the_network():
    trainer = Trainer({**SMALL, "hidden": [5, 4], "activation": "elu", "loss": "cross_entropy"})
    trainer.train(3)
    snap = trainer.snapshot(grid=9, unit_grid=3)
    from engine.datasets import grid_points
    p = trainer.network.forward(grid_points(9))[:, 0]
    # sigmoid p as a score 2p - 1 = tanh(z/2); pictures use a tanh good to 4.8e-5 (an 8-bit step is 7.8e-3)
    assert np.allclose(snap.output.ravel(), 2 * p - 1, atol=1e-4)
    losses = trainer.train(1)[0]
    assert losses[1] == pytest.approx(trainer.snapshot(grid=4, unit_grid=2).train_loss)


def test_trainers_drawing_in_shared_scratch_memory_do_not_disturb_each_other():
    """Picture buffers are shared by all trainers of a thread (engine.scratch): trainers of
    different shapes drawn in turn, and one drawn in another thread, show what they show alone."""
    import threading

    configs = [{"hidden": [4, 2]}, {"hidden": [8, 8, 8], "features": ["x1", "x2", "x1x2", "sin_x1"]},
               {"hidden": [3], "activation": "relu", "n_classes": 3, "dataset": "blobs"}]
    trainers = [Trainer({**SMALL, **c}) for c in configs]
    for t in trainers:
        t.train(2)
    alone = [Trainer({**SMALL, **c}) for c in configs]
    expected = []
    for t in alone:
        t.train(2)
        expected.append(t.snapshot(grid=12, unit_grid=4))
        t.network.params[:] = np.nan  # would poison any buffer shared with the others
        t.snapshot(grid=12, unit_grid=4)
    for _ in range(2):  # twice: the second round reuses the built passes
        for t, want in zip(trainers, expected):
            got = t.snapshot(grid=12, unit_grid=4)
            assert np.array_equal(got.output, want.output)
            assert all(np.array_equal(a, b) for a, b in zip(got.units, want.units))
    elsewhere: list = []
    thread = threading.Thread(target=lambda: elsewhere.append(trainers[1].snapshot(grid=12, unit_grid=4)))
    thread.start()
    thread.join()
    assert np.array_equal(elsewhere[0].output, expected[1].output)
    assert np.array_equal(trainers[0].snapshot(grid=12, unit_grid=4).output, expected[0].output)


@pytest.mark.slow
def test_only_small_picture_passes_share_scratch_memory():
    from engine import scratch

    small = Trainer({**SMALL, "hidden": [4, 2]})
    small.snapshot(grid=20, unit_grid=5)
    assert small.snapshotter.draws_in_shared_memory
    huge = Trainer({**SMALL, "hidden": [64] * 16})
    huge.snapshot(grid=100, unit_grid=10)  # ~90 MB of buffers: its own, freed with the trainer
    assert not huge.snapshotter.draws_in_shared_memory
    assert scratch.current(np.float32).nbytes <= scratch.MAX_BYTES


def test_snapshot_metrics_are_consistent():
    trainer = Trainer({**SMALL, "regularization": "l1", "reg_rate": 0.01})
    history = trainer.train(3)
    snap = trainer.snapshot(grid=4, unit_grid=2)
    assert (snap.epoch, snap.iteration) == (3, 3 * math.ceil(100 / 10))
    assert snap.train_loss == history[-1][1] and snap.test_loss == history[-1][2]
    assert snap.penalty == pytest.approx(0.01 * sum(np.abs(w).sum() for w in trainer.network.weights))
    assert len(snap.grad_norms) == 3 and all(g > 0 for g in snap.grad_norms)
    assert 0 <= snap.train_accuracy <= 1 and len(snap.class_accuracy) == 2


def test_pictures_are_drawn_again_only_when_the_parameters_or_the_grids_change():
    """A snapshot of an unchanged network hands out the last pictures (read-only, the same
    bits a new drawing makes) with fresh numbers; anything that moves what is drawn draws anew."""
    config = {**SMALL, "hidden": [4, 2], "activation": "leaky_relu", "problem": "regression", "dataset": "plane"}
    trainer = Trainer(config)
    trainer.train(2)
    first = trainer.snapshot(grid=12, unit_grid=4)
    assert not first.output.flags.writeable and not first.units[0].flags.writeable
    with pytest.raises(ValueError):
        first.units[1][0, 0, 0] = 1.0
    trainer.update({"learning_rate": 0.1})  # a rate: the drawing stands, the numbers follow
    rate = trainer.snapshot(grid=12, unit_grid=4)
    assert rate.output is first.output and all(a is b for a, b in zip(rate.units, first.units))
    assert rate.learning_rate == pytest.approx(0.1) != first.learning_rate
    twin = Trainer(config)  # the same state, drawn from scratch
    twin.train(2)
    twin.update({"learning_rate": 0.1})
    trainer.train(1), twin.train(1)
    drawn = twin.snapshot(grid=12, unit_grid=4)
    got = trainer.snapshot(grid=12, unit_grid=4)
    assert got.output is not first.output  # a step moved the weights
    assert np.array_equal(got.output, drawn.output) and got.output_range == drawn.output_range
    assert all(np.array_equal(a, b) for a, b in zip(got.units, drawn.units))
    assert trainer.snapshot(grid=10, unit_grid=4).output.shape == (10, 10)  # other grids
    again = trainer.snapshot(grid=10, unit_grid=4)
    trainer.update({"leaky_slope": 0.5})  # changes the units without touching a weight
    slope = trainer.snapshot(grid=10, unit_grid=4)
    assert not np.array_equal(slope.units[0], again.units[0])
    trainer.set_weight(1, 0, 0, 3.0)  # an edited weight
    assert not np.array_equal(trainer.snapshot(grid=10, unit_grid=4).units[1], slope.units[1])
    kept = trainer.snapshot(grid=10, unit_grid=4)
    trainer.add_points([[0.0, 0.0, 40.0]])  # a far target: the regression scale covers it at once
    moved = trainer.snapshot(grid=10, unit_grid=4)
    assert moved.output is kept.output and moved.output_range == (-40.0, 40.0) != kept.output_range
