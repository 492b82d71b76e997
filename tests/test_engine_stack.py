"""Batched training across sessions (engine.stack, issue 15 item 3): a session's results are bit
for bit those of the same trainer trained alone, whatever its stack and whoever joins or leaves."""

from __future__ import annotations

import random

import numpy as np
import pytest

from engine import Trainer
from engine.stack import StackKey, StackPool, TrainerStack

SHAPES = {
    "default": {},
    "tail batch": {"batch_size": 7},  # 250 training points: a short last batch every epoch
    "batch of one": {"batch_size": 1, "n_samples": 40},
    "l2 relu deep": {"regularization": "l2", "reg_rate": 0.01, "activation": "relu", "hidden": [8, 8, 3]},
    "maxout": {"activation": "maxout", "hidden": [5, 3]},
    "leaky elu sigmoid": {"activation": ["leaky_relu", "elu", "sigmoid"], "hidden": [6, 4, 3]},
    "cross-entropy": {"loss": "cross_entropy", "dataset": "xor", "features": ["x1", "x2", "x1x2", "sin_x1"]},
    "hinge": {"loss": "hinge", "dataset": "spiral", "hidden": [16, 16]},
    "regression": {"problem": "regression", "dataset": "plane", "activation": "linear", "batch_size": 30},
    "softmax squared": {"dataset": "blobs", "n_classes": 4},
    "softmax cross-entropy": {"dataset": "spiral", "n_classes": 3, "loss": "cross_entropy", "hidden": [8, 8]},
    "multiclass hinge": {"dataset": "blobs", "n_classes": 5, "loss": "hinge", "batch_size": 4},
    "dropout": {"dropout": 0.3, "hidden": [6, 5], "batch_size": 8},
    "input noise maxout": {"input_noise": 0.4, "activation": "maxout"},
    "dropout and noise, batch of one": {"dropout": 0.1, "input_noise": 0.2, "batch_size": 1, "n_samples": 30},
    "wide single output": {"hidden": [64], "batch_size": 3, "features": ["x1", "x2", "x1_sq"]},
    "momentum": {"optimizer": "momentum", "momentum": 0.9, "batch_size": 7},
    "nesterov l2": {"optimizer": "momentum", "nesterov": True, "momentum": 0.8, "regularization": "l2", "reg_rate": 0.01},
    "adagrad": {"optimizer": "adagrad", "hidden": [6, 3], "batch_size": 7},
    "rmsprop": {"optimizer": "rmsprop", "rho": 0.8, "batch_size": 1, "n_samples": 40},
    "adam": {"optimizer": "adam", "momentum": 0.85, "beta2": 0.99, "batch_size": 7},
    "adam l2 dropout": {"optimizer": "adam", "regularization": "l2", "reg_rate": 0.003, "dropout": 0.2},
    "l1": {"regularization": "l1", "reg_rate": 0.01, "batch_size": 7},
    "l1 adam": {"optimizer": "adam", "regularization": "l1", "reg_rate": 0.02, "hidden": [8, 8]},
    "l1 momentum": {"optimizer": "momentum", "regularization": "l1", "reg_rate": 0.005},
}


def bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def state(trainer: Trainer) -> tuple:
    """Everything a step changes, as bytes and numbers (NaN-safe, -0.0 distinct from 0.0), with
    the mini-batch losses since the last call (the page's jitter line: a stack must keep them too)."""
    grad, scale = trainer.last_gradient()
    return (bits(trainer.take_batch_losses()), bits(trainer.network.params), bits(grad), scale, trainer.epoch, trainer.iteration,
            trainer.optimizer.t, trainer.diverged, trainer.random_stream.bit_generator.state["state"]["state"],
            bits(trainer.training_data.x_epoch) if trainer.iteration else None)  # unfilled before a first step


def history_bits(history) -> list:
    return [(e, np.float64(a).tobytes(), np.float64(b).tobytes()) for e, a, b in history]


def pair(config: dict) -> tuple[Trainer, Trainer]:
    """Two identical trainers: one trained alone, one in stacks."""
    return Trainer(config), Trainer(config)


def configs(shape: dict, count: int) -> list[dict]:
    # different seeds and rates: the data, the weights and the per-session columns differ
    rates = [0.03, 0.1, 0.3, 0.01]
    return [{**shape, "seed": 10 + i, "learning_rate": rates[i % 4],
             **{k: shape[k] * (1 + i / 10) for k in ("dropout", "input_noise", "reg_rate") if k in shape},
             **{k: shape[k] * (1 - i / 50) for k in ("momentum", "rho", "beta2") if k in shape}}
            for i in range(count)]


@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_stacked_training_is_bit_identical_to_lone_training(name: str, size: int) -> None:
    rng = random.Random(size)
    pairs = [pair(c) for c in configs(SHAPES[name], size)]
    stacked = [s for _, s in pairs]
    key = StackKey.of(stacked[0])
    assert key is not None and all(StackKey.of(t) == key for t in stacked)
    stack = TrainerStack(key)
    for round_ in range(6):  # each session owes its own amount, mid-epoch starts included; then
        # all the same, so that sessions whose short last batch falls in the call finish a round
        # early, inside the stack (their rows must draw nothing more)
        owed = {s: rng.randrange(0, 60) if round_ < 4 else 20 - 9 * (round_ == 5) for s in stacked}
        histories = stack.step(owed)
        for lone, s in pairs:
            assert history_bits(histories[s]) == history_bits(lone.step(owed[s]) if owed[s] else [])
            assert state(s) == state(lone)


def test_join_leave_rate_patch_and_shape_change_keep_every_session_exact() -> None:
    rng = random.Random(5)
    pairs = [pair(c) for c in configs({}, 6)]
    pool = StackPool()
    present = {0, 1}
    for round_ in range(12):
        if round_ == 2:
            present |= {2, 3, 4}  # sessions join mid-epoch of the others
        if round_ == 4:
            present -= {1}  # one leaves (trains alone for a while)
        if round_ == 5:
            for t in pairs[3]:
                assert t.update({"learning_rate": 0.7, "reg_rate": 0.0}) == []  # a rate: same stack
            assert StackKey.of(pairs[3][1]) == StackKey.of(pairs[0][1])
        if round_ == 6:
            for t in pairs[4]:
                t.update({"batch_size": 25})  # a shape change: out of the stack
            assert StackKey.of(pairs[4][1]) != StackKey.of(pairs[0][1])
            present |= {1, 5}
        if round_ == 8:
            for t in pairs[2]:
                t.update({"regularization": "l2", "reg_rate": 0.01})  # penalty on: another stack
        if round_ == 9:
            for t in pairs[2]:
                t.set_weight(0, 1, 2, 0.25)  # used alone between stacked steps
                t.add_points([[1.0, 2.0, 1]])
        owed = {pairs[i][1]: rng.randrange(1, 40) for i in sorted(present)}
        histories = pool.step(owed)
        for i in range(6):
            lone, s = pairs[i]
            if s in owed:
                assert history_bits(histories[s]) == history_bits(lone.step(owed[s]))
            elif round_ % 2:
                assert history_bits(s.step(3)) == history_bits(lone.step(3))  # trained alone meanwhile
            assert state(s) == state(lone), (round_, i)
            assert s.snapshot().train_loss == lone.snapshot().train_loss


def test_keys_share_only_same_call_lists() -> None:
    base = StackKey.of(Trainer({"seed": 1}))
    same = [{"seed": 2}, {"learning_rate": 0.3}, {"regularization": "l2", "reg_rate": 0}, {"features": ["x1_sq", "x2"]},
            {"noise": 20}, {"dataset": "xor"}, {"leaky_slope": 0.2}]
    for patch in same:
        assert StackKey.of(Trainer({"seed": 3, **patch})) == base, patch
    different = [{"hidden": [4, 3]}, {"activation": "relu"}, {"batch_size": 20}, {"train_ratio": 60},
                 {"features": ["x1", "x2", "x1x2"]}, {"loss": "cross_entropy"}, {"dataset": "blobs", "n_classes": 3},
                 {"dropout": 0.1}, {"input_noise": 0.5}, {"n_samples": 400}]
    for patch in different:
        assert StackKey.of(Trainer({"seed": 3, **patch})) != base, patch
    rules = [{"optimizer": "adam"}, {"optimizer": "momentum"}, {"optimizer": "momentum", "nesterov": True},
             {"optimizer": "adagrad"}, {"optimizer": "rmsprop"}, {"regularization": "l1", "reg_rate": 0.1}]
    keys = [StackKey.of(Trainer({"seed": 3, **patch})) for patch in rules]
    assert None not in keys and len({base, *keys}) == len(rules) + 1  # each rule its own stack
    assert StackKey.of(Trainer({"seed": 3, "optimizer": "momentum", "momentum": 0.5, "rho": 0.3})) == keys[1]
    assert StackKey.of(Trainer({"seed": 3, "nesterov": True})) == base  # nesterov only matters to momentum
    empty = Trainer({"seed": 3})
    empty.clear_points()
    assert StackKey.of(empty) is None  # nothing to train: never stacked
    rates = [StackKey.of(Trainer({"dropout": p, "input_noise": p, "seed": 1})) for p in (0.1, 0.4)]
    assert rates[0] == rates[1]  # on in both: same stack, each its own rate
    slope = [StackKey.of(Trainer({"activation": "leaky_relu", "leaky_slope": s})) for s in (0.01, 0.2)]
    assert slope[0] != slope[1]


def test_a_stack_refuses_a_trainer_of_another_key() -> None:
    stack = TrainerStack(StackKey.of(Trainer({"seed": 1})))
    with pytest.raises(ValueError, match="StackKey"):
        stack.step({Trainer({"seed": 1}): 1, Trainer({"seed": 1, "hidden": [3]}): 1})


def test_pool_trains_unstackable_and_single_trainers_on_their_own_path() -> None:
    pairs = [pair({"seed": 4, "optimizer": "adam"}), pair({"seed": 5, "hidden": [7]}), pair({"seed": 6, "dropout": 0.3})]
    histories = StackPool().step({s: 30 for _, s in pairs})
    for lone, s in pairs:
        assert history_bits(histories[s]) == history_bits(lone.step(30))
        assert state(s) == state(lone)
