"""Seeing inside a network: the measurements behind the page's insight panels (pure NumPy, no I/O).

- `activation_curves`: every activation and its derivative over [−6, 6], from the engine's own
  activation table, for the activation explorer.
- `hidden_space`: the input plane's grid lines and the data mapped into two units of a hidden
  layer, for the hidden-space view (as in ConvNetJS's 2-D demo).
- `EarlyStopping`: pause when the test loss has stopped improving; remembers the best epoch.
- `gradient_ratio` / `vanishing_gradient`: the first layer's gradient against the last's, the
  number the vanishing-gradient lesson is about.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import activations
from .config import ACTIVATIONS, ConfigError
from .datasets import DOMAIN
from .features import transform
from .reference import forward

CURVE_RANGE = (-DOMAIN, DOMAIN)
# What the explorer says about maxout, which is not a function of one number: a unit is
# max(w₁·x + b₁, w₂·x + b₂), and ReLU is its special case w₁ = 0, b₁ = 0; that case is drawn.
MAXOUT_NOTE = {
    "en": "maxout(x) = max(w₁·x + b₁, w₂·x + b₂); drawn here is its ReLU case max(0, x) (w₁ = b₁ = 0).",
    "zh": "maxout(x) = max(w₁·x + b₁, w₂·x + b₂)；这里画的是它的特例 max(0, x)（w₁ = b₁ = 0，即 ReLU）。",
}


# --- activation explorer -------------------------------------------------------------------------

def activation_curves(names: Sequence[str] | None = None, n: int = 121,
                      leaky_slope: float = 0.01) -> dict[str, dict[str, list[float]]]:
    """{name: {"x": [...], "y": [...], "dy": [...]}} over [−6, 6] with `n` points.

    Values come from the engine's activation table (engine.activations), so the explorer shows
    exactly the functions the network trains with; dy is the derivative the backward pass uses
    (at ReLU's kink x = 0 that is the engine's choice). maxout is drawn as max(0, x), see MAXOUT_NOTE.
    """
    names = list(ACTIVATIONS) if names is None else list(names)
    for name in names:
        if name not in ACTIVATIONS:
            raise ConfigError("names", f"{name!r} is not an activation; allowed: {', '.join(ACTIVATIONS)}")
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 2001:
        raise ConfigError("n", f"expected a whole number 2..2001, got {n!r}")
    if isinstance(leaky_slope, bool) or not isinstance(leaky_slope, (int, float)) or not 0 <= leaky_slope <= 1:
        raise ConfigError("leaky_slope", f"expected a number 0..1, got {leaky_slope!r}")
    x = np.linspace(*CURVE_RANGE, n)
    curves = {}
    for name in names:
        y, dy = activations.curve(name, x, leaky_slope=float(leaky_slope))
        curves[name] = {"x": x.tolist(), "y": np.asarray(y, dtype=float).tolist(),
                        "dy": np.asarray(dy, dtype=float).tolist()}
    return curves


# --- hidden space --------------------------------------------------------------------------------

def grid_lines(lines: int = 13, samples: int = 60) -> np.ndarray:
    """The input plane's grid: (2, lines, samples, 2) points over [−6, 6]².

    [0, i] is the horizontal line at y_i (x running left to right), [1, i] the vertical line at
    x_i (y running bottom to top).
    """
    at = np.linspace(-DOMAIN, DOMAIN, lines)
    along = np.linspace(-DOMAIN, DOMAIN, samples)
    out = np.empty((2, lines, samples, 2))
    out[0, :, :, 0], out[0, :, :, 1] = along[None, :], at[:, None]
    out[1, :, :, 0], out[1, :, :, 1] = at[:, None], along[None, :]
    return out


def hidden_activations(network: Any, X: np.ndarray, layer: int, leaky_slope: float | None = None) -> np.ndarray:
    """The activations of hidden layer `layer` (0-based) for network inputs X (n, fan_in).

    Runs the forward pass of `network` (its weights, biases and hidden activation names) only
    up to that layer, through the engine's activation table; maxout takes the larger of the two
    pieces stored side by side. `leaky_slope` defaults to the network's own.
    """
    if leaky_slope is None:
        leaky_slope = getattr(network, "leaky_slope", 0.01)
    if getattr(network, "deep", False):  # skips and normalization: the reference pass, as pictures see it
        return forward(network, X)[1][layer]["a"]  # (the network's own slope)
    A = np.asarray(X, dtype=np.float64)
    for l in range(layer + 1):
        Z = A @ network.weights[l] + network.biases[l]
        A = activations.apply(network.activations[l], Z, leaky_slope=leaky_slope)
    return A


def hidden_space_arrays(trainer: Any, layer: int, unit_a: int, unit_b: int, lines: int = 13,
                        samples: int = 60) -> dict[str, Any]:
    """`hidden_space` as arrays, for streaming it every frame without building lists.

    Returns {"layer", "units": [a, b], "lines": float64 (2, lines, samples, 2) — horizontal lines
    then vertical ones, each point as (u, v) —, "points": float64 (n, 3) of u, v, label with the
    training points first, "n_train", "range": {"u": [lo, hi], "v": [lo, hi]}}. Checks and errors
    as `hidden_space`.
    """
    network, config = trainer.network, trainer.config
    n_layers = len(config["hidden"])
    if n_layers == 0:
        raise ConfigError("layer", "this network has no hidden layer; add one to see the hidden space")
    layer = _whole("layer", layer, 0, n_layers - 1)
    width = config["hidden"][layer]
    unit_a = _whole("unit_a", unit_a, 0, width - 1)
    unit_b = _whole("unit_b", unit_b, 0, width - 1)
    lines = _whole("lines", lines, 2, 41)
    samples = _whole("samples", samples, 2, 400)

    grid = grid_lines(lines, samples)
    points = trainer.points
    order = points.train_first()
    xy = np.concatenate([grid.reshape(-1, 2), points.xy[order]])
    with np.errstate(all="ignore"):  # a diverged network overflows; refused just below
        H = hidden_activations(network, transform(xy, config["features"]), layer)
    uv = H[:, [unit_a, unit_b]]
    if not np.isfinite(uv).all():  # only a diverged network gets here; NaN has no place on a plot (or in JSON)
        raise ConfigError("network", "its activations are not finite (the training diverged); reset it first")
    n_grid = grid[..., 0].size
    return {
        "layer": layer, "units": [unit_a, unit_b],
        "lines": uv[:n_grid].reshape(2, lines, samples, 2),
        "points": np.column_stack([uv[n_grid:], points.label[order]]),
        "n_train": int(np.count_nonzero(points.train)),
        "range": {"u": _padded(uv[:, 0]), "v": _padded(uv[:, 1])},
    }


def hidden_space(trainer: Any, layer: int, unit_a: int, unit_b: int, lines: int = 13,
                 samples: int = 60) -> dict[str, Any]:
    """How hidden layer `layer` transforms the plane, seen through two of its units.

    Returns {"layer", "units": [a, b], "lines": {"horizontal": [[[u, v], ...] per line],
    "vertical": [...]}, "train": [[u, v, label], ...], "test": [...], "range": {"u": [lo, hi],
    "v": [lo, hi]}}: the input plane's grid lines (`lines` lines of `samples` points each way)
    and the trainer's points, mapped through the network up to that layer, with unit a's
    activation as u and unit b's as v. Ranges cover everything drawn, with a small margin.
    Arguments are checked; a ConfigError names the argument and the allowed range.
    """
    arrays = hidden_space_arrays(trainer, layer, unit_a, unit_b, lines, samples)
    mapped_grid, mapped_points, n_train = arrays["lines"], arrays["points"], arrays["n_train"]
    return {
        "layer": arrays["layer"], "units": arrays["units"],
        "lines": {"horizontal": mapped_grid[0].tolist(), "vertical": mapped_grid[1].tolist()},
        "train": mapped_points[:n_train].tolist(), "test": mapped_points[n_train:].tolist(),
        "range": arrays["range"],
    }


def _padded(values: np.ndarray) -> list[float]:
    """[lo, hi] of `values` widened by 5 % (at least ±0.05) so nothing sits on the frame."""
    if values.size == 0:
        return [-1.0, 1.0]
    lo, hi = float(values.min()), float(values.max())
    pad = max(0.05 * (hi - lo), 0.05)
    return [lo - pad, hi + pad]


def _whole(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ConfigError(name, f"expected a whole number {lo}..{hi}, got {value!r}")
    return int(value)


# --- early stopping --------------------------------------------------------------------------------

class EarlyStopping:
    """Tells when the test loss has not improved for `patience` epochs (the notes' Early Stop).

    `observe(epoch, test_loss)` after every epoch returns True once the best test loss is
    `patience` or more epochs old; `best_epoch` / `best_loss` mark where training should have
    stopped (the loss chart's marker). An improvement must beat the best by `min_delta`.
    NaN or missing losses (no test points) never count as improvements.
    """

    def __init__(self, patience: int, min_delta: float = 0.0):
        self.patience = _whole("patience", patience, 1, 100_000)
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)) or not 0 <= min_delta < math.inf:
            raise ConfigError("min_delta", f"expected a finite number >= 0, got {min_delta!r}")
        self.min_delta = float(min_delta)
        self.reset()

    def reset(self) -> None:
        """Forget everything (after a reset or a change that rebuilds the network)."""
        self.best_epoch: int | None = None
        self.best_loss: float | None = None
        self.last_epoch: int | None = None

    def observe(self, epoch: int, test_loss: float | None) -> bool:
        """Record one epoch's test loss; True when training should stop."""
        self.last_epoch = epoch
        if test_loss is not None and math.isfinite(test_loss) and (
                self.best_loss is None or test_loss < self.best_loss - self.min_delta):
            self.best_loss, self.best_epoch = float(test_loss), epoch
        return self.should_stop

    @property
    def should_stop(self) -> bool:
        """True when the best epoch is at least `patience` epochs behind the last one observed."""
        if self.last_epoch is None:
            return False
        since = self.last_epoch - (self.best_epoch if self.best_epoch is not None else 0)
        return since >= self.patience

    def state(self) -> dict[str, Any]:
        """JSON-ready state for the page: patience, best epoch and loss, whether to stop."""
        return {"patience": self.patience, "best_epoch": self.best_epoch, "best_loss": self.best_loss,
                "stopped": self.should_stop}


# --- gradient flow ---------------------------------------------------------------------------------

def gradient_ratio(grad_norms: Sequence[float]) -> float:
    """The last layer's mean |∂L/∂W| divided by the first layer's (inf if the first is 0).

    `grad_norms` is the per-layer list of a snapshot or frame (first layer first, output last).
    A vanishing gradient shows as a large ratio: ≥ 10 means the first layer learns at least ten
    times more slowly than the last. A network without hidden layers has ratio 1.
    """
    norms = [float(g) for g in grad_norms]
    if not norms:
        raise ConfigError("grad_norms", "need at least 1 layer, got none")
    if not all(math.isfinite(g) and g >= 0 for g in norms):
        raise ConfigError("grad_norms", "expected finite numbers >= 0")
    first, last = norms[0], norms[-1]
    if first == 0:
        return math.inf if last > 0 else 1.0
    return last / first


def vanishing_gradient(grad_norms: Sequence[float], factor: float = 10.0) -> bool:
    """True when the first layer's gradient is at least `factor` times below the last layer's."""
    return gradient_ratio(grad_norms) >= factor
