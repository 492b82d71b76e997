"""NN Playground's engine: a pure-NumPy neural network, its data and its training session.

Public API (stable; the server and outside scripts use it):
- `Network(sizes, activation, output_activation, loss, init, seed)`: forward, loss, gradients;
- `Trainer(config)`: train/step/update/reset/regenerate/snapshot, point editing;
- `gradient_check(network, X, Y)`: backprop against central differences;
- `ConfigError`: any invalid key or value, naming the key and the allowed range.
"""

from .config import ConfigError
from .gradcheck import gradient_check
from .network import Network
from .trainer import Trainer

__all__ = ["ConfigError", "Network", "Trainer", "gradient_check"]
