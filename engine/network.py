"""A fully connected network whose parameters live in one flat vector: the fast path.

A training step of a small network is a few dozen tiny NumPy calls, so each call's fixed
cost is what counts. Hence the parameters' layout (engine.layout: one block [Wᵀ | b] per
layer, so one product gives Wᵀx + b), the unit-major buffers (engine.workspace: every
layer's input a contiguous slice, all hidden derivatives in one call), and passes built as
call lists that the trainer replays. engine.reference computes the same forward and backward
passes plainly, for reading; the tests hold the two to each other.

The public `forward`, `loss` and `gradients` use the very same passes in float64; the
trainer's pictures use them in float32.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import activations as act_table
from . import deep, losses
from . import normalization as norms
from .config import MAX_HIDDEN_LAYERS, MAX_UNITS, ConfigError
from .initializers import initialize
from .layout import Layout, ParamList
from .regularization import dropout_mask
from .workspace import Workspace

__all__ = ["Call", "Network", "check_sizes", "run"]


Call = tuple[Callable[..., Any], tuple]


def run(calls: Sequence[Call]) -> None:
    """Run a pass built as a list of (function, args)."""
    for function, args in calls:
        function(*args)


def _product(ws: Workspace) -> Callable[..., Any]:
    """The matrix product of a pass: np.dot for one session; for a stack (S, rows, n),
    np.matmul, which runs the same BLAS product per session (tests/test_engine_stack.py)."""
    return np.dot if ws.stack is None else np.matmul


def _transposed(a: np.ndarray) -> np.ndarray:
    """The transposed view of a matrix, or of each matrix of a stack."""
    return a.swapaxes(-1, -2)


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
                 seed: int = 0, leaky_slope: float = 0.01, residual: bool = False, normalization: str = "none"):
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
        self.head = losses.make_head(loss, output_activation or losses.default_output(loss, n_out), n_out)
        self.loss_name = loss
        self.output_activation = self.head.output
        self.leaky_slope = float(leaky_slope)
        widths = [u * a.pieces for u, a in zip(self.sizes[1:-1], self._acts)] + [n_out]
        if normalization not in norms.NORMALIZATIONS:
            raise ConfigError("normalization", f"{normalization!r} is not allowed; allowed: "
                                               f"{', '.join(norms.NORMALIZATIONS)}", allowed=", ".join(norms.NORMALIZATIONS))
        self.residual, self.normalization = bool(residual), normalization
        self.norm = norms.NORMALIZATIONS[normalization]
        # a hidden layer skips (a = f(h) + a_prev) when its input and output widths match
        self.skips = [self.residual and self.sizes[l] == self.sizes[l + 1] for l in range(n_hidden)]
        self.deep = any(self.skips) or self.norm is not None  # engine.deep's passes, not the fast path
        norm_shapes = [(self.norm.rows, w) for w in widths[:-1]] if self.norm is not None else []
        self.layout = Layout([(w, fan_in + 1) for fan_in, w in zip(self.sizes[:-1], widths)], norm_shapes)
        self.params = np.zeros(self.layout.size)
        self.blocks = self.layout.blocks(self.params)
        self._weights = ParamList(block[:, :-1].T for block in self.blocks)
        self._biases = ParamList(block[:, -1] for block in self.blocks)
        # With the squared loss, a tanh or sigmoid output is differentiated like a hidden layer
        # (delta = (o - t) f'(o)); other heads compute their own delta.
        out = act_table.ACTIVATIONS.get(self.head.output) if loss == "squared" else None
        self._out_act = out if out is not None and out.derivative is not None else None
        self._groups = self._derivative_groups()
        self.initialize(init, seed)

    def _derivative_groups(self) -> list[tuple[Any, int, int]]:
        """(activation, first layer, last layer + 1) runs of hidden layers whose derivatives one
        call computes over the stacked buffer (same activation, known from the activation)."""
        groups: list[list] = []
        for l, act in enumerate(self._acts + ([self._out_act] if self._out_act else [])):
            if act.derivative is None:
                continue
            if groups and groups[-1][0] is act and groups[-1][2] == l:
                groups[-1][2] = l + 1
            else:
                groups.append([act, l, l + 1])
        return [tuple(g) for g in groups]

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
        for w, b in zip(self._weights, self._biases):
            w[...], b[...] = initialize(init, rng, w.shape[0], w.shape[1])
        for block in self.blocks.norm:
            block[...] = norms.initial_block(self.norm, block.shape[1])

    @property
    def hidden_activations(self) -> list[act_table.Activation]:
        """The hidden layers' activation entries, in order."""
        return self._acts

    @property
    def norm_blocks(self) -> list[np.ndarray]:
        """Per hidden layer, its normalization block (rows γ, β, and for batch normalization the
        running mean and variance; one column per unit): views into `params`. Empty without."""
        return self.blocks.norm

    def activation_inputs(self, ws: Workspace) -> list[np.ndarray]:
        """Per hidden layer, what its activation was applied to in the last pass over `ws`."""
        return deep.buffers(self, ws).h if self.deep else ws.z[:-1]

    # ---- the passes (shared by the public API and the trainer) -------------------------------
    #
    # A pass is built as a list of calls [(function, args), ...] with every buffer bound, then
    # run. The trainer keeps the lists of each mini-batch and replays them every epoch, so a
    # step costs its NumPy calls and almost nothing else; one-off passes build and run at once.

    def forward_calls(self, ws: Workspace, x: np.ndarray, blocks: Sequence[np.ndarray], dropout: Any = 0.0,
                      rng: Optional[np.random.Generator] = None, derivatives: bool = False,
                      mode: Optional[str] = None) -> list[Call]:
        """The forward pass of inputs `x` (inputs + 1, n; last row ones) through `blocks` into `ws`
        (output in ws.o), as a list of calls.

        `derivatives` (training) also fills ws.f with every hidden layer's f'(z). With
        `dropout` > 0 each hidden activation is multiplied by a fresh inverted-dropout mask
        from `rng` (after its derivative is taken). A network with residual connections or
        normalization takes engine.deep's passes; `mode` is their statistics ("train" with
        `derivatives`, else "infer", by default; "batch": batch statistics, nothing moves).
        """
        if self.deep:
            mode = mode or ("train" if derivatives else "infer")
            return deep.forward_calls(self, ws, x, blocks, dropout, rng, derivatives, mode)
        slope, product = self.leaky_slope, _product(ws)
        calls: list[Call] = [(ones.fill, (1,)) for ones in ws.ones()] if ws.shared else []
        inputs = x
        masks = ws.dropout_buffers() if np.any(dropout) else None  # a float, or a stack's column
        for l, act in enumerate(self._acts):
            z = ws.z[l]
            calls.append((product, (blocks[l], inputs, z)))
            if ws.picture and act.picture is not None:
                rows = z.shape[-2]
                calls.append((act.picture, (z, ws.a[l], slope, ws.scratch[0][:rows], ws.scratch[1][:rows])))
            else:
                calls.append((act.forward, (z, ws.a[l], slope)))
            if masks is not None:
                if derivatives:
                    calls += self.derivative_calls(ws, l, l + 1)
                calls.append((dropout_mask, (rng, masks[l], dropout)))
                calls.append((np.multiply, (ws.a[l], masks[l], ws.a[l])))
            inputs = ws.inputs[l]
        calls += self.output_calls(ws, inputs, blocks)
        if derivatives:  # all layers at once, or (dropout: hidden ones done above) the output
            first = len(self._acts) if masks is not None else 0
            calls += self.derivative_calls(ws, first, len(self._acts) + (self._out_act is not None))
        return calls

    def output_calls(self, ws: Workspace, inputs: np.ndarray, blocks: Sequence[np.ndarray]) -> list[Call]:
        """The output layer's calls: z from the last hidden layer's `inputs`, then the head."""
        calls: list[Call] = [(_product(ws), (blocks[-1], inputs, ws.z[-1]))]
        fast = act_table.ACTIVATIONS.get(self.head.output)
        if ws.picture and fast is not None and fast.picture is not None:
            rows = ws.o.shape[0]
            calls.append((fast.picture, (ws.z[-1], ws.o, self.leaky_slope, ws.scratch[0][:rows], ws.scratch[1][:rows])))
        else:
            calls.append((self.head.forward, (ws.z[-1], ws.o)))
        return calls

    def derivative_calls(self, ws: Workspace, first: int, stop: int) -> list[Call]:
        """ws.f for hidden layers first..stop-1: one call per run of same-activation layers."""
        calls = []
        for act, lo, hi in self._groups:
            lo, hi = max(lo, first), min(hi, stop)
            if lo < hi:
                rows = slice(ws.rows[lo][0], ws.rows[hi - 1][1])
                calls.append((act.derivative, (ws.s[..., rows, :], ws.f[..., rows, :], self.leaky_slope)))
        for l in range(first, min(stop, len(self._acts))):
            if self._acts[l].pieces == 2:
                calls.append((act_table.maxout_mask, (ws.z[l], ws.fa[l])))
        return calls

    def loss_terms_buffer(self, n: int) -> np.ndarray:
        """Room for the `loss_terms` of `backward_calls` over n examples: a row per output for the
        residuals o − t under the squared loss (not softmax), else one row of example losses."""
        return np.zeros((self.sizes[-1] if self.loss_terms_are_residuals else 1, n))

    @property
    def loss_terms_are_residuals(self) -> bool:
        """True when `loss_terms` hold o − t (an example's loss is ½ Σ of their squares)."""
        return self.loss_name == "squared" and self.head.output != "softmax"

    def backward_calls(self, ws: Workspace, x: np.ndarray, t: np.ndarray, grads: Sequence[np.ndarray],
                       dropout: bool = False, blocks: Optional[Sequence[np.ndarray]] = None,
                       loss_terms: Optional[np.ndarray] = None, mode: str = "train") -> list[Call]:
        """The backward pass after a training forward pass (`derivatives=True`) over `blocks`
        (default `self.blocks`): writes into `grads` (blocks of a flat gradient vector) the data
        loss's gradient *summed* over the batch, and into `loss_terms` (a `loss_terms_buffer`
        slice), if given, what the batch's loss is read from later. Under the squared loss with
        tanh or sigmoid (the default) that costs no call: the residual o − t the delta starts from
        is simply written there instead of into a scratch buffer. `mode`: as the forward pass's."""
        blocks = self.blocks if blocks is None else blocks
        if self.deep:
            return deep.backward_calls(self, ws, x, t, grads, dropout, blocks, loss_terms, mode)
        d, product = ws.d, _product(ws)
        calls = self.top_delta_calls(ws, t, loss_terms)
        for l in range(len(blocks) - 1, 0, -1):
            calls.append((product, (d[l], _transposed(ws.inputs[l - 1]), grads[l])))
            act, below = self._acts[l - 1], d[l - 1]
            back = _transposed(blocks[l])  # (fan_in + 1, width): W and the bias row, F-contiguous
            if act.pieces == 2:  # maxout: the winning piece takes the whole gradient
                da, units = ws.da[l - 1], ws.da[l - 1].shape[-2]
                calls.append((product, (back, d[l], da.base)))
                if dropout:
                    calls.append((np.multiply, (da, ws.mask[l - 1], da)))
                calls.append((np.multiply, (da, ws.fa[l - 1], below[..., :units, :])))
                calls.append((np.subtract, (da, below[..., :units, :], below[..., units:, :])))
                continue
            calls.append((product, (back, d[l], below.base)))
            if dropout:
                calls.append((np.multiply, (below, ws.mask[l - 1], below)))
            if act.derivative is not None:
                calls.append((np.multiply, (below, ws.fa[l - 1], below)))
        calls.append((product, (d[0], _transposed(x), grads[0])))
        return calls

    def top_delta_calls(self, ws: Workspace, t: np.ndarray, loss_terms: Optional[np.ndarray] = None) -> list[Call]:
        """The output layer's delta dE/dz into ws.d[-1] (and the batch's `loss_terms`, when given)."""
        d = ws.d
        if self._out_act is not None:  # squared loss: (o - t) f'(o), f' taken in the forward pass
            residual = d[-1] if loss_terms is None else loss_terms
            return [(np.subtract, (ws.o, t, residual)), (np.multiply, (residual, ws.fo, d[-1]))]
        calls: list[Call] = [(self.head.delta, (ws.z[-1], ws.o, t, d[-1], ws.tmp))]
        if loss_terms is not None and self.loss_terms_are_residuals:  # identity output: delta = o - t
            calls.append((np.copyto, (loss_terms, d[-1])))
        elif loss_terms is not None:
            calls.insert(0, (_example_losses, (self.head, ws.z[-1], ws.o, t, loss_terms)))
        return calls

    def run_forward(self, ws: Workspace, x: np.ndarray, blocks: Sequence[np.ndarray], dropout: float = 0.0,
                    rng: Optional[np.random.Generator] = None, derivatives: bool = False,
                    mode: Optional[str] = None) -> np.ndarray:
        """Build and run `forward_calls`; returns ws.o."""
        run(self.forward_calls(ws, x, blocks, dropout, rng, derivatives, mode))
        return ws.o

    def run_backward(self, ws: Workspace, x: np.ndarray, t: np.ndarray, grads: Sequence[np.ndarray],
                     dropout: bool = False, mode: str = "train") -> None:
        """Build and run `backward_calls`."""
        run(self.backward_calls(ws, x, t, grads, dropout, mode=mode))

    # ---- public API -------------------------------------------------------------------------

    def inputs(self, X: Any) -> np.ndarray:
        """Examples X (n, inputs) as the passes want them: (inputs + 1, n) float64, ones last."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X: expected shape (n, {self.sizes[0]}), got {X.shape}")
        out = np.ones((X.shape[1] + 1, X.shape[0]))
        out[:-1] = X.T
        return out

    def encode(self, Y: Any) -> np.ndarray:
        """Targets for the loss as an (n, outputs) array.

        A 1-D Y holds class indices 0..K-1 (real values for regression); they become ±1 for
        tanh + squared and binary hinge, 0/1 for sigmoid + cross-entropy, one-hot for softmax
        and multiclass hinge. A 2-D Y (n, outputs) is used as given (already encoded).
        """
        return losses.encode(self.head, Y, self.sizes[-1])

    def forward(self, X: Any) -> np.ndarray:
        """The network's output (n, outputs) for examples X (n, inputs)."""
        x = self.inputs(X)
        ws = Workspace(self, x.shape[1])
        return self.run_forward(ws, x, self.blocks).T.copy()

    def loss(self, X: Any, Y: Any) -> float:
        """The mean data loss over the examples (no penalty)."""
        return self.loss_of(X, Y)()

    def loss_of(self, X: Any, Y: Any, training: bool = False) -> Callable[[], float]:
        """loss(X, Y) as a function of the current parameters, with inputs, targets and buffers
        prepared once (the gradient check calls it twice per parameter). `training`: the loss as
        a training step sees it (batch normalization by the examples' own statistics), the one
        `gradients` differentiates; else as pictures and reported losses see it."""
        x, t = self.inputs(X), np.ascontiguousarray(self.encode(Y).T)
        ws = Workspace(self, x.shape[1])
        mode = "batch" if training else "infer"

        def loss() -> float:
            self.run_forward(ws, x, self.blocks, mode=mode)
            return float(self.head.losses(ws.z[-1], ws.o, t).mean())

        return loss

    def flat_gradient(self, x: np.ndarray, t: np.ndarray, plant_bug: bool = False) -> np.ndarray:
        """The mean data-loss gradient (of `loss_of(..., training=True)`) in the layout of
        `params`, for prepared inputs x (inputs + 1, n) and targets t (outputs, n); running
        averages stay as they are. `plant_bug` (networks with engine.deep's passes): every
        hidden f' taken as f, the gradient check's deliberate mistake."""
        n = x.shape[1]
        if t.shape[1] != n:
            raise ValueError(f"X and Y: {n} examples but {t.shape[1]} targets")
        ws = Workspace(self, n, train=True)
        grad = np.zeros(self.layout.size)
        if plant_bug and self.deep:
            run(deep.forward_calls(self, ws, x, self.blocks, 0.0, None, True, "batch", plant_bug=True))
        else:
            self.run_forward(ws, x, self.blocks, derivatives=True, mode="batch")
        self.run_backward(ws, x, t, self.layout.blocks(grad), mode="batch")
        return grad / max(n, 1)

    def gradients(self, X: Any, Y: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(dW, db): the gradient of the training loss (`loss_of(X, Y, training=True)`; the same
        as `loss(X, Y)` without batch normalization), lists shaped like `weights` and `biases`."""
        grad = self.flat_gradient(self.inputs(X), np.ascontiguousarray(self.encode(Y).T))
        blocks = self.layout.blocks(grad)
        return [g[:, :-1].T.copy() for g in blocks], [g[:, -1].copy() for g in blocks]



def _example_losses(head: Any, z: np.ndarray, o: np.ndarray, t: np.ndarray, out: np.ndarray) -> None:
    """out[0] = each example's loss, for heads whose delta is not o − t (over a stack too:
    out[i, 0] for each row i; the heads' loss functions take the leading axis)."""
    out[..., 0, :] = head.losses(z, o, t)
