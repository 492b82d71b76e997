"""engine.insight: activation curves, hidden space, early stopping, gradient ratios."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Network, Trainer, activations
from engine.config import ACTIVATIONS, ConfigError
from engine.insight import (EarlyStopping, activation_curves, gradient_ratio, grid_lines, hidden_activations,
                            hidden_space, vanishing_gradient)


# --- activation curves ----------------------------------------------------------------------------

def test_curves_cover_every_activation_over_the_plane_range():
    curves = activation_curves()
    assert set(curves) == set(ACTIVATIONS)
    for name, curve in curves.items():
        assert len(curve["x"]) == len(curve["y"]) == len(curve["dy"]) == 121, name
        assert curve["x"][0] == -6 and curve["x"][-1] == 6 and curve["x"][60] == 0
        assert all(math.isfinite(v) for v in curve["y"] + curve["dy"]), name


def test_sigmoid_derivative_peaks_at_a_quarter_at_zero():
    c = activation_curves(["sigmoid"])["sigmoid"]
    dy = np.array(c["dy"])
    assert int(np.argmax(dy)) == 60 and dy[60] == pytest.approx(0.25)
    assert dy[0] < 0.003 and dy[-1] < 0.003  # saturated at ±6: the gradient is "killed"
    assert c["y"][60] == pytest.approx(0.5)


def test_derivatives_agree_with_the_slope_of_the_curves():
    curves = activation_curves(n=2001)
    for name, c in curves.items():
        x, y, dy = (np.array(c[k]) for k in ("x", "y", "dy"))
        slope = np.gradient(y, x)
        away = np.abs(x) > 0.05  # the kinks of relu, leaky_relu, maxout at 0
        assert np.allclose(slope[away][1:-1], dy[away][1:-1], atol=2e-3), name


def test_relu_is_a_step_in_its_derivative_and_leaky_uses_its_slope():
    c = activation_curves(["relu", "leaky_relu", "maxout", "tanh", "linear"], leaky_slope=0.2)
    x = np.array(c["relu"]["x"])
    relu_dy = np.array(c["relu"]["dy"])
    assert set(relu_dy[x < 0]) == {0.0} and set(relu_dy[x > 0]) == {1.0}
    assert np.array(c["relu"]["y"]) == pytest.approx(np.maximum(x, 0))
    assert np.array(c["leaky_relu"]["dy"])[x < 0] == pytest.approx(0.2)
    assert np.array(c["maxout"]["y"]) == pytest.approx(np.maximum(x, 0))  # its ReLU special case
    assert max(c["tanh"]["dy"]) == pytest.approx(1.0)
    assert set(c["linear"]["dy"]) == {1.0}


@pytest.mark.parametrize("kwargs,key", [({"names": ["softplus"]}, "names"), ({"n": 1}, "n"),
                                        ({"n": 10**6}, "n"), ({"leaky_slope": 2}, "leaky_slope")])
def test_curve_arguments_are_checked(kwargs, key):
    with pytest.raises(ConfigError) as err:
        activation_curves(**kwargs)
    assert err.value.key == key


# --- hidden space -----------------------------------------------------------------------------------

def test_grid_lines_cover_the_plane():
    g = grid_lines(lines=5, samples=7)
    assert g.shape == (2, 5, 7, 2)
    assert np.all(g[0, 2, :, 1] == 0) and g[0, 2, 0, 0] == -6 and g[0, 2, -1, 0] == 6  # horizontal y = 0
    assert np.all(g[1, 4, :, 0] == 6) and g[1, 4, 0, 1] == -6  # vertical x = 6, bottom to top


def identity_trainer(activation: str = "linear") -> Trainer:
    """A trainer whose first hidden layer copies its inputs: weights I, biases 0."""
    trainer = Trainer({"dataset": "circle", "n_samples": 40, "hidden": [2, 3], "activation": activation,
                       "seed": 1})
    trainer.network.weights[0][...] = np.eye(2)
    trainer.network.biases[0][...] = 0
    return trainer


def test_an_identity_first_layer_maps_the_grid_onto_itself():
    trainer = identity_trainer()
    view = hidden_space(trainer, 0, 0, 1, lines=9, samples=11)
    g = grid_lines(9, 11)
    assert np.allclose(view["lines"]["horizontal"], g[0]) and np.allclose(view["lines"]["vertical"], g[1])
    train = np.array(view["train"])
    pts = trainer.points
    assert np.allclose(train[:, :2], pts.xy[pts.train]) and np.array_equal(train[:, 2], pts.label[pts.train])
    assert len(view["test"]) == int((~pts.train).sum())
    assert view["range"]["u"][0] < -6 < 6 < view["range"]["u"][1]
    # Swapping the units swaps the coordinates.
    swapped = hidden_space(trainer, 0, 1, 0, lines=9, samples=11)
    assert np.allclose(np.array(swapped["lines"]["horizontal"])[..., ::-1], g[0])


def test_tanh_layer_bends_the_grid_into_its_range():
    trainer = identity_trainer("tanh")
    view = hidden_space(trainer, 0, 0, 1)
    lines = np.array(view["lines"]["horizontal"])
    assert lines.shape == (13, 60, 2)
    assert np.allclose(lines, np.tanh(grid_lines()[0]))
    assert -1.11 <= view["range"]["u"][0] < -1 and 1 < view["range"]["u"][1] <= 1.11  # bounded, 5 % margin


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_hidden_activations_continue_into_the_engines_own_output(activation):
    """The last hidden layer's activations, pushed through the output layer, give network.forward."""
    net = Network([2, 3, 4, 1], activation=activation, loss="squared", init="xavier", seed=2)
    X = np.random.default_rng(0).uniform(-6, 6, (25, 2))
    H = hidden_activations(net, X, 1)
    assert H.shape == (25, 4)
    assert np.allclose(np.tanh(H @ net.weights[-1] + net.biases[-1]), net.forward(X))  # tanh: squared binary head
    first = hidden_activations(net, X, 0)
    assert np.allclose(hidden_activations(net, X, 1), activations.apply(activation, first @ net.weights[1] + net.biases[1]))


def test_second_layer_view_and_argument_checks():
    trainer = Trainer({"dataset": "xor", "n_samples": 40, "hidden": [4, 3], "seed": 3})
    view = hidden_space(trainer, 1, 2, 0, lines=3, samples=4)
    assert np.array(view["lines"]["vertical"]).shape == (3, 4, 2) and view["units"] == [2, 0]
    for kwargs, key, allowed in [({"layer": 2}, "layer", "0..1"), ({"unit_a": 3}, "unit_a", "0..2"),
                                 ({"unit_b": -1}, "unit_b", "0..2"), ({"lines": 1}, "lines", "2..41"),
                                 ({"samples": 10**5}, "samples", "2..400"), ({"layer": True}, "layer", "0..1")]:
        args = {"layer": 1, "unit_a": 0, "unit_b": 1, **kwargs}
        with pytest.raises(ConfigError) as err:
            hidden_space(trainer, **args)
        assert err.value.key == key and allowed in str(err.value)
    trainer.network.weights[0][0, 0] = np.nan
    with pytest.raises(ConfigError, match="diverged") as err:
        hidden_space(trainer, 1, 0, 1)
    assert err.value.key == "network"
    flat = Trainer({"hidden": [], "seed": 1})
    with pytest.raises(ConfigError, match="no hidden layer"):
        hidden_space(flat, 0, 0, 0)


# --- early stopping ---------------------------------------------------------------------------------

def test_early_stopping_triggers_after_patience_and_keeps_the_best_epoch():
    stop = EarlyStopping(patience=3)
    losses = [0.9, 0.7, 0.5, 0.55, 0.52, 0.6]
    triggered = [stop.observe(epoch, loss) for epoch, loss in enumerate(losses, 1)]
    assert triggered == [False, False, False, False, False, True]
    assert stop.best_epoch == 3 and stop.best_loss == 0.5
    assert stop.state() == {"patience": 3, "best_epoch": 3, "best_loss": 0.5, "stopped": True}
    stop.reset()
    assert stop.best_epoch is None and not stop.should_stop


def test_an_improvement_restarts_the_count_and_min_delta_is_respected():
    stop = EarlyStopping(patience=2, min_delta=0.1)
    assert not stop.observe(1, 1.0)
    assert not stop.observe(2, 0.95)  # not better by 0.1
    assert stop.observe(3, 0.92)
    assert not stop.observe(4, 0.5)
    assert stop.best_epoch == 4


def test_missing_or_nan_test_losses_never_improve():
    stop = EarlyStopping(patience=2)
    assert not stop.observe(1, None)
    assert stop.observe(2, float("nan"))
    assert stop.best_epoch is None


@pytest.mark.parametrize("args,key", [((0,), "patience"), ((2.5,), "patience"), ((5, -1), "min_delta"),
                                      ((5, float("inf")), "min_delta")])
def test_early_stopping_arguments_are_checked(args, key):
    with pytest.raises(ConfigError) as err:
        EarlyStopping(*args)
    assert err.value.key == key


# --- gradient flow ----------------------------------------------------------------------------------

def test_gradient_ratio_compares_first_and_last_layer():
    assert gradient_ratio([0.001, 0.01, 0.05]) == pytest.approx(50)
    assert vanishing_gradient([0.001, 0.5, 0.02]) and not vanishing_gradient([0.01, 0.5, 0.05])
    assert gradient_ratio([0.0, 0.1]) == math.inf and gradient_ratio([0.0, 0.0]) == 1.0
    assert gradient_ratio([0.3]) == 1.0  # one layer is its own first and last
    for bad in ([], [0.1, float("nan")], [-1, 1]):
        with pytest.raises(ConfigError):
            gradient_ratio(bad)


def test_gradient_check_of_a_large_network_samples_its_parameters():
    from engine import Trainer
    from engine.gradcheck import PASS_THRESHOLD, gradient_check
    from engine.trainer import GRADCHECK_PARAMS
    trainer = Trainer({"hidden": [16, 16, 16], "seed": 2})
    trainer.train(1)
    assert trainer.network.params.size > GRADCHECK_PARAMS
    assert trainer.gradient_check() < PASS_THRESHOLD
    # a wrong backward pass (every weight gradient doubled) is still caught by a small sample
    net = trainer.network
    real = net.gradients

    def wrong(X, Y):
        dW, db = real(X, Y)
        return [2 * d for d in dW], db
    net.gradients = wrong
    X, Y = trainer.points.xy[:20], trainer.points.label[:20]
    assert gradient_check(net, X, Y, max_params=50) > 0.1
