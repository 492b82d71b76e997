"""Residual connections and normalization (engine.deep, engine.normalization): the gradient is
right for every combination, the fast passes agree with engine.reference, batch normalization
keeps running averages and falls back for a batch of one, and such sessions train alone."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine import Trainer, reference
from engine.activations import ACTIVATIONS
from engine.gradcheck import gradient_check
from engine.losses import LOSSES
from engine.network import Network
from engine.normalization import MOMENTUM
from engine.stack import StackKey, StackPool

RNG = np.random.default_rng(7)
X = RNG.normal(size=(9, 3))


def network(activation: str, loss: str, residual: bool, normalization: str, outputs: int = 1,
            seed: int = 1) -> Network:
    """A [3, 3, 3, 4, outputs] network (two layers that can skip, one that cannot) with biases,
    scales and shifts moved off their starting values, so no unit sits on a kink or at γ = 1."""
    net = Network([3, 3, 3, 4, outputs], activation=activation, loss=loss, init="xavier", seed=seed,
                  residual=residual, normalization=normalization)
    rng = np.random.default_rng(seed)
    net.biases = [rng.normal(scale=0.3, size=b.shape) for b in net.biases]
    for block in net.norm_blocks:
        block[:2] += rng.normal(scale=0.2, size=block[:2].shape)
        if normalization == "batch":  # running averages somewhere else than the batch's statistics
            block[2] = rng.normal(scale=0.3, size=block.shape[1])
            block[3] = rng.uniform(0.5, 2.0, size=block.shape[1])
    return net


COMBINATIONS = list(itertools.product(ACTIVATIONS, LOSSES, (False, True), ("none", "batch", "layer")))


@pytest.mark.parametrize("activation,loss,residual,normalization", COMBINATIONS,
                         ids=["-".join(map(str, c)) for c in COMBINATIONS])
def test_gradient_check_passes_for_every_combination(activation, loss, residual, normalization):
    for outputs in (1, 3):
        net = network(activation, loss, residual, normalization, outputs)
        Y = RNG.integers(0, max(outputs, 2), size=len(X))
        assert gradient_check(net, X, Y) < 1e-5, outputs  # batch normalization: in training mode


def test_the_check_sees_a_planted_bug_and_the_batch_of_one_fallback_is_exact():
    net = network("tanh", "squared", True, "batch")
    Y = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1])
    assert gradient_check(net, X, Y, plant_bug=True) > 0.1
    # one example: running averages, as constants; still the exact gradient of what it computes
    assert gradient_check(net, X[:1], Y[:1]) < 1e-5
    before = net.params.copy()
    net.flat_gradient(net.inputs(X), net.encode(Y).T.copy())
    assert np.array_equal(net.params, before)  # a gradient evaluation moves no running average


def test_the_statistics_gradient_is_not_the_shortcut():
    # treating μ and σ as constants gives another gradient: the check would catch that shortcut
    net = network("relu", "squared", False, "batch")
    Y = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1])
    full = reference.all_gradients(net, X, Y)[1]
    o, layers = reference.forward(net, X, mode="batch")
    assert not np.allclose(full[0], 0.0)
    assert net.gradients(X, Y)[0][0] == pytest.approx(full[0], abs=1e-12)


@pytest.mark.parametrize("residual,normalization", [(True, "none"), (False, "batch"), (True, "batch"),
                                                    (True, "layer"), (False, "layer")])
@pytest.mark.parametrize("activation", ["tanh", "relu", "maxout", "sigmoid"])
def test_fast_passes_agree_with_the_reference(activation, residual, normalization):
    net = network(activation, "cross_entropy", residual, normalization, outputs=3)
    Y = RNG.integers(0, 3, size=len(X))
    for mode in ("infer", "batch"):
        x = net.inputs(X)
        from engine.workspace import Workspace
        ws = Workspace(net, len(X))
        fast = net.run_forward(ws, x, net.blocks, mode=mode).T
        plain, _ = reference.forward(net, X, mode=mode)
        np.testing.assert_allclose(fast, plain, rtol=0, atol=1e-12)
    loss, dW, db, dnorm = reference.all_gradients(net, X, Y)
    grad = net.flat_gradient(net.inputs(X), net.encode(Y).T.copy())
    blocks = net.layout.blocks(grad)
    for l, (w, b) in enumerate(zip(dW, db)):
        np.testing.assert_allclose(blocks[l][:, :-1].T, w, rtol=0, atol=1e-12)
        np.testing.assert_allclose(blocks[l][:, -1], b, rtol=0, atol=1e-12)
    for mine, theirs in zip(blocks.norm, dnorm):
        np.testing.assert_allclose(mine[:2], theirs, rtol=0, atol=1e-12)
        assert not mine[2:].any()  # running averages get no gradient
    assert len(dnorm) == (3 if normalization != "none" else 0)
    assert loss == pytest.approx(net.loss_of(X, Y, training=True)(), abs=1e-12)


def test_skips_only_where_widths_match():
    net = Network([2, 2, 4, 4, 3, 1], residual=True)
    assert net.skips == [True, False, True, False]
    assert not Network([2, 4, 1], residual=True).deep  # nothing can skip: the fast path
    assert Network([2, 4, 1], normalization="layer").deep


def test_batch_norm_keeps_running_averages_with_momentum():
    trainer = Trainer({"hidden": [4], "normalization": "batch", "batch_size": 500, "train_ratio": 50,
                       "n_samples": 40, "seed": 3})
    net = trainer.network
    data = trainer.training_data
    block = net.norm_blocks[0]
    assert block[0].tolist() == [1.0] * 4 and block[3].tolist() == [1.0] * 4
    x = data.x[:, :data.n_train]
    z = net.blocks[0] @ x  # one step over all training points: the batch statistics are these
    trainer.step(1)
    n = data.n_train
    np.testing.assert_allclose(block[2], (1 - MOMENTUM) * z.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(block[3], MOMENTUM + (1 - MOMENTUM) * z.var(axis=1) * n / (n - 1), rtol=1e-12)
    # pictures and losses use them: the reported loss is the running-average network's
    trainer.train(3)
    labels = data.labels[:n]
    assert trainer.evaluate().train_loss == pytest.approx(net.loss(x[:-1].T, labels), rel=1e-5)
    assert net.loss(x[:-1].T, labels) != pytest.approx(net.loss_of(x[:-1].T, labels, training=True)(), rel=1e-9)


def test_scale_and_shift_are_trained_by_every_optimizer_and_skip_the_penalty():
    for optimizer in ("sgd", "momentum", "adagrad", "rmsprop", "adam"):
        trainer = Trainer({"hidden": [4, 4], "normalization": "layer", "optimizer": optimizer,
                           "regularization": "l2", "reg_rate": 0.1, "seed": 2})
        start = trainer.network.params.copy()
        trainer.train(2)
        norm = slice(trainer.network.layout.offsets[-1], None)
        assert not np.array_equal(trainer.network.params[norm], start[norm]), optimizer
        assert not trainer.penalty.mask[norm].any()
        for state in ("v", "cache", "m"):  # the optimizer's state covers them too
            if hasattr(trainer.optimizer, state):
                assert getattr(trainer.optimizer, state).size == trainer.network.params.size


@pytest.mark.parametrize("patch", [{"residual": True}, {"normalization": "batch"}, {"normalization": "layer"},
                                   {"lr_schedule": "cosine"}, {"clip_norm": 1.0}])
def test_sessions_with_the_new_keys_train_alone_and_a_stack_stays_bit_for_bit(patch):
    base = {"hidden": [4, 4], "seed": 4, "dataset": "xor"}
    alone, stacked_a, stacked_b = Trainer({**base, **patch}), Trainer(base), Trainer({**base, "seed": 5})
    assert StackKey.of(alone) is None
    assert StackKey.of(stacked_a) == StackKey.of(stacked_b) is not None
    twin, twin_a, twin_b = Trainer({**base, **patch}), Trainer(base), Trainer({**base, "seed": 5})
    pool = StackPool()
    for _ in range(3):
        pool.step({alone: 37, stacked_a: 37, stacked_b: 37})
        for t in (twin, twin_a, twin_b):
            t.step(37)
    for mine, theirs in ((alone, twin), (stacked_a, twin_a), (stacked_b, twin_b)):
        assert np.array_equal(mine.network.params, theirs.network.params)
