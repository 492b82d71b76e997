"""Weight penalties (L1, L2) over the flat parameter vector, and the training-only noise:
inverted dropout masks and Gaussian input noise.

Penalties act on weights only, never biases: a `mask` (1 for a weight, 0 for a bias, in the
parameter vector's layout) says which entries count. The penalty is reported on its own and
never added to the data loss.

L2 enters the optimizer as a gradient (rate·w). L1 is applied as a proximal step after the
data step, a soft threshold: w ← sign(w)·max(|w| − lr·rate, 0). A weight the data pull holds
within lr·rate of zero becomes exactly 0 (not a value hovering around it, as the subgradient
rate·sign(w) gives), and it leaves 0 again as soon as the data's pull on it beats lr·rate.
engine/README.md compares this with the TensorFlow Playground's clamp.
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
        # L1 is a proximal step (`shrink`) after the data step; L2 a gradient (`add_gradient`).
        self.proximal = kind == "l1"
        self._rates = mask * self.rate  # per entry: rate on weights, 0 on biases
        self._threshold = np.empty(mask.shape)
        self._size = np.empty(mask.shape)

    def value(self, params: np.ndarray) -> float:
        """The penalty term for `params`."""
        w = params[self.mask.astype(bool)]
        if self.kind == "l1":
            return self.rate * float(np.abs(w).sum())
        return self.rate * 0.5 * float(np.dot(w, w))

    def shrink(self, params: np.ndarray, lr: float) -> None:
        """The L1 proximal step in place: w ← sign(w)·max(|w| − lr·rate, 0) on weights; biases
        (threshold 0) come back bit for bit, since sign(b)·|b| = b."""
        np.multiply(self._rates, lr, out=self._threshold)
        np.abs(params, out=self._size)
        np.subtract(self._size, self._threshold, out=self._size)
        np.maximum(self._size, 0.0, out=self._size)
        np.sign(params, out=self._threshold)
        np.multiply(self._threshold, self._size, out=params)

    def add_gradient(self, params: np.ndarray, grad: np.ndarray, tmp: np.ndarray) -> None:
        """grad += d(penalty)/d(params) (for L1 the subgradient rate·sign(w), which training does
        not use: it takes `shrink`), using `tmp` (same size) as scratch."""
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
