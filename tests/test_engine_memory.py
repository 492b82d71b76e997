"""engine.memory's estimate against measured allocations, and Trainer.release_memory keeping
every result bit for bit."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from engine import Trainer
from engine.memory import trainer_bytes

BIG = {"hidden": [64] * 16, "activation": "maxout", "n_samples": 2000, "batch_size": 2000, "train_ratio": 90,
       "features": ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2", "cos_x1", "cos_x2"]}


@pytest.mark.slow
@pytest.mark.parametrize("patch", [BIG, {**BIG, "activation": "tanh", "batch_size": 10},
                                   {"hidden": [64] * 6, "n_samples": 1000, "batch_size": 500, "dataset": "spiral"},
                                   {"hidden": [48] * 4, "n_samples": 2000, "batch_size": 100, "dataset": "blobs",
                                    "n_classes": 5},
                                   {**BIG, "activation": "tanh", "residual": True, "normalization": "batch"},
                                   {**BIG, "normalization": "layer", "batch_size": 500}])
def test_estimate_matches_what_a_trainer_allocates(patch):
    tracemalloc.start()
    try:
        trainer = Trainer({"seed": 3})
        trainer.update(patch)
        trainer.train(1)
        trainer.snapshot()
        used = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    n = len(trainer.points.label)
    estimate = trainer_bytes(trainer.config, n, int(trainer.points.train.sum()),
                             1 if trainer.n_classes <= 2 else trainer.n_classes)
    assert 0.85 * used <= estimate <= 1.15 * used + 12e6, (used, estimate)


def _run(release: bool, patch: dict) -> tuple[np.ndarray, dict, list]:
    trainer = Trainer({"seed": 11, **patch})
    history = []
    for _ in range(4):
        history += trainer.step(3)
        trainer.snapshot()  # a snapshot between steps, as the server takes one
        if release:
            trainer.release_memory()
    history += trainer.train(2)
    return trainer.network.params.copy(), trainer.snapshot(), history


@pytest.mark.parametrize("patch", [{"hidden": [8, 6], "batch_size": 7, "dropout": 0.2, "input_noise": 0.1},
                                   {"hidden": [16, 16], "activation": "maxout", "batch_size": 30, "optimizer": "adam"},
                                   {"hidden": [5], "batch_size": 1000, "dataset": "blobs", "n_classes": 3}])
def test_release_memory_changes_no_result(patch):
    params, snap, history = _run(False, patch)
    params_r, snap_r, history_r = _run(True, patch)
    assert np.array_equal(params, params_r)
    assert history == history_r
    for key in ("output", "train_loss", "test_loss", "grad_norms", "train_accuracy", "dead_fraction"):
        assert np.array_equal(getattr(snap, key), getattr(snap_r, key)), key
    assert all(np.array_equal(a, b) for a, b in zip(snap.dead_units, snap_r.dead_units))
    for a, b in zip(snap.units, snap_r.units):
        assert np.array_equal(a, b)


def test_changing_the_batch_size_frees_the_old_workspace():
    def retained(batches: list[int]) -> int:
        trainer = Trainer({"seed": 1, "hidden": [32, 32], "n_samples": 1000, "batch_size": 400})
        trainer.train(1)
        tracemalloc.start()
        try:
            for batch in batches:
                trainer.update({"batch_size": batch})
                trainer.train(1)
            return tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    one = retained([401])
    assert retained([401, 402, 403, 404, 405]) < 1.5 * one  # not a workspace per batch size ever used
