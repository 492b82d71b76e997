"""Where a network's parameters sit in one flat vector, and list-like views of them.

Layer l is one block of the flat vector shaped (width, fan_in + 1): [Wᵀ | b]. With a row of
ones appended to the layer's input, `block @ input` is Wᵀx + b in one product, and
`delta @ input.T` gives dW and db together; per-layer weights (fan_in, fan_out) and biases
are views of the block, so an optimizer updates every parameter with one ufunc on the
vector and anyone holding a view sees it.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


class Layout:
    """Where each layer's (width, fan_in + 1) block sits in a flat parameter vector."""

    def __init__(self, shapes: Sequence[tuple[int, int]]):
        self.shapes = [tuple(s) for s in shapes]
        self.offsets = np.cumsum([0] + [r * c for r, c in self.shapes]).tolist()
        self.size = self.offsets[-1]

    def blocks(self, flat: np.ndarray) -> list[np.ndarray]:
        """The per-layer 2-D views of `flat` (any dtype); of a stack of vectors (S, size), the
        (S, width, fan_in + 1) views (engine.stack)."""
        lead = flat.shape[:-1]
        return [flat[..., a:b].reshape(lead + shape) for a, b, shape in zip(self.offsets, self.offsets[1:], self.shapes)]

    def pack(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> np.ndarray:
        """Per-layer weights (fan_in, fan_out) and biases as one flat vector in this layout."""
        flat = np.empty(self.size)
        for block, w, b in zip(self.blocks(flat), weights, biases):
            block[:, :-1], block[:, -1] = np.asarray(w).T, b
        return flat

    def weight_mask(self) -> np.ndarray:
        """1.0 where the flat vector holds a weight, 0.0 for a bias (penalties skip biases)."""
        mask = np.ones(self.size)
        for block in self.blocks(mask):
            block[:, -1] = 0.0
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
