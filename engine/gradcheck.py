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

FLOOR = 1e-4


def gradient_check(network: Any, X: Any, Y: Any, eps: float = 1e-5) -> float:
    """The largest relative error between `network.gradients(X, Y)` and central differences.

    Parameters are perturbed in place and restored exactly afterwards.
    """
    dW, db = network.gradients(X, Y)
    analytic = np.concatenate([np.concatenate([w, b[None, :]]).ravel() for w, b in zip(dW, db)])
    params = network.params
    x, t = network.with_ones(X), network.encode(Y)
    numeric = np.empty_like(analytic)
    for i in range(params.size):
        saved = params[i]
        params[i] = saved + eps
        up = _loss(network, x, t)
        params[i] = saved - eps
        down = _loss(network, x, t)
        params[i] = saved
        numeric[i] = (up - down) / (2 * eps)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), FLOOR)
    return float(np.max(np.abs(analytic - numeric) / scale)) if analytic.size else 0.0


def _loss(network: Any, x: np.ndarray, t: np.ndarray) -> float:
    # The data loss on prepared inputs and targets, through the network's own passes.
    from .network import Workspace
    ws = Workspace(network, len(x))
    network.run_forward(ws, x, network.blocks)
    return float(np.mean(network.head.losses(ws.z[-1], ws.o, t)))
