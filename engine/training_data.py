"""The points as network inputs and targets, in the layouts training and evaluation want.

Built whole from a PointSet, the features and the network (whose head encodes the targets),
so a trainer can make a new one before it changes anything and swap it in afterwards.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .datasets import PointSet
from .features import transform
from .network import Network


class TrainingData:
    """Inputs and targets of every point, training points first.

    Attributes:
    - `x` (features + 1, n) float64, unit-major with a ones row last (engine.network's layout);
    - `labels` (n,) class indices or targets, `t` (outputs, n) the encoded targets;
    - `x32`, `t32`: float32 copies for the epoch-end evaluation (losses are for display);
    - `n_train`: how many of the n points are training points (the first ones);
    - `x_epoch`, `t_epoch`: this epoch's shuffled training points, example-major, so that a
      mini-batch is one contiguous block (the products take it transposed without a copy).
    """

    def __init__(self, points: PointSet, features: Sequence[str], network: Network):
        order = points.train_first()
        self.n_train = int(np.count_nonzero(points.train))
        columns = transform(points.xy[order], features)
        self.x = np.ones((columns.shape[1] + 1, len(order)))
        self.x[:-1] = columns.T
        self.labels = points.label[order]
        self.t = np.ascontiguousarray(network.encode(self.labels).T)
        # float32 tanh is much cheaper than float64, and the evaluation's losses are only
        # shown; training stays float64.
        self.x32, self.t32 = self.x.astype(np.float32), self.t.astype(np.float32)
        self._x_rows = self.x[:, :self.n_train].T.copy()
        self._t_rows = self.t[:, :self.n_train].T.copy()
        self.x_epoch, self.t_epoch = np.empty_like(self._x_rows), np.empty_like(self._t_rows)
        self.order = np.arange(self.n_train)  # the training points' order in x_epoch, t_epoch

    @property
    def n(self) -> int:
        """All points, training and test."""
        return self.x.shape[1]

    def shuffle(self, rng: np.random.Generator) -> None:
        """Refill `x_epoch`, `t_epoch` with the training points in a fresh order from `rng`
        (in place: the trainer's prebuilt steps hold views of these buffers)."""
        self.arrange(rng.permutation(self.n_train))

    def arrange(self, order: np.ndarray) -> None:
        """Refill `x_epoch`, `t_epoch` with the training points in `order` (a permutation of
        range(n_train); a resumed run puts back the order of its epoch under way)."""
        self.order = order
        np.take(self._x_rows, order, axis=0, out=self.x_epoch)
        np.take(self._t_rows, order, axis=0, out=self.t_epoch)
