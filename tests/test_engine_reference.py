"""The fast path (engine.network: flat parameters, call lists, in-place ufuncs) computes what the
plain teaching reference (engine.reference) computes: outputs, losses and gradients to 1e-12."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Network, reference
from engine.activations import ACTIVATIONS

# (loss, output activation or None for the loss's default, outputs, what Y holds)
HEADS = [
    ("squared", None, 1, "classes"),  # tanh, ±1 targets
    ("squared", "sigmoid", 1, "classes"),
    ("squared", "linear", 1, "real"),  # regression
    ("squared", None, 3, "classes"),  # softmax, one-hot
    ("cross_entropy", None, 1, "classes"),  # sigmoid
    ("cross_entropy", None, 4, "classes"),  # softmax
    ("hinge", None, 1, "classes"),
    ("hinge", None, 3, "classes"),  # Weston-Watkins
]


def case(activation, loss, output, n_out, labels, seed=0):
    rng = np.random.default_rng(seed)
    net = Network([3, 5, 4, n_out], activation, output, loss, "xavier", seed, leaky_slope=0.2)
    net.params[:] = rng.normal(0.0, 0.8, net.params.size)  # biases too, so that nothing is zero
    X = rng.uniform(-2, 2, (40, 3))
    if labels == "real":
        Y = rng.normal(0, 1, 40)
    else:
        Y = rng.integers(0, max(n_out, 2), 40).astype(np.float64)
    return net, X, Y


@pytest.mark.parametrize("activation", [*ACTIVATIONS, ["relu", "maxout"], ["maxout", "tanh"], ["elu", "sigmoid"]],
                         ids=str)
@pytest.mark.parametrize("loss, output, n_out, labels", HEADS, ids=lambda v: str(v))
def test_fast_path_matches_the_reference(activation, loss, output, n_out, labels):
    net, X, Y = case(activation, loss, output, n_out, labels)
    want_out, _ = reference.forward(net, X)
    want_loss, want_dW, want_db = reference.loss_and_gradients(net, X, Y)
    np.testing.assert_allclose(net.forward(X), want_out, rtol=0, atol=1e-12)
    assert net.loss(X, Y) == pytest.approx(want_loss, rel=0, abs=1e-12)
    dW, db = net.gradients(X, Y)
    assert [g.shape for g in dW] == [g.shape for g in want_dW] and len(db) == len(want_db)
    for got, want in zip(dW + db, want_dW + want_db):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert max(np.abs(g).max() for g in want_dW) > 1e-3  # a real gradient, not zeros matching zeros


def test_the_reference_is_not_the_fast_path_in_disguise():
    """A wrong slope in the reference shows: the comparison above can fail."""
    net, X, Y = case("leaky_relu", "squared", None, 1, "classes")
    _, want_dW, _ = reference.loss_and_gradients(net, X, Y)
    net.leaky_slope = 0.3
    dW, _ = net.gradients(X, Y)
    assert max(np.abs(a - b).max() for a, b in zip(dW, want_dW)) > 1e-6
