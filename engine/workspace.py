"""Preallocated buffers for passes of one network over `n` examples in one dtype.

Values are unit-major, (units, n): one row per unit, one column per example. All hidden
activations of a pass sit in one buffer, each layer's rows followed by its row of ones, so
every layer's input is a contiguous slice and the derivatives of all hidden layers come from
one call over the whole buffer after the forward pass. A training step allocates nothing.

A stack of S sessions (engine.stack) gets every buffer as (S, rows, n): each session's
matrices then have exactly the strides of its own workspace, which keeps the stacked products
bit for bit those of the lone ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

import numpy as np

from . import scratch

if TYPE_CHECKING:
    from .network import Network


class Workspace:
    """Buffers for passes over `n` examples in `dtype` (see the module docstring).

    `s` stacks the hidden activations with a ones row after each layer: `a[l]` is layer l's
    rows, `inputs[l]` its rows plus the ones row (the next layer's input). For training:
    `f` (like `s`) holds the activation derivatives, `d[l]` dE/dz of layer l.
    """

    def __init__(self, net: "Network", n: int, dtype: Any = np.float64, train: bool = False,
                 picture: bool = False, shared: bool = False, stack: Optional[int] = None):
        self.n = n
        self.stack = stack
        lead = () if stack is None else (stack,)
        # Pictures may use the activations' fast approximations (scratch: two rows x n each).
        self.picture = picture
        hidden = net.sizes[1:-1]
        starts = np.cumsum([0] + [u + 1 for u in hidden]).tolist()
        out_rows = (starts[-1], starts[-1] + net.sizes[-1])
        # The output rows come last in the stack, so a tanh or sigmoid output's derivative is
        # taken in the same call as the hidden layers'.
        shapes = [(out_rows[1], n)] + [(rows, n) for rows, _ in net.layout.shapes]
        if picture:
            top = max(rows for rows, _ in net.layout.shapes)
            shapes += [(top, n), (top, n)]
        # shared (not for training, not beyond scratch.MAX_BYTES): the buffers live in this
        # thread's scratch memory, which other workspaces reuse, so a pass must first restore
        # the ones rows (forward_calls)
        size = sum(r * c for r, c in shapes)
        self.shared = shared and not train and stack is None and size * np.dtype(dtype).itemsize <= scratch.MAX_BYTES
        self.memory = scratch.buffer(size, dtype) if self.shared else None
        arrays = [np.empty(lead + shape, dtype) for shape in shapes] if lead else _carve(shapes, dtype, self.memory)
        self.s = arrays[0]
        self.s.fill(1)
        self.z = arrays[1:1 + len(net.layout.shapes)]
        if picture:
            self.scratch = (arrays[-2], arrays[-1])
        self.a = [self.s[..., r:r + u, :] for r, u in zip(starts, hidden)]
        self.inputs = [self.s[..., r:r + u + 1, :] for r, u in zip(starts, hidden)]
        self.rows = [(r, r + u) for r, u in zip(starts, hidden)] + [out_rows]  # hidden layers, then output
        self.o = self.s[..., out_rows[0]:, :]
        self.x: Optional[np.ndarray] = None  # an input copy, made when inputs get noise
        self.mask: list[np.ndarray] = []  # dropout masks, made on first use
        self._extras: dict[str, Any] = {}  # buffers other modules make on first use (engine.deep)
        if train:
            self.f = np.ones_like(self.s)
            self.fa = [self.f[..., r:r + u, :] for r, u in zip(starts, hidden)]
            self.fo = self.f[..., out_rows[0]:, :]
            # dE/dz of each layer and maxout's dE/da are views of arrays with one spare row
            # (their .base): backward takes W · delta with the whole block, bias row included,
            # into the spare row, which saves copying a strided weight view every step
            self.d = [np.empty(lead + (z.shape[-2] + 1, n), dtype)[..., :-1, :] for z in self.z]
            self.da = [np.empty(lead + (u + 1, n), dtype)[..., :-1, :] for u in hidden]
            self.tmp = np.empty_like(self.o)

    def ones(self) -> list[np.ndarray]:
        """The ones rows of the stack (each layer's bias input)."""
        return [rows[..., -1, :] for rows in self.inputs]

    def is_current(self) -> bool:
        """False when shared scratch memory has since grown: rebuild to share it again."""
        return self.memory is None or self.memory is scratch.current(self.s.dtype)

    def extra(self, name: str, make: Callable[[], Any]) -> Any:
        """The buffers `name` of another module, made by `make()` on first use."""
        if name not in self._extras:
            self._extras[name] = make()
        return self._extras[name]

    def dropout_buffers(self) -> list[np.ndarray]:
        """The dropout masks, one per hidden layer (allocated on first use)."""
        if not self.mask:
            self.mask = [np.empty_like(a) for a in self.a]
        return self.mask

    def input_buffer(self, rows: int) -> np.ndarray:
        """A (rows, n) input buffer whose last row is ones (for noisy inputs)."""
        if self.x is None:
            self.x = np.ones(self.s.shape[:-2] + (rows, self.n), self.s.dtype)
        return self.x


def _carve(shapes: Sequence[tuple[int, int]], dtype: Any, memory: Optional[np.ndarray]) -> list[np.ndarray]:
    """Arrays of `shapes`: new ones, or consecutive views of `memory`."""
    if memory is None:
        return [np.empty(shape, dtype) for shape in shapes]
    arrays, at = [], 0
    for rows, cols in shapes:
        arrays.append(memory[at:at + rows * cols].reshape(rows, cols))
        at += rows * cols
    return arrays
