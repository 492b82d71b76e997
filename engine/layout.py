"""Where a network's parameters sit in one flat vector, and list-like views of them.

Layer l is one block of the flat vector shaped (width, fan_in + 1): [Wᵀ | b]. With a row of
ones appended to the layer's input, `block @ input` is Wᵀx + b in one product, and
`delta @ input.T` gives dW and db together; per-layer weights (fan_in, fan_out) and biases
are views of the block, so an optimizer updates every parameter with one ufunc on the
vector and anyone holding a view sees it.

Normalization parameters (engine.normalization) follow the layer blocks: per hidden layer one
(rows, width) block — scale, shift and, for batch normalization, the running mean and
variance. They sit in the same vector so the optimizers update scale and shift with everything
else (their state included), and pictures and evaluations copy the running statistics with the
parameters; the running rows get a zero gradient, so no optimizer moves them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


class Blocks(list):
    """The per-layer blocks of one flat vector, with `norm`: the normalization blocks of its
    hidden layers (empty without normalization)."""

    norm: list[np.ndarray]


class Layout:
    """Where each layer's (width, fan_in + 1) block sits in a flat parameter vector, and after
    them the (rows, width) normalization blocks `norm_shapes` (none by default)."""

    def __init__(self, shapes: Sequence[tuple[int, int]], norm_shapes: Sequence[tuple[int, int]] = ()):
        self.shapes = [tuple(s) for s in shapes]
        self.offsets = np.cumsum([0] + [r * c for r, c in self.shapes]).tolist()
        self.norm_shapes = [tuple(s) for s in norm_shapes]
        self.norm_offsets = np.cumsum([self.offsets[-1]] + [r * c for r, c in self.norm_shapes]).tolist()
        self.size = self.norm_offsets[-1]

    def blocks(self, flat: np.ndarray) -> Blocks:
        """The per-layer 2-D views of `flat` (any dtype); of a stack of vectors (S, size), the
        (S, width, fan_in + 1) views (engine.stack). `.norm` holds the normalization blocks."""
        lead = flat.shape[:-1]
        out = Blocks(flat[..., a:b].reshape(lead + shape) for a, b, shape in zip(self.offsets, self.offsets[1:],
                                                                                 self.shapes))
        out.norm = [flat[..., a:b].reshape(lead + shape)
                    for a, b, shape in zip(self.norm_offsets, self.norm_offsets[1:], self.norm_shapes)]
        return out

    def pack(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> np.ndarray:
        """Per-layer weights (fan_in, fan_out) and biases as one flat vector in this layout."""
        flat = np.empty(self.size)
        for block, w, b in zip(self.blocks(flat), weights, biases):
            block[:, :-1], block[:, -1] = np.asarray(w).T, b
        return flat

    def weight_mask(self) -> np.ndarray:
        """1.0 where the flat vector holds a weight, 0.0 for a bias or a normalization parameter
        (penalties skip them)."""
        mask = np.ones(self.size)
        for block in self.blocks(mask):
            block[:, -1] = 0.0
        mask[self.offsets[-1]:] = 0.0  # normalization scale and shift: no penalty, as biases
        return mask

    def statistics_mask(self) -> np.ndarray:
        """True where the vector holds batch normalization's running averages (rows 2 and 3 of
        a normalization block): state the forward pass writes, not trained (zero gradient)."""
        mask = np.zeros(self.size, bool)
        for block in self.blocks(mask).norm:
            block[2:] = True
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
