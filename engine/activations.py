"""Hidden-layer activations: one table, name -> `Activation` (adding one is one entry).

Every function works in place: `forward(z, out, slope)` writes f(z) into `out`;
`backward(da, z, a, out, tmp, slope)` writes dL/dz = dL/da * f'(z) into `out`, given the
layer's pre-activation `z` and activation `a` (whichever is cheaper to differentiate from)
and a scratch array `tmp` shaped like `z`. They run on every training step, so each costs a
handful of ufunc calls and allocates nothing.

maxout is the one activation with two pieces per unit: its `z` is twice as wide as `a`, the
first half the first piece, the second half the second (CS231n's max(w1·x + b1, w2·x + b2)).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Forward = Callable[[np.ndarray, np.ndarray, float], np.ndarray]
Backward = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float], np.ndarray]


@dataclass(frozen=True)
class Activation:
    """One activation: how to apply it, how to back-propagate through it, what it looks like.

    `bounds` is the natural range of a bounded activation (None if unbounded); `relu_family`
    marks activations whose units can die (output stuck at or below zero for every input);
    `pieces` is how many linear pieces feed one unit (2 for maxout).
    """

    forward: Forward
    backward: Backward
    bounds: tuple[float, float] | None = None
    relu_family: bool = False
    pieces: int = 1


# --- forward ------------------------------------------------------------------------------------

def _linear(z, out, slope):
    return np.copyto(out, z) or out


def _sigmoid(z, out, slope):
    # 1/(1+e^-z) written through tanh: no overflow warning for very negative z.
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    np.multiply(out, 0.5, out=out)
    return np.add(out, 0.5, out=out)


def _tanh(z, out, slope):
    return np.tanh(z, out=out)


def _relu(z, out, slope):
    return np.maximum(z, 0.0, out=out)


def _leaky_relu(z, out, slope):
    # max(z, slope*z) is the leaky ReLU for any slope in [0, 1].
    np.multiply(z, slope, out=out)
    return np.maximum(z, out, out=out)


def _elu(z, out, slope):
    # z for z > 0, e^z - 1 otherwise; expm1 of min(z, 0) never overflows.
    np.minimum(z, 0.0, out=out)
    np.expm1(out, out=out)
    return np.add(out, np.maximum(z, 0.0), out=out)


def _maxout(z, out, slope):
    half = out.shape[1]
    return np.maximum(z[:, :half], z[:, half:], out=out)


# --- backward: out = da * f'(z) -------------------------------------------------------------------

def _d_linear(da, z, a, out, tmp, slope):
    return np.copyto(out, da) or out


def _d_sigmoid(da, z, a, out, tmp, slope):
    np.subtract(1.0, a, out=tmp)  # f' = a (1 - a)
    np.multiply(tmp, a, out=tmp)
    return np.multiply(da, tmp, out=out)


def _d_tanh(da, z, a, out, tmp, slope):
    np.multiply(a, a, out=tmp)  # f' = 1 - a²
    np.subtract(1.0, tmp, out=tmp)
    return np.multiply(da, tmp, out=out)


def _d_relu(da, z, a, out, tmp, slope):
    np.greater(z, 0.0, out=tmp)  # f' = 1 for z > 0, else 0 (0 at the kink)
    return np.multiply(da, tmp, out=out)


def _d_leaky_relu(da, z, a, out, tmp, slope):
    np.greater(z, 0.0, out=tmp)  # f' = 1 for z > 0, else slope
    np.multiply(tmp, 1.0 - slope, out=tmp)
    np.add(tmp, slope, out=tmp)
    return np.multiply(da, tmp, out=out)


def _d_elu(da, z, a, out, tmp, slope):
    np.minimum(a, 0.0, out=tmp)  # f' = 1 for z > 0, else e^z = a + 1
    np.add(tmp, 1.0, out=tmp)
    return np.multiply(da, tmp, out=out)


def _d_maxout(da, z, a, out, tmp, slope):
    half = da.shape[1]
    first = tmp[:, :half]
    np.greater_equal(z[:, :half], z[:, half:], out=first)  # the winning piece gets the gradient
    np.multiply(da, first, out=out[:, :half])
    return np.subtract(da, out[:, :half], out=out[:, half:])


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation(_linear, _d_linear),
    "sigmoid": Activation(_sigmoid, _d_sigmoid, bounds=(0.0, 1.0)),
    "tanh": Activation(_tanh, _d_tanh, bounds=(-1.0, 1.0)),
    "relu": Activation(_relu, _d_relu, relu_family=True),
    "leaky_relu": Activation(_leaky_relu, _d_leaky_relu, relu_family=True),
    "elu": Activation(_elu, _d_elu, relu_family=True),
    "maxout": Activation(_maxout, _d_maxout, pieces=2),
}


def get(name: str) -> Activation:
    """The activation called `name`; ValueError listing the allowed names otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; allowed: {', '.join(ACTIVATIONS)}") from None


def apply(name: str, z: np.ndarray, leaky_slope: float = 0.01) -> np.ndarray:
    """f(z) as a new array; for maxout `z` holds both pieces side by side (width 2·units)."""
    act = get(name)
    z = np.asarray(z, dtype=np.float64)
    out = np.empty((z.shape[0], z.shape[1] // act.pieces) if act.pieces > 1 else z.shape)
    return act.forward(z, out, leaky_slope)


def curve(name: str, x: np.ndarray, leaky_slope: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) for plotting, with the derivative the backward pass uses.

    maxout is drawn as its ReLU special case max(0, x) (one piece fixed at zero).
    """
    act = get(name)
    x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    if act.pieces == 2:
        x = np.hstack([x, np.zeros_like(x)])
    y = np.empty((x.shape[0], x.shape[1] // act.pieces))
    act.forward(x, y, leaky_slope)
    dy = np.empty_like(x)
    act.backward(np.ones_like(y), x, y, dy, np.empty_like(x), leaky_slope)
    return y.ravel(), dy[:, 0]
