"""Gradient clipping by the global norm (Pascanu et al. 2013), one call in a training step.

After the backward pass, if the norm of the mean gradient over every parameter (weights,
biases, normalization scale and shift) exceeds `clip_norm`, the whole gradient is scaled down
to that norm: its direction is kept, only the step's length is capped. A too-large learning
rate then takes bounded steps instead of running away. Penalties are added afterwards (by the
optimizer), so only the data gradient is clipped; the gradient a snapshot reports is the
clipped one, the one the step used.
"""

from __future__ import annotations

import math

import numpy as np


def clip_gradient(grad: np.ndarray, scale: float, clip_norm: float) -> None:
    """Scale `grad` (summed over a batch; `scale` = 1 / batch size) in place so that the norm of
    scale·grad is at most `clip_norm` (> 0)."""
    norm = float(np.sqrt(np.dot(grad, grad))) * scale
    if norm > clip_norm and math.isfinite(norm):
        grad *= clip_norm / norm
