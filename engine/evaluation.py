"""The loss of every point from one float32 forward pass, cached while nothing changes.

The trainer evaluates at every epoch end (history, divergence); a snapshot reuses that
evaluation while training is part-way through the next epoch (see `Evaluator.evaluate`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .network import Call, Network, run
from .training_data import TrainingData
from .workspace import Workspace


@dataclass(slots=True)
class Evaluation:
    """One forward pass over all points (training points first) and the losses it gives.

    `version` and `epoch` are the trainer's when it was made, `params` a copy of the
    parameters it used; `ws` holds the pass's values (`ws.z[-1]`, `ws.o` the outputs).
    """

    version: int
    epoch: int
    params: np.ndarray
    ws: Optional[Workspace]  # None once released (Evaluator.release); its numbers were worked out before
    losses: np.ndarray
    train_loss: float
    test_loss: float


class Evaluator:
    """Evaluates one network on one `TrainingData` in float32."""

    def __init__(self, network: Network, data: TrainingData):
        self._network = network
        self._data = data
        self._p32 = np.empty(network.layout.size, np.float32)
        self._blocks32 = network.layout.blocks(self._p32)
        # the pass is listed on first use and after `relist` (it bakes in the leaky slope)
        self._ws: Optional[Workspace] = None
        self._calls: list[Call] = []
        self.last: Optional[Evaluation] = None

    def relist(self) -> None:
        """Rebuild the pass before the next evaluation (an activation setting changed)."""
        self._ws = None

    def release(self) -> None:
        """Drop the pass's buffers; the last evaluation keeps its losses (not its values)."""
        self._ws, self._calls = None, []
        if self.last is not None:
            self.last.ws = None

    def evaluate(self, version: int, epoch: int, trained_params: np.ndarray,
                 epoch_end_will_do: bool = False) -> Evaluation:
        """The evaluation of the network's current parameters; cached while nothing changes.

        `epoch_end_will_do` (for snapshots): while training is part-way through an epoch, the
        evaluation made at the last epoch's end is reused, so that the numbers of a frame are
        those of the last history point and a server sending frames mid-epoch does not pay a
        pass over all points for each. Not when anything but training moved the parameters
        since (setters bump `version`; direct writes to the arrays differ from `trained_params`).
        """
        params = self._network.params
        ev = self.last
        if ev is not None and ev.version == version and (
                np.array_equal(ev.params, params)
                or (epoch_end_will_do and ev.epoch == epoch and np.array_equal(params, trained_params))):
            return ev
        net, data = self._network, self._data
        if self._ws is None:
            self._ws = Workspace(net, data.n, np.float32)
            self._calls = net.forward_calls(self._ws, data.x32, self._blocks32)
        ws, n, n_train = self._ws, data.n, data.n_train
        with np.errstate(all="ignore"):
            np.copyto(self._p32, params, casting="same_kind")
            run(self._calls)
            losses = net.head.losses(ws.z[-1], ws.o, data.t32)
            train_loss = float(losses[:n_train].mean(dtype=np.float64)) if n_train else math.nan
            test_loss = float(losses[n_train:].mean(dtype=np.float64)) if n > n_train else math.nan
        self.last = Evaluation(version, epoch, params.copy(), ws, losses, train_loss, test_loss)
        return self.last
