"""engine.Network: backprop against numbers (gradient checks, the notes' worked example, AND/OR),
label encodings, parameter views and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ConfigError, Network, gradient_check
from engine.activations import ACTIVATIONS, apply, curve
from engine.config import INITS, LOSSES
from engine.regularization import Penalty

ACTS = list(ACTIVATIONS)


def data(n=7, inputs=3, classes=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, inputs)), rng.integers(0, classes, n)


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("outputs", [1, 3])
def test_gradient_check_every_activation_and_loss(activation, loss, outputs):
    X, y = data(classes=max(outputs, 2))
    net = Network([3, 4, 3, outputs], activation=activation, loss=loss, init="xavier", seed=1)
    assert gradient_check(net, X, y) < 1e-6


def test_gradient_check_regression_and_explicit_outputs():
    X, _ = data()
    target = np.sin(X[:, :1])
    assert gradient_check(Network([3, 5, 1], "elu", "linear", init="he", seed=2), X, target) < 1e-6
    two = np.random.default_rng(1).uniform(size=(7, 2))
    assert gradient_check(Network([3, 4, 2], "tanh", "sigmoid", seed=3), X, two) < 1e-6


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_penalty_gradient_matches_its_value(kind):
    """The penalty's gradient is the derivative of its reported value, on weights only."""
    net = Network([2, 3, 1], seed=4)
    mask = net.layout.weight_mask()
    penalty = Penalty(kind, 0.3, mask)
    grad, tmp = np.zeros_like(net.params), np.empty_like(net.params)
    penalty.add_gradient(net.params, grad, tmp)
    eps, p = 1e-6, net.params
    for i in range(p.size):
        saved = p[i]
        p[i] = saved + eps
        up = penalty.value(p)
        p[i] = saved - eps
        down = penalty.value(p)
        p[i] = saved
        assert grad[i] == pytest.approx((up - down) / (2 * eps), abs=1e-6)
    assert np.all(grad[mask == 0] == 0)  # biases are never penalised


@settings(max_examples=25, deadline=None)
@given(hidden=st.lists(st.integers(1, 5), min_size=0, max_size=3),
       activation=st.sampled_from(ACTS), loss=st.sampled_from(LOSSES),
       outputs=st.integers(1, 4), inputs=st.integers(1, 4), seed=st.integers(0, 10**6))
def test_gradient_check_random_shapes(hidden, activation, loss, outputs, inputs, seed):
    X, y = data(n=5, inputs=inputs, classes=max(outputs, 2), seed=seed)
    net = Network([inputs, *hidden, outputs], activation=activation, loss=loss, init="xavier", seed=seed)
    rng = np.random.default_rng(seed)
    for b in net.biases:  # zero biases put a dead ReLU's successor exactly on its kink (z = 0)
        b[...] = rng.normal(0, 0.3, b.shape)
    assert gradient_check(net, X, y) < 1e-5


def test_mixed_activations_per_layer():
    X, y = data()
    net = Network([3, 4, 3, 5, 2], activation=["tanh", "maxout", "relu"], loss="cross_entropy", init="xavier")
    assert net.activations == ["tanh", "maxout", "relu"]
    assert net.weights[1].shape == (4, 6)  # maxout: two pieces side by side
    assert gradient_check(net, X, y) < 1e-6


def test_one_sgd_step_by_hand_the_notes_worked_example():
    """The notes' backprop example: inputs (0.05, 0.1), targets (0.01, 0.99), sigmoid everywhere,
    E = ½Σ(t - o)²; after one step with η = 0.5, w5 = 0.35891648 and w1 = 0.149780716."""
    net = Network([2, 2, 2], activation="sigmoid", output_activation="sigmoid", loss="squared")
    net.weights = [np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([[0.40, 0.50], [0.45, 0.55]])]
    net.biases = [np.array([0.35, 0.35]), np.array([0.60, 0.60])]
    X, Y = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    assert net.forward(X) == pytest.approx(np.array([[0.75136507, 0.772928465]]), abs=1e-8)
    assert net.loss(X, Y) == pytest.approx(0.298371109, abs=1e-9)
    dW, db = net.gradients(X, Y)
    assert dW[1][0, 0] == pytest.approx(0.082167041, abs=1e-9)
    new_w = [w - 0.5 * g for w, g in zip(net.weights, dW)]
    assert new_w[1][0, 0] == pytest.approx(0.35891648, abs=1e-8)  # w5
    assert new_w[1][1, 0] == pytest.approx(0.408666186, abs=1e-8)  # w6
    assert new_w[1][0, 1] == pytest.approx(0.511301270, abs=1e-8)  # w7
    assert new_w[1][1, 1] == pytest.approx(0.561370121, abs=1e-8)  # w8
    assert new_w[0][0, 0] == pytest.approx(0.149780716, abs=1e-8)  # w1


@pytest.mark.parametrize("bias, truth", [(-30, [0, 0, 0, 1]), (-10, [0, 1, 1, 1])])
def test_single_sigmoid_neuron_is_and_or(bias, truth):
    """θ = (−30, 20, 20) is AND, (−10, 20, 20) is OR (the notes)."""
    net = Network([2, 1], loss="cross_entropy")
    assert net.output_activation == "sigmoid"
    net.weights[0] = [[20], [20]]
    net.biases[0] = [bias]
    out = net.forward([[0, 0], [0, 1], [1, 0], [1, 1]])[:, 0]
    assert list((out > 0.5).astype(int)) == truth
    assert np.all((out < 1e-4) | (out > 1 - 1e-4))


def test_output_activation_and_label_encoding_follow_the_loss():
    cases = [("squared", 1, "tanh", [-1.0, 1.0]), ("cross_entropy", 1, "sigmoid", [0.0, 1.0]),
             ("hinge", 1, "identity", [-1.0, 1.0])]
    for loss, outputs, output, encoded in cases:
        net = Network([2, outputs], loss=loss)
        assert net.output_activation == output
        assert net.encode([0, 1])[:, 0].tolist() == encoded
    soft = Network([2, 3], loss="squared")
    assert soft.output_activation == "softmax"
    assert soft.encode([2, 0]).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert np.allclose(soft.forward(np.ones((4, 2))).sum(axis=1), 1)
    assert Network([2, 3], loss="hinge").output_activation == "identity"
    regression = Network([2, 1], output_activation="linear")
    assert regression.encode([0.25, -3.5])[:, 0].tolist() == [0.25, -3.5]
    with pytest.raises(ValueError, match="class indices"):
        Network([2, 1]).encode([0, 2])


def test_cross_entropy_is_finite_for_huge_logits():
    net = Network([1, 1], loss="cross_entropy")
    net.weights[0] = [[1000.0]]
    assert net.loss([[1.0], [-1.0]], [0, 1]) == pytest.approx(1000.0 + 0.0, rel=1e-9)
    soft = Network([1, 3], loss="cross_entropy")
    soft.weights[0] = [[1000.0, -1000.0, 0.0]]
    assert np.isfinite(soft.loss([[1.0]], [1]))


def test_weights_and_biases_are_views_of_one_buffer():
    net = Network([2, 3, 1])
    net.weights[0][1, 2] = 7.0
    net.biases[1][0] = -2.0
    assert 7.0 in net.params and -2.0 in net.params
    net.weights[1] = np.full((3, 1), 0.5)  # assignment copies into the view
    assert np.all(net.weights[1] == 0.5) and np.count_nonzero(net.params == 0.5) == 3
    with pytest.raises(ValueError, match="shape"):
        net.weights[0] = np.zeros((3, 2))


@pytest.mark.parametrize("init", INITS)
def test_initializations_are_seeded(init):
    a, b = Network([2, 8, 8, 1], init=init, seed=5), Network([2, 8, 8, 1], init=init, seed=5)
    assert np.array_equal(a.params, b.params)
    if init == "zeros":
        assert not a.params.any()
    elif init == "tf_uniform":
        assert np.all(np.abs(a.weights[0]) <= 0.5) and np.all(a.biases[0] == 0.1)
    else:
        assert not np.array_equal(a.params, Network([2, 8, 8, 1], init=init, seed=6).params)


def test_bad_network_arguments_raise_config_errors():
    for kwargs, key in [({"sizes": [2, *[1] * 17, 1]}, "hidden"), ({"sizes": [2, 65, 1]}, "hidden"),
                        ({"sizes": [2]}, "sizes"), ({"activation": "swish"}, "activation"),
                        ({"activation": ["tanh"]}, "activation"), ({"loss": "l7"}, "loss"),
                        ({"init": "ones"}, "init"), ({"loss": "hinge", "output_activation": "tanh"},
                                                     "output_activation")]:
        args = {"sizes": [2, 3, 3, 1], **kwargs}
        with pytest.raises(ConfigError) as err:
            Network(**args)
        assert err.value.key == key


def test_activation_table_helpers():
    for name in ACTS:
        x = np.linspace(-3, 3, 13)
        y, dy = curve(name, x)
        numeric = np.gradient(y, x)
        smooth = np.abs(x) > 0.6  # away from kinks
        assert np.allclose(dy[smooth][1:-1], numeric[smooth][1:-1], atol=0.05), name
    z = np.array([[1.0, -2.0, 3.0, 0.5]])
    assert apply("maxout", z).tolist() == [[3.0, 0.5]]
    assert apply("relu", z).tolist() == [[1.0, 0.0, 3.0, 0.5]]
