"""The forward and backward calls of one training step, shared by a lone trainer and a stack.

Input noise and dropout draw from a random stream in the step itself. A lone trainer passes its
own stream and its rates as floats; a stack (engine.stack) passes `StackStreams` — each
session's own stream, drawn in the same order as alone — and the rates as (S, 1, 1) columns.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .network import Call, Network
from .regularization import add_input_noise
from .workspace import Workspace


def training_passes(net: Network, ws: Workspace, x: np.ndarray, t: np.ndarray, blocks: Sequence[np.ndarray],
                    grads: Sequence[np.ndarray], dropout: Any, noise: Any, rng: Any,
                    loss_terms: Optional[np.ndarray] = None) -> list[Call]:
    """Calls for a step on inputs `x` (inputs + 1, n) and targets `t` into `ws`: noise (when
    `noise` is not 0), the forward pass with dropout (when `dropout` is not 0), the backward pass
    into `grads` (and the batch's `loss_terms`, when given: Network.backward_calls)."""
    calls: list[Call] = []
    if np.any(noise):
        noisy = ws.input_buffer(x.shape[-2])
        inputs = noisy[..., :-1, :]
        calls += [(np.copyto, (noisy, x)), (add_input_noise, (rng, inputs, noise, np.empty(inputs.shape)))]
        x = noisy
    calls += net.forward_calls(ws, x, blocks, dropout, rng, derivatives=True)
    calls += net.backward_calls(ws, x, t, grads, bool(np.any(dropout)), blocks, loss_terms)
    return calls


class StackStreams:
    """The random streams of a stack's rows [0, k) as one Generator-like object: each draw fills
    every row that is still training from that row's own stream (rows whose trainer is done
    for the call draw nothing: their stream is the trainer's)."""

    def __init__(self, streams: list[Optional[np.random.Generator]], done: list[bool], k: int):
        self.streams, self.done, self.k = streams, done, k

    def random(self, out: np.ndarray) -> np.ndarray:
        """Uniform [0, 1) draws into each live row of `out` (S, ...)."""
        for i in range(self.k):
            if not self.done[i]:
                self.streams[i].random(out=out[i])
        return out

    def standard_normal(self, out: np.ndarray) -> np.ndarray:
        """Normal draws into each live row of `out` (S, ...)."""
        for i in range(self.k):
            if not self.done[i]:
                self.streams[i].standard_normal(out=out[i])
        return out
