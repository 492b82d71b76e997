"""The loss of every mini-batch step, read once per epoch or slice from the loss terms the
steps wrote (engine.network.backward_calls `loss_terms`), kept until taken."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

MAX_KEPT = 100_000  # kept until taken; beyond, the oldest go


class BatchLossLog:
    """Mini-batch losses, oldest first."""

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        self._kept = 0
        self._splits: dict[tuple[int, int, bool], tuple[np.ndarray, np.ndarray]] = {}

    def keep(self, terms: Optional[np.ndarray], first: int, stop: int, size: int, network: Any) -> None:
        """Keep the mean loss of each batch of `size` in columns first..stop-1 of `terms`, which
        `network`'s steps wrote (residuals o − t, an example's loss ½ Σ their squares; else one
        row of example losses); nothing without terms (no step listed yet)."""
        if terms is None or stop <= first:
            return
        residuals = network.loss_terms_are_residuals
        block = terms[:, first:stop]
        if not residuals:
            per_example = block[0]
        elif block.shape[0] == 1:
            per_example = np.square(block[0])
        else:
            per_example = np.einsum("ij,ij->j", block, block)
        # One way of summing for every split of an epoch: a stack keeps its batches in other
        # pieces than the lone trainer (engine.stack), and must keep the very same floats.
        starts, scales = self._split(stop - first, size, residuals)
        sums = np.add.reduceat(per_example, starts)
        self._chunks.append(np.multiply(sums, scales, out=sums))
        self._kept += len(sums)
        while self._kept > MAX_KEPT:
            self._kept -= len(self._chunks.pop(0))

    def _split(self, n: int, size: int, residuals: bool) -> tuple[np.ndarray, np.ndarray]:
        """The batches' first columns in n columns of batches of `size`, and the factor turning
        each batch's sum into its loss; the same few splits come back every epoch."""
        split = self._splits.get((n, size, residuals))
        if split is None:
            starts = np.arange(0, n, size)
            counts = np.diff(np.append(starts, n))
            split = self._splits[n, size, residuals] = (starts, (0.5 if residuals else 1.0) / counts)
            if len(self._splits) > 64:  # a mid-epoch start or a new batch size makes new ones
                self._splits.pop(next(iter(self._splits)))
        return split

    def take(self) -> np.ndarray:
        """Every loss kept since the last take, oldest first; empties the log."""
        losses = np.concatenate(self._chunks) if self._chunks else np.empty(0)
        self._chunks, self._kept = [], 0
        return losses
