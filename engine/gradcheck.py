"""Numerical gradient checking (the notes' last section): backprop against central differences.

For every parameter θ_i the numerical gradient is (L(θ_i + ε) - L(θ_i - ε)) / 2ε of the data
loss; the relative error |a - n| / max(|a|, |n|, FLOOR) compares it with backprop's a. The
FLOOR keeps gradients that are zero up to rounding (both ~1e-12) from reading as 100 % wrong:
below it the difference is judged in absolute terms. Errors near 1e-7 or below mean backprop
is right; kinks (ReLU at 0, hinge at the margin) may give isolated larger errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backprop_steps import passes

FLOOR = 1e-4
# The largest relative error that still counts as "backprop is right" (what the playground's
# gradient-check button reports as passed): well above float64 rounding (~1e-7 here), well below
# what a wrong derivative gives (~1e-1 and up).
PASS_THRESHOLD = 1e-4
GRADCHECK_POINTS = 20  # what a trainer's check uses (Trainer.gradient_check)
GRADCHECK_PARAMS = 500  # beyond, an evenly spread sample, so the largest network's check stays short


def gradient_check(network: Any, X: Any, Y: Any, eps: float = 1e-5, max_params: int | None = None,
                   plant_bug: bool = False) -> float:
    """The largest relative error between `network.gradients(X, Y)` and central differences.

    Every parameter is checked, or with `max_params` an evenly spread sample of that many
    (each costs two forward passes: a 16×64 network has 60 000 parameters, minutes of CPU).
    Parameters are perturbed in place and restored exactly afterwards. `plant_bug` checks a
    deliberately wrong backprop instead (engine.backprop_steps: every hidden f' taken as f),
    so the check can be seen failing; training never uses it. A network with residual
    connections or normalization is checked on its whole flat gradient (scale and shift
    included, batch normalization's running averages excluded), against its training loss.
    """
    params = network.params
    checked = np.arange(params.size)
    if getattr(network, "deep", False):  # running averages are written by the forward pass, not trained
        checked = np.flatnonzero(~network.layout.statistics_mask())
    if max_params is not None and params.size > max_params:
        checked = checked[np.unique(np.linspace(0, checked.size - 1, max_params).round().astype(np.intp))]
    if getattr(network, "deep", False):  # the flat gradient covers normalization's scale and shift too
        x, t = network.inputs(X), np.ascontiguousarray(network.encode(Y).T)
        analytic = network.flat_gradient(x, t, plant_bug=plant_bug)[checked]
    elif plant_bug:
        steps = passes(network, np.asarray(X, dtype=np.float64), network.encode(Y), plant_bug=True)
        analytic = network.layout.pack(steps["grad_w"], steps["grad_b"])[checked]
    else:
        analytic = network.layout.pack(*network.gradients(X, Y))[checked]
    numeric = np.empty_like(analytic)
    # the training loss: with batch normalization, each example's output depends on the batch
    loss = network.loss_of(X, Y, training=True)
    for k, i in enumerate(checked):
        saved = params[i]
        params[i] = saved + eps
        up = loss()
        params[i] = saved - eps
        down = loss()
        params[i] = saved
        numeric[k] = (up - down) / (2 * eps)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), FLOOR)
    return float(np.max(np.abs(analytic - numeric) / scale)) if analytic.size else 0.0


def check_trainer(network: Any, data: Any, plant_bug: bool = False) -> float:
    """`gradient_check` as a trainer runs it: on up to GRADCHECK_POINTS training points of
    `data` (engine.training_data; all points if none is for training) and up to
    GRADCHECK_PARAMS parameters; 0.0 without points."""
    n = data.n_train or data.n
    if n == 0:
        return 0.0
    take = slice(0, min(n, GRADCHECK_POINTS))
    return gradient_check(network, data.x[:-1, take].T, data.labels[take], max_params=GRADCHECK_PARAMS,
                          plant_bug=plant_bug)
