"""Output heads: an output activation paired with a loss, and the targets each expects.

Arrays are unit-major like the rest of the network: z, o and t are (outputs, n). A head knows:
- `forward(z, out)`: the network's output o (in place);
- `losses(z, o, t)`: the data loss of every example, shape (n,);
- `delta(z, o, t, out, tmp)`: dE/dz *summed* over the batch (the optimizer scales it).

Pairing the activation with the loss keeps gradients stable and cheap (sigmoid with
cross-entropy has delta o - t for any z) and the reported losses finite for any logit.

Targets (made by `encode` from class indices):
- "pm1": ±1 (class 0 -> -1, class 1 -> +1): tanh + squared, binary hinge;
- "01": 0/1: sigmoid + cross-entropy (and sigmoid + squared);
- "onehot": K rows: softmax (+ squared or cross-entropy), multiclass hinge;
- "real": values as given: identity + squared (regression).

Conventions of the notes: squared is E = ½ Σ_k (t_k - o_k)² per example; every reported loss
is the mean over examples and never includes the weight penalty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .activations import ACTIVATIONS
from .errors import ConfigError


@dataclass(frozen=True)
class Head:
    """An output activation with its loss; see the module docstring."""

    loss: str
    output: str  # "identity", "tanh", "sigmoid" or "softmax"
    targets: str  # "pm1", "01", "onehot" or "real"
    forward: Callable[[np.ndarray, np.ndarray], np.ndarray]
    losses: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    delta: Callable[..., np.ndarray]


# --- output activations ------------------------------------------------------------------------

def _identity(z, out):
    np.copyto(out, z)
    return out


def _tanh(z, out):
    return np.tanh(z, out=out)


def _sigmoid(z, out):
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    np.multiply(out, 0.5, out=out)
    return np.add(out, 0.5, out=out)


def softmax(z, out):
    """Softmax over the outputs (axis -2: (outputs, n), or (S, outputs, n) in a stack), shifted
    so the largest logit is 0: exp never overflows."""
    np.subtract(z, z.max(axis=-2, keepdims=True), out=out)
    np.exp(out, out=out)
    return np.divide(out, out.sum(axis=-2, keepdims=True), out=out)


@dataclass(frozen=True)
class Output:
    """An output activation: `forward(z, out)`, and the NumPy and PyTorch source the exports
    write for it (applied to an example-major (n, outputs) array `z`)."""

    forward: Callable[[np.ndarray, np.ndarray], np.ndarray]
    numpy: str
    torch: str


# tanh and sigmoid are hidden activations too: their export source is that entry's.
OUTPUTS: dict[str, Output] = {
    "identity": Output(_identity, "z", "z"),
    "tanh": Output(_tanh, ACTIVATIONS["tanh"].numpy, ACTIVATIONS["tanh"].torch),
    "sigmoid": Output(_sigmoid, ACTIVATIONS["sigmoid"].numpy, ACTIVATIONS["sigmoid"].torch),
    "softmax": Output(softmax,
                      "(lambda e: e / e.sum(axis=1, keepdims=True))(np.exp(z - z.max(axis=1, keepdims=True)))",
                      "torch.softmax(z, dim=1)"),
}
OUTPUT_NAMES = ("linear", *OUTPUTS)  # "linear" is read as "identity"


# --- squared error with any output activation ----------------------------------------------------

def _squared_losses(z, o, t):
    d = o - t
    return 0.5 * np.einsum("...ij,...ij->...j", d, d)


def _squared_identity_delta(z, o, t, out, tmp):
    return np.subtract(o, t, out=out)


def _squared_tanh_delta(z, o, t, out, tmp):
    np.subtract(o, t, out=out)  # (o - t)(1 - o²)
    np.multiply(o, o, out=tmp)
    np.subtract(1.0, tmp, out=tmp)
    return np.multiply(out, tmp, out=out)


def _squared_sigmoid_delta(z, o, t, out, tmp):
    np.subtract(o, t, out=out)  # (o - t) o (1 - o)
    np.subtract(1.0, o, out=tmp)
    np.multiply(tmp, o, out=tmp)
    return np.multiply(out, tmp, out=out)


def _squared_softmax_delta(z, o, t, out, tmp):
    # The softmax Jacobian times g = o - t: o (g - Σ_k g_k o_k).
    np.subtract(o, t, out=tmp)
    np.subtract(tmp, np.einsum("...ij,...ij->...j", tmp, o)[..., None, :], out=out)
    return np.multiply(out, o, out=out)


_SQUARED_DELTA = {"identity": _squared_identity_delta, "tanh": _squared_tanh_delta,
                  "sigmoid": _squared_sigmoid_delta, "softmax": _squared_softmax_delta}


# --- cross-entropy --------------------------------------------------------------------------------

def _binary_ce_losses(z, o, t):
    # -[t log σ(z) + (1-t) log(1-σ(z))] = max(z, 0) - t z + log(1 + e^-|z|), stable for any z.
    z, t = z[..., 0, :], t[..., 0, :]
    return np.maximum(z, 0.0) - t * z + np.log1p(np.exp(-np.abs(z)))


def _softmax_ce_losses(z, o, t):
    shifted = z - z.max(axis=-2, keepdims=True)
    return np.log(np.exp(shifted).sum(axis=-2)) - np.einsum("...ij,...ij->...j", shifted, t)


def _o_minus_t(z, o, t, out, tmp):
    return np.subtract(o, t, out=out)


# --- hinge ----------------------------------------------------------------------------------------

def _binary_hinge_losses(z, o, t):
    return np.maximum(0.0, 1.0 - t[..., 0, :] * z[..., 0, :])


def _binary_hinge_delta(z, o, t, out, tmp):
    np.multiply(t, z, out=tmp)
    np.less(tmp, 1.0, out=tmp)  # only examples inside the margin push
    np.multiply(tmp, t, out=out)
    return np.negative(out, out=out)


def _multi_hinge_margins(z, t):
    # Weston-Watkins: every wrong class j contributes max(0, z_j - z_y + 1).
    return np.maximum(0.0, z - np.einsum("...ij,...ij->...j", z, t)[..., None, :] + 1.0) * (1.0 - t)


def _multi_hinge_losses(z, o, t):
    return _multi_hinge_margins(z, t).sum(axis=-2)


def _multi_hinge_delta(z, o, t, out, tmp):
    np.greater(_multi_hinge_margins(z, t), 0.0, out=out)
    return np.subtract(out, np.multiply(t, out.sum(axis=-2, keepdims=True), out=tmp), out=out)


def _squared(output: str, n_out: int) -> Head:
    targets = {"identity": "real", "tanh": "pm1", "sigmoid": "01", "softmax": "onehot"}[output]
    if output != "softmax" and n_out > 1:
        targets = "real"  # several independent outputs: targets as given
    return Head("squared", output, targets, OUTPUTS[output].forward, _squared_losses, _SQUARED_DELTA[output])


def _cross_entropy(output: str, n_out: int) -> Head:
    forward = OUTPUTS[output].forward
    if n_out == 1 and output == "sigmoid":
        return Head("cross_entropy", output, "01", forward, _binary_ce_losses, _o_minus_t)
    if n_out > 1 and output == "softmax":
        return Head("cross_entropy", output, "onehot", forward, _softmax_ce_losses, _o_minus_t)
    raise ConfigError("output_activation", "cross_entropy needs sigmoid (1 output) or softmax (2+ outputs)")


def _hinge(output: str, n_out: int) -> Head:
    if output != "identity":
        raise ConfigError("output_activation", "hinge works on raw scores; allowed: linear", allowed="linear")
    if n_out == 1:
        return Head("hinge", output, "pm1", OUTPUTS[output].forward, _binary_hinge_losses, _binary_hinge_delta)
    return Head("hinge", output, "onehot", OUTPUTS[output].forward, _multi_hinge_losses, _multi_hinge_delta)


# The losses: name -> builder of its head from (output activation, number of outputs).
LOSSES: dict[str, Callable[[str, int], Head]] = {
    "squared": _squared,
    "cross_entropy": _cross_entropy,
    "hinge": _hinge,
}


def make_head(loss: str, output: str, n_out: int) -> Head:
    """The head for `loss` with output activation `output` and `n_out` output units.

    Raises ConfigError("output_activation") for a pairing that makes no sense
    (cross-entropy needs sigmoid or softmax, hinge needs raw scores).
    """
    output = "identity" if output == "linear" else output
    if output not in OUTPUTS:
        raise ConfigError("output_activation", f"{output!r} is not allowed; allowed: {', '.join(OUTPUT_NAMES)}",
                          allowed=", ".join(OUTPUT_NAMES))
    if output == "softmax" and n_out < 2:
        raise ConfigError("output_activation", "softmax needs at least 2 output units")
    if loss not in LOSSES:
        raise ConfigError("loss", f"{loss!r} is not allowed; allowed: {', '.join(LOSSES)}", allowed=", ".join(LOSSES))
    return LOSSES[loss](output, n_out)


def default_output(loss: str, n_out: int) -> str:
    """The output activation a loss implies: tanh for squared binary (the Playground's),
    sigmoid for binary cross-entropy, softmax for 2+ classes, raw scores for hinge."""
    if loss == "hinge":
        return "identity"
    if n_out > 1:
        return "softmax"
    return "sigmoid" if loss == "cross_entropy" else "tanh"


def encode(head: Head, y: np.ndarray, n_out: int) -> np.ndarray:
    """Targets for `head`, example-major (n, n_out) float64.

    A 2-D `y` of shape (n, n_out) is taken as already encoded. A 1-D `y` holds class indices
    0..K-1 (real values for "real" targets), encoded as the head expects.
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2:
        if y.shape[1] != n_out:
            raise ValueError(f"Y: expected {n_out} columns, got shape {y.shape}")
        return y
    if y.ndim != 1:
        raise ValueError(f"Y: expected class indices (n,) or targets (n, {n_out}), got shape {y.shape}")
    if head.targets == "real":
        if n_out != 1:
            raise ValueError(f"Y: expected targets of shape (n, {n_out})")
        return y.reshape(-1, 1).copy()
    k = max(n_out, 2)
    if y.size and (np.any(y != np.round(y)) or y.min() < 0 or y.max() > k - 1):
        raise ValueError(f"Y: class indices must be whole numbers 0..{k - 1}")
    if head.targets == "pm1":
        return (2.0 * y - 1.0).reshape(-1, 1)
    if head.targets == "01":
        return y.reshape(-1, 1).copy()
    onehot = np.zeros((y.size, n_out))
    onehot[np.arange(y.size), y.astype(np.intp)] = 1.0
    return onehot
