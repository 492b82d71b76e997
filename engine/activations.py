"""Hidden-layer activations: one table, name -> `Activation` (adding one is one entry).

Arrays are unit-major: a layer's values are (units, n), one row per unit, one column per
example (see engine.network for why). Every function works in place and allocates nothing:

- `forward(z, out, slope)` writes f(z) into `out`;
- `derivative(a, out, slope)` writes f'(z) into `out` computed from the *activation* a = f(z)
  (possible for every activation here, and it lets the trainer differentiate all hidden
  layers in one call); None means f' = 1 (linear), so the multiply is skipped.

maxout has two pieces per unit: its z is (2·units, n), the first `units` rows the first piece,
the rest the second (CS231n's max(w1·x + b1, w2·x + b2)). Its derivative is which piece won,
so it is computed from z by `maxout_mask`.

Pictures (the float32 grids of a snapshot) may use `picture` instead of `forward`: for tanh and
sigmoid, whichever of np.tanh and a rational approximation built from multiplies and adds
(accurate to 4.8e-5, far below a colour step) is faster on this machine (`faster_tanh`).
Training and losses always use the exact `forward`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

Forward = Callable[[np.ndarray, np.ndarray, float], np.ndarray]
Derivative = Callable[[np.ndarray, np.ndarray, float], np.ndarray]
Picture = Callable[[np.ndarray, np.ndarray, float, np.ndarray, np.ndarray], np.ndarray]
Tanh = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]  # (z, out, scratch1, scratch2)


@dataclass(frozen=True)
class Activation:
    """One activation: how to apply it, its derivative, what it looks like.

    `bounds` is the natural range of a bounded activation (None if unbounded); `relu_family`
    marks activations whose units can die (pre-activation <= 0 for every input); `pieces` is
    how many linear pieces feed one unit (2 for maxout); `numpy` and `torch` are the source
    the exports write for it.
    """

    forward: Forward
    derivative: Optional[Derivative]
    bounds: tuple[float, float] | None = None
    relu_family: bool = False
    pieces: int = 1
    picture: Optional[Picture] = None  # (z, out, slope, scratch1, scratch2): a fast approximation
    numpy: str = ""  # export source (see ACTIVATIONS)
    torch: str = ""


# --- forward ------------------------------------------------------------------------------------

def _linear(z, out, slope):
    np.copyto(out, z)
    return out


def _sigmoid(z, out, slope):
    # 1/(1+e^-z) written through tanh: no overflow for very negative z.
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
    units = out.shape[-2]  # (units, n), or (S, units, n) in a stack
    return np.maximum(z[..., :units, :], z[..., units:, :], out=out)


# --- fast approximations for pictures -----------------------------------------------------------

# tanh(x) ≈ x·P(x²)/Q(x²) with P, Q quadratic, for |x| <= 5 (beyond, the clipped value is within
# the error of 1). Coefficients fitted for this project by iteratively reweighted least squares on
# [0, 5]; max error 4.8e-5, a hundred times below the 1/255 steps of an 8-bit picture. Degree 2
# rather than 3 saves four of thirteen array passes: this is most of a large network's snapshot.
_TANH_LIMIT = 5.0
_TANH_P = (0.9998101906372171, 0.10172390830501316, 0.0006549660233880055)
_TANH_Q = (1.0, 0.43450495390248006, 0.012639407597435133)


def _horner(coefficients, s, out):
    """out = c0 + c1·s + c2·s² + ... (in place, two calls per coefficient)."""
    np.multiply(s, coefficients[-1], out=out)
    for c in coefficients[-2:0:-1]:
        np.add(out, c, out=out)
        np.multiply(out, s, out=out)
    return np.add(out, coefficients[0], out=out)


def fast_tanh(z, out, s, q):
    """tanh(z) within 4.8e-5 using only cheap ufuncs; `s`, `q` are scratch arrays like z (z may be out)."""
    # np.clip, not minimum + maximum: those two are scalar loops here, much slower than clip.
    np.clip(z, -_TANH_LIMIT, _TANH_LIMIT, out=out)
    np.multiply(out, out, out=s)
    np.multiply(out, _horner(_TANH_P, s, q), out=out)
    return np.divide(out, _horner(_TANH_Q, s, q), out=out)


def numpy_tanh(z: np.ndarray, out: np.ndarray, s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """np.tanh(z) into `out`, with fast_tanh's signature (the scratch arrays are not needed)."""
    return np.tanh(z, out=out)


def faster_tanh(candidates: tuple[Tanh, ...] = (numpy_tanh, fast_tanh), size: int = 8192,
                repeats: int = 5) -> Tanh:
    """The candidate that computes a float32 tanh of `size` values fastest here (best of `repeats`).

    How fast np.tanh is in float32 depends on the CPU NumPy finds: with AVX-512 it was 4x faster
    than fast_tanh on this project's machine (and exact); with AVX2 only, about as fast; with
    neither, 10x slower (measured by disabling the features, NPY_DISABLE_CPU_FEATURES). So the
    pictures use whichever wins on the machine that draws them; both are far inside a colour step.
    """
    z = np.linspace(-6.0, 6.0, size, dtype=np.float32)
    out, s, q = np.empty_like(z), np.empty_like(z), np.empty_like(z)

    def best(tanh: Tanh) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            tanh(z, out, s, q)
            times.append(time.perf_counter() - start)
        return min(times)

    return min(candidates, key=best)


picture_tanh = faster_tanh()  # measured once, when the engine is imported (well under a millisecond)


def _tanh_picture(z, out, slope, s, q):
    return picture_tanh(z, out, s, q)


def _sigmoid_picture(z, out, slope, s, q):
    np.multiply(z, 0.5, out=out)
    picture_tanh(out, out, s, q)
    np.multiply(out, 0.5, out=out)
    return np.add(out, 0.5, out=out)


# --- derivatives, from the activation a = f(z) ----------------------------------------------------

def _d_sigmoid(a, out, slope):
    np.subtract(1.0, a, out=out)  # a (1 - a)
    return np.multiply(out, a, out=out)


def _d_tanh(a, out, slope):
    np.multiply(a, a, out=out)  # 1 - a²
    return np.subtract(1.0, out, out=out)


def _d_relu(a, out, slope):
    return np.greater(a, 0.0, out=out)  # a > 0 exactly when z > 0; 0 at the kink


def _d_leaky_relu(a, out, slope):
    np.greater(a, 0.0, out=out)  # 1 for z > 0, else slope
    np.multiply(out, 1.0 - slope, out=out)
    return np.add(out, slope, out=out)


def _d_elu(a, out, slope):
    np.minimum(a, 0.0, out=out)  # 1 for z > 0, else e^z = a + 1
    return np.add(out, 1.0, out=out)


def maxout_mask(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """1 where maxout's first piece won (it gets the gradient), else 0; `out` is (units, n)."""
    units = out.shape[-2]
    return np.greater_equal(z[..., :units, :], z[..., units:, :], out=out)


# Each entry carries what the exports write for it (engine.export): NumPy and PyTorch source of
# f applied to an example-major (n, units) array `z`, `{slope!r}` standing for the leaky slope.
ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation(_linear, None, numpy="z", torch="z"),
    "sigmoid": Activation(_sigmoid, _d_sigmoid, bounds=(0.0, 1.0), picture=_sigmoid_picture,
                          numpy="0.5 * np.tanh(0.5 * z) + 0.5",  # the logistic function, without overflow warnings
                          torch="torch.sigmoid(z)"),
    "tanh": Activation(_tanh, _d_tanh, bounds=(-1.0, 1.0), picture=_tanh_picture,
                       numpy="np.tanh(z)", torch="torch.tanh(z)"),
    "relu": Activation(_relu, _d_relu, relu_family=True, numpy="np.maximum(z, 0.0)", torch="torch.relu(z)"),
    "leaky_relu": Activation(_leaky_relu, _d_leaky_relu, relu_family=True,
                             numpy="np.where(z > 0, z, {slope!r} * z)", torch="F.leaky_relu(z, {slope!r})"),
    "elu": Activation(_elu, _d_elu, relu_family=True,
                      numpy="np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))", torch="F.elu(z)"),
    # torch.where, not torch.maximum: at a tie (a dropped-out input row leaves only the biases)
    # the gradient goes to the first piece, as maxout_mask gives it; torch.maximum would split it.
    "maxout": Activation(_maxout, None, pieces=2, numpy="np.maximum(*np.split(z, 2, axis=1))",
                         torch="(lambda first, second: torch.where(first >= second, first, second))(*z.chunk(2, dim=1))"),
}


def get(name: str) -> Activation:
    """The activation called `name`; ValueError listing the allowed names otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; allowed: {', '.join(ACTIVATIONS)}") from None


def apply(name: str, z: np.ndarray, leaky_slope: float = 0.01) -> np.ndarray:
    """f(z) as a new (n, units) array for example-major z (n, units·pieces); for maxout the two
    pieces sit side by side (as in a maxout layer's weights)."""
    act = get(name)
    zt = np.ascontiguousarray(np.asarray(z, dtype=np.float64).T)
    out = np.empty((zt.shape[0] // act.pieces, zt.shape[1]))
    return act.forward(zt, out, leaky_slope).T


def curve(name: str, x: np.ndarray, leaky_slope: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) for plotting, with the derivative the backward pass uses.

    maxout is drawn as its ReLU special case max(x, 0) (second piece fixed at zero).
    """
    act = get(name)
    x = np.asarray(x, dtype=np.float64).reshape(1, -1)
    if act.pieces == 2:
        z = np.vstack([x, np.zeros_like(x)])
        y = act.forward(z, np.empty_like(x), leaky_slope)
        dy = maxout_mask(z, np.empty_like(x))
    else:
        y = act.forward(x, np.empty_like(x), leaky_slope)
        dy = act.derivative(y, np.empty_like(x), leaky_slope) if act.derivative else np.ones_like(x)
    return y.ravel(), dy.ravel()
