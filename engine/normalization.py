"""Normalizations of a hidden layer's pre-activation: name -> `Normalization` (one table).

A layer computes z = Wᵀx + b, then h = γ·ẑ + β with ẑ = (z − μ) / √(σ² + ε) and a learned
scale γ and shift β per pre-activation unit (maxout: per piece), then a = f(h). Values are
unit-major (width, n), as everywhere in the engine.

- **batch** (Ioffe & Szegedy 2015): μ, σ² are each unit's mean and (biased) variance over the
  batch's examples while training; pictures, losses and accuracies use running averages
  (momentum 0.9: running = 0.9·running + 0.1·batch, the variance's unbiased n/(n−1) estimate,
  as PyTorch keeps it). The gradient is the full one through the statistics:
  dz = (dẑ − mean(dẑ) − ẑ·mean(dẑ·ẑ)) / √(σ² + ε), not the shortcut that treats μ and σ as
  constants. **A batch of one** has no spread to normalize by (ẑ would be 0 for every input),
  so it falls back to the running averages, treated as constants, and leaves them unchanged.
- **layer** (Ba et al. 2016): μ, σ² are each example's mean and variance over the layer's units,
  the same in training and pictures; the gradient formula is the same along the other axis.

Parameter block of a layer (engine.layout): rows γ, β (and, for batch, running μ and σ²), one
column per unit; γ starts at 1, β at 0, the running variance at 1. Penalties (L1, L2) skip
γ and β, as they skip biases: shrinking the scale toward 0 would fight the normalization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

EPS = 1e-5  # PyTorch's default, so the PyTorch export computes the same
MOMENTUM = 0.9  # running = MOMENTUM·running + (1 − MOMENTUM)·batch


@dataclass(frozen=True)
class Normalization:
    """One normalization: `rows` of its parameter block, `axis` its statistics run over in a
    (width, n) array (-1: examples, -2: units), `running` whether it keeps running averages."""

    rows: int
    axis: int
    running: bool


NORMALIZATIONS: dict[str, Optional[Normalization]] = {
    "none": None,
    "batch": Normalization(rows=4, axis=-1, running=True),
    "layer": Normalization(rows=2, axis=-2, running=False),
}


def initial_block(norm: Normalization, width: int) -> np.ndarray:
    """A fresh parameter block: γ = 1, β = 0 (running mean 0, running variance 1)."""
    block = np.zeros((norm.rows, width))
    block[0] = 1.0
    if norm.running:
        block[3] = 1.0
    return block


def uses_batch_statistics(norm: Normalization, mode: str, n: int) -> bool:
    """Whether a pass in `mode` ("train", "batch" or "infer") over n examples normalizes by
    statistics of its own values (else by the running averages)."""
    return not norm.running or (mode != "infer" and n > 1)


def statistics_shape(norm: Normalization, width: int, n: int) -> tuple[int, int]:
    """The shape of a layer's 1/√(σ² + ε): one per unit (batch) or one per example (layer)."""
    return (width, 1) if norm.axis == -1 else (1, n)


def _mean(a: np.ndarray, axis: int) -> np.ndarray:
    """The mean along `axis`, kept as a length-1 axis. np.add.reduce and one multiply: mini-batches
    are a few examples wide, where ndarray.mean's own bookkeeping cost more than the sums."""
    m = np.add.reduce(a, axis=axis, keepdims=True)
    m *= 1.0 / a.shape[axis]
    return m


def forward(norm: Normalization, z: np.ndarray, block: np.ndarray, h: np.ndarray, xhat: np.ndarray,
            inv_std: np.ndarray, mode: str) -> None:
    """h = γ·ẑ + β from z (width, n) into `h`, keeping ẑ in `xhat` and 1/√(σ² + ε) in `inv_std`
    (what the backward pass needs). `mode` "train" also moves batch norm's running averages."""
    n = z.shape[-1]
    if uses_batch_statistics(norm, mode, n):
        mean = _mean(z, norm.axis)
        np.subtract(z, mean, out=xhat)
        var = _mean(np.multiply(xhat, xhat, out=h), norm.axis)  # h is free until the end
        if norm.running and mode == "train":
            block[2] *= MOMENTUM
            block[2] += (1.0 - MOMENTUM) * mean[:, 0]
            block[3] *= MOMENTUM
            block[3] += (1.0 - MOMENTUM) * (n / (n - 1)) * var[:, 0]
    else:
        np.subtract(z, block[2][:, None], out=xhat)
        var = block[3][:, None]
    np.add(var, EPS, out=inv_std)
    np.sqrt(inv_std, out=inv_std)
    np.divide(1.0, inv_std, out=inv_std)
    np.multiply(xhat, inv_std, out=xhat)
    np.multiply(xhat, block[0][:, None], out=h)
    np.add(h, block[1][:, None], out=h)


def backward(norm: Normalization, g: np.ndarray, xhat: np.ndarray, inv_std: np.ndarray, block: np.ndarray,
             grad_block: np.ndarray, out: np.ndarray, batch_statistics: bool) -> None:
    """From g = dE/dh (width, n): dE/dγ, dE/dβ (summed over the examples) into rows 0 and 1 of
    `grad_block`, and dE/dz into `out`: through the statistics when the forward pass used
    its own (`batch_statistics`), else with the running averages as constants."""
    np.add.reduce(np.multiply(g, xhat, out=out), axis=-1, out=grad_block[0])  # `out` as scratch
    np.add.reduce(g, axis=-1, out=grad_block[1])
    dxhat = np.multiply(g, block[0][:, None], out=out)
    if batch_statistics:
        dxhat -= _mean(dxhat, norm.axis)
        prod = dxhat * xhat
        dxhat -= xhat * _mean(prod, norm.axis)
    np.multiply(dxhat, inv_std, out=out)
