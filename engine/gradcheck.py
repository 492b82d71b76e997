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
# The largest relative error that still counts as "backprop is right" (what the playground's
# gradient-check button reports as passed): well above float64 rounding (~1e-7 here), well below
# what a wrong derivative gives (~1e-1 and up).
PASS_THRESHOLD = 1e-4


def gradient_check(network: Any, X: Any, Y: Any, eps: float = 1e-5) -> float:
    """The largest relative error between `network.gradients(X, Y)` and central differences.

    Parameters are perturbed in place and restored exactly afterwards.
    """
    dW, db = network.gradients(X, Y)
    analytic = network.layout.pack(dW, db)
    params = network.params
    numeric = np.empty_like(analytic)
    for i in range(params.size):
        saved = params[i]
        params[i] = saved + eps
        up = network.loss(X, Y)
        params[i] = saved - eps
        down = network.loss(X, Y)
        params[i] = saved
        numeric[i] = (up - down) / (2 * eps)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), FLOOR)
    return float(np.max(np.abs(analytic - numeric) / scale)) if analytic.size else 0.0
