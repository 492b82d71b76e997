"""A network and what is bound to its parameter layout, built together and replaced together
(so a trainer can build a new one aside and swap it in whole)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from .network import Network
from .shapes import layer_sizes
from .snapshot import Snapshotter
from .workspace import Workspace


@dataclass(frozen=True)
class Model:
    """`network`; `grad` the last step's data-loss gradient summed over its batch, in the layout
    of the parameters, `grads` its per-layer blocks; `trained` the parameters as the last
    training left them; `pictures` the snapshotter fitted to this network; `workspaces` the
    training buffers per batch size (filled on first use)."""

    network: Network
    grad: np.ndarray
    grads: list[np.ndarray]
    trained: np.ndarray
    pictures: Snapshotter
    workspaces: dict[int, Workspace] = field(default_factory=dict)

    @classmethod
    def build(cls, config: Mapping[str, Any]) -> "Model":
        """A new network with the config's seed, and its buffers."""
        output = "linear" if config["problem"] == "regression" else None
        network = Network(layer_sizes(config), config["activation"], output, config["loss"], config["init"],
                          config["seed"], config["leaky_slope"], config.get("residual", False),
                          config.get("normalization", "none"))
        grad = np.zeros(network.layout.size)
        return cls(network, grad, network.layout.blocks(grad), np.full(network.layout.size, np.nan),
                   Snapshotter(network))

    def workspace(self, n: int) -> Workspace:
        """Training buffers for batches of `n` examples (made once per size)."""
        ws = self.workspaces.get(n)
        if ws is None:
            ws = self.workspaces[n] = Workspace(self.network, n, train=True)
        return ws
