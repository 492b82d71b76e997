"""Weight penalties (L1, L2) over the flat parameter vector, and the training-only noise:
inverted dropout masks and Gaussian input noise.

Penalties act on weights only, never biases: a `mask` (1 for a weight, 0 for a bias, in the
parameter vector's layout) says which entries count. The penalty is reported on its own and
never added to the data loss.
"""

from __future__ import annotations

from typing import Optional

import numpy as np


class Penalty:
    """rate·Σ|w| (l1) or rate·½Σw² (l2) over the entries where `mask` is 1."""

    def __init__(self, kind: str, rate: float, mask: np.ndarray):
        if kind not in ("l1", "l2"):
            raise ValueError(f"regularization: {kind!r} is not allowed; allowed: none, l1, l2")
        self.kind, self.rate, self.mask = kind, float(rate), mask

    def value(self, params: np.ndarray) -> float:
        """The penalty term for `params`."""
        w = params[self.mask.astype(bool)]
        if self.kind == "l1":
            return self.rate * float(np.abs(w).sum())
        return self.rate * 0.5 * float(np.dot(w, w))

    def add_gradient(self, params: np.ndarray, grad: np.ndarray, tmp: np.ndarray) -> None:
        """grad += d(penalty)/d(params), using `tmp` (same size) as scratch."""
        if self.kind == "l1":
            np.sign(params, out=tmp)  # the subgradient 0 at w = 0
        else:
            np.copyto(tmp, params)
        np.multiply(tmp, self.mask, out=tmp)
        np.multiply(tmp, self.rate, out=tmp)
        np.add(grad, tmp, out=grad)


def make_penalty(kind: str, rate: float, mask: np.ndarray) -> Optional[Penalty]:
    """A Penalty, or None when there is nothing to add (kind "none" or rate 0)."""
    if kind == "none" or rate == 0:
        return None
    return Penalty(kind, rate, mask)


def dropout_mask(rng: np.random.Generator, out: np.ndarray, p: float) -> np.ndarray:
    """Fill `out` with an inverted-dropout mask: 0 with probability p, else 1/(1-p).

    Scaling the kept units by 1/(1-p) while training keeps each unit's expected output the
    same, so nothing changes at test time (no dropout there).
    """
    rng.random(out=out)
    np.greater_equal(out, p, out=out)
    return np.multiply(out, 1.0 / (1.0 - p), out=out)


def add_input_noise(rng: np.random.Generator, x: np.ndarray, std: float, tmp: np.ndarray) -> np.ndarray:
    """x += N(0, std²) in place (a training-only augmentation); `tmp` is scratch like x."""
    rng.standard_normal(out=tmp)
    np.multiply(tmp, std, out=tmp)
    return np.add(x, tmp, out=x)
