"""NN Playground's engine: a pure-NumPy neural network, its data and its training session.

Public API (stable; the server and outside scripts use it):
- `Network(sizes, activation, output_activation, loss, init, seed)`: forward, loss, gradients;
- `Trainer(config)`: train/step/update/reset/regenerate/snapshot, point editing;
  `Trainer.from_state(config, points=…, weights=…, …)` builds one with given contents;
- `Snapshot`: what `Trainer.snapshot` returns (a dataclass of pictures and numbers);
- `gradient_check(network, X, Y)`: backprop against central differences;
- `ConfigError`: any refused input, with fields key, message, code, line and allowed.
"""

from .config import ConfigError
from .gradcheck import gradient_check
from .network import Network
from .snapshot import Snapshot
from .trainer import Trainer

__all__ = ["ConfigError", "Network", "Snapshot", "Trainer", "gradient_check"]
