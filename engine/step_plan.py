"""A whole training step as one call list: the passes, gradient clipping, the update."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .clipping import clip_gradient
from .network import Call
from .optimizers import Optimizer
from .regularization import Penalty


def step_calls(passes: Sequence[Call], optimizer: Optimizer, grad: np.ndarray, params: np.ndarray, lr: float,
               scale: float, penalty: Optional[Penalty], clip_norm: float = 0.0) -> list[Call]:
    """`passes` (forward and backward into `grad`, summed over the batch; `scale` = 1 / its
    size), then, when `clip_norm` > 0, the gradient clipped to that global norm
    (engine.clipping), then `optimizer`'s update of `params` at rate `lr` with `penalty`."""
    clip: list[Call] = [(clip_gradient, (grad, scale, clip_norm))] if clip_norm > 0 else []
    return [*passes, *clip, *optimizer.calls(params, grad, lr, scale, penalty)]
