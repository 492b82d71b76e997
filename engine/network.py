"""A fully connected network whose parameters live in one flat vector.

Layer l is one block of shape (fan_in + 1, width) in `params`: the first fan_in rows are the
weights, the last row the biases. With a column of ones appended to every layer's input,
`A_aug @ block` is A @ W + b in one matrix product, and `A_aug.T @ delta` gives dW and db
together. `weights[l]` and `biases[l]` are views into the block, so the optimizer updates
every parameter with one ufunc call on `params`, and anyone holding `weights[l]` sees it.

Forward and backward passes run in a `Workspace`: buffers preallocated for one batch size
(and dtype), so a training step allocates nothing. The public `forward`, `loss` and
`gradients` use the very same passes in float64; the trainer's grid pictures use them in
float32.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from . import activations as act_table
from . import losses
from .config import MAX_HIDDEN_LAYERS, MAX_UNITS, ConfigError
from .initializers import initialize
from .regularization import dropout_mask


class Layout:
    """Where each layer's (fan_in + 1, width) block sits in a flat parameter vector."""

    def __init__(self, shapes: Sequence[tuple[int, int]]):
        self.shapes = [tuple(s) for s in shapes]
        self.offsets = np.cumsum([0] + [r * c for r, c in self.shapes]).tolist()
        self.size = self.offsets[-1]

    def blocks(self, flat: np.ndarray) -> list[np.ndarray]:
        """The per-layer 2-D views of `flat` (any dtype)."""
        return [flat[a:b].reshape(shape) for a, b, shape in zip(self.offsets, self.offsets[1:], self.shapes)]

    def weight_mask(self) -> np.ndarray:
        """1.0 where `flat` holds a weight, 0.0 where it holds a bias (penalties skip biases)."""
        mask = np.ones(self.size)
        for block in self.blocks(mask):
            block[-1] = 0.0
        return mask


class ParamList(list):
    """A list of parameter views; assigning an element copies into the view (shape checked),
    so `net.weights[l] = array` updates the network's own parameters."""

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            raise TypeError("assign one layer at a time")
        target = list.__getitem__(self, index)
        value = np.asarray(value, dtype=np.float64)
        if value.shape != target.shape:
            raise ValueError(f"layer {index}: expected shape {target.shape}, got {value.shape}")
        target[...] = value


class Workspace:
    """Buffers for passes over `n` rows in `dtype`: pre-activations z, activations h (with the
    ones column), output o, and for training the deltas and scratch arrays."""

    def __init__(self, net: "Network", n: int, dtype: Any = np.float64, train: bool = False):
        self.n = n
        hidden = net.sizes[1:-1]
        self.z = [np.empty((n, cols), dtype) for _, cols in net.layout.shapes]
        self.h = [np.ones((n, units + 1), dtype) for units in hidden]
        self.a = [h[:, :-1] for h in self.h]  # activations: the ones column stays 1
        self.o = np.empty((n, net.sizes[-1]), dtype)
        self.x: Optional[np.ndarray] = None  # an input copy, made when inputs get noise
        self.pre: list[np.ndarray] = []  # activations before dropout (made when dropout is on)
        self.mask: list[np.ndarray] = []
        if train:
            self.d = [np.empty_like(z) for z in self.z]
            self.da = [np.empty((n, units), dtype) for units in hidden]
            self.tmp = [np.empty_like(z) for z in self.z]

    def dropout_buffers(self) -> None:
        """Allocate the dropout masks and pre-dropout activations (first use only)."""
        if not self.mask:
            self.pre = [np.empty(a.shape, a.dtype) for a in self.a]
            self.mask = [np.empty(a.shape, a.dtype) for a in self.a]

    def input_buffer(self, width: int) -> np.ndarray:
        """A (n, width) input buffer with the ones column set (for noisy inputs)."""
        if self.x is None:
            self.x = np.ones((self.n, width), self.z[0].dtype)
        return self.x


def check_sizes(sizes: Sequence[int]) -> list[int]:
    """Check layer sizes [inputs, hidden..., outputs]; ConfigError("hidden") beyond the limits."""
    try:
        sizes = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise ConfigError("sizes", "expected a list of whole numbers [inputs, hidden..., outputs]") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ConfigError("sizes", f"expected [inputs, hidden..., outputs] with every size >= 1, got {sizes}")
    hidden = sizes[1:-1]
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise ConfigError("hidden", f"{len(hidden)} layers is too many; allowed: 0..{MAX_HIDDEN_LAYERS} layers")
    if any(u > MAX_UNITS for u in hidden):
        raise ConfigError("hidden", f"{max(hidden)} units is too many; allowed: 1..{MAX_UNITS} units per layer")
    return sizes


class Network:
    """A fully connected network: sizes [inputs, hidden..., outputs], e.g. [2, 4, 2, 1].

    `activation` is one hidden activation name or one per hidden layer. `output_activation`
    None derives it from the loss and the outputs (losses.default_output): tanh for squared
    binary, sigmoid for cross-entropy binary, softmax for 2+ classes, raw scores for hinge;
    "linear" gives an identity output (regression). Labels Y: see `encode`.

    `weights[l]` (fan_in, fan_out) and `biases[l]` (fan_out,) are views into `params`;
    a maxout layer has weights (fan_in, 2·fan_out), its two pieces side by side.
    """

    def __init__(self, sizes: Sequence[int], activation: str | Sequence[str] = "tanh",
                 output_activation: Optional[str] = None, loss: str = "squared", init: str = "tf_uniform",
                 seed: int = 0, leaky_slope: float = 0.01):
        self.sizes = check_sizes(sizes)
        n_hidden = len(self.sizes) - 2
        names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(names) != n_hidden:
            raise ConfigError("activation", f"a list needs one name per hidden layer: {n_hidden} expected, "
                                            f"got {len(names)}")
        for name in names:
            if name not in act_table.ACTIVATIONS:
                raise ConfigError("activation", f"{name!r} is not allowed; allowed: {', '.join(act_table.ACTIVATIONS)}")
        self.activations = names
        self._acts = [act_table.ACTIVATIONS[n] for n in names]
        n_out = self.sizes[-1]
        try:
            self.head = losses.make_head(loss, output_activation or losses.default_output(loss, n_out), n_out)
        except ValueError as err:
            key, _, message = str(err).partition(": ")
            raise ConfigError(key, message) from None
        self.loss_name = loss
        self.output_activation = self.head.output
        self.leaky_slope = float(leaky_slope)
        widths = [u * a.pieces for u, a in zip(self.sizes[1:-1], self._acts)] + [n_out]
        self.layout = Layout([(fan_in + 1, w) for fan_in, w in zip(self.sizes[:-1], widths)])
        self.params = np.zeros(self.layout.size)
        self.blocks = self.layout.blocks(self.params)
        self._wT = [block[:-1].T for block in self.blocks]  # for the backward pass: delta @ W.T
        self._weights = ParamList(block[:-1] for block in self.blocks)
        self._biases = ParamList(block[-1] for block in self.blocks)
        self.initialize(init, seed)

    # ---- parameters -------------------------------------------------------------------------

    @property
    def weights(self) -> ParamList:
        """Per-layer weight views (fan_in, fan_out); assign to copy values in."""
        return self._weights

    @weights.setter
    def weights(self, values: Sequence[np.ndarray]) -> None:
        self._assign(self._weights, values)

    @property
    def biases(self) -> ParamList:
        """Per-layer bias views (fan_out,); assign to copy values in."""
        return self._biases

    @biases.setter
    def biases(self, values: Sequence[np.ndarray]) -> None:
        self._assign(self._biases, values)

    @staticmethod
    def _assign(target: ParamList, values: Sequence[np.ndarray]) -> None:
        values = list(values)
        if len(values) != len(target):
            raise ValueError(f"expected {len(target)} layers, got {len(values)}")
        for i, v in enumerate(values):  # check every shape before changing anything
            if np.shape(v) != target[i].shape:
                raise ValueError(f"layer {i}: expected shape {target[i].shape}, got {np.shape(v)}")
        for i, v in enumerate(values):
            target[i] = v

    def initialize(self, init: str = "tf_uniform", seed: int = 0) -> None:
        """Draw fresh weights and biases with initialization `init`, seeded by `seed`."""
        rng = np.random.default_rng(seed)
        for block in self.blocks:
            try:
                w, b = initialize(init, rng, block.shape[0] - 1, block.shape[1])
            except ValueError as err:
                raise ConfigError("init", str(err).partition(": ")[2]) from None
            block[:-1], block[-1] = w, b

    # ---- the passes (shared by the public API and the trainer) -------------------------------

    def run_forward(self, ws: Workspace, x: np.ndarray, blocks: Sequence[np.ndarray],
                    dropout: float = 0.0, rng: Optional[np.random.Generator] = None) -> np.ndarray:
        """Forward pass of inputs `x` (n, inputs + 1, last column ones) through `blocks` into `ws`.

        With `dropout` > 0 (training) each hidden activation is multiplied by a fresh inverted
        dropout mask drawn from `rng`. Returns ws.o.
        """
        slope = self.leaky_slope
        a_in = x
        if dropout:
            ws.dropout_buffers()
        for l, act in enumerate(self._acts):
            z = ws.z[l]
            np.dot(a_in, blocks[l], out=z)
            if dropout:
                act.forward(z, ws.pre[l], slope)
                np.multiply(ws.pre[l], dropout_mask(rng, ws.mask[l], dropout), out=ws.a[l])
            else:
                act.forward(z, ws.a[l], slope)
            a_in = ws.h[l]
        np.dot(a_in, blocks[-1], out=ws.z[-1])
        return self.head.forward(ws.z[-1], ws.o)

    def run_backward(self, ws: Workspace, x: np.ndarray, t: np.ndarray, grads: Sequence[np.ndarray],
                     dropout: bool = False) -> None:
        """Backward pass after `run_forward(ws, x, self.blocks, ...)`: writes into `grads` (blocks
        of a flat gradient vector) the gradient of the data loss *summed* over the batch."""
        slope = self.leaky_slope
        self.head.delta(ws.z[-1], ws.o, t, ws.d[-1], ws.tmp[-1])
        for l in range(len(self.blocks) - 1, 0, -1):
            np.dot(ws.h[l - 1].T, ws.d[l], out=grads[l])
            da = ws.da[l - 1]
            np.dot(ws.d[l], self._wT[l], out=da)
            if dropout:
                np.multiply(da, ws.mask[l - 1], out=da)
                a = ws.pre[l - 1]
            else:
                a = ws.a[l - 1]
            self._acts[l - 1].backward(da, ws.z[l - 1], a, ws.d[l - 1], ws.tmp[l - 1], slope)
        np.dot(x.T, ws.d[0], out=grads[0])

    # ---- public API -------------------------------------------------------------------------

    def with_ones(self, X: Any) -> np.ndarray:
        """Inputs X (n, inputs) as float64 with the ones column appended."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X: expected shape (n, {self.sizes[0]}), got {X.shape}")
        out = np.ones((X.shape[0], X.shape[1] + 1))
        out[:, :-1] = X
        return out

    def encode(self, Y: Any) -> np.ndarray:
        """Targets for the loss as an (n, outputs) array.

        A 1-D Y holds class indices 0..K-1 (real values for regression); they become ±1 for
        tanh + squared and binary hinge, 0/1 for sigmoid + cross-entropy, one-hot for softmax
        and multiclass hinge. A 2-D Y (n, outputs) is used as given (already encoded).
        """
        return losses.encode(self.head, Y, self.sizes[-1])

    def forward(self, X: Any) -> np.ndarray:
        """The network's output (n, outputs) for inputs X (n, inputs)."""
        x = self.with_ones(X)
        ws = Workspace(self, len(x))
        return self.run_forward(ws, x, self.blocks).copy()

    def loss(self, X: Any, Y: Any) -> float:
        """The mean data loss over the examples (no penalty)."""
        x, t = self.with_ones(X), self.encode(Y)
        ws = Workspace(self, len(x))
        self.run_forward(ws, x, self.blocks)
        return float(self.head.losses(ws.z[-1], ws.o, t).mean())

    def gradients(self, X: Any, Y: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(dW, db): the gradient of `loss(X, Y)`, lists shaped like `weights` and `biases`."""
        x, t = self.with_ones(X), self.encode(Y)
        if len(x) != len(t):
            raise ValueError(f"X and Y: {len(x)} inputs but {len(t)} targets")
        ws = Workspace(self, len(x), train=True)
        grad = np.zeros(self.layout.size)
        grads = self.layout.blocks(grad)
        self.run_forward(ws, x, self.blocks)
        self.run_backward(ws, x, t, grads)
        grad /= max(len(x), 1)
        return [g[:-1].copy() for g in grads], [g[-1].copy() for g in grads]
