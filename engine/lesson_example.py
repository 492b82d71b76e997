"""A lesson's worked example (its `example` key): one training example and the network the
notes compute it on, for the backprop inspector (engine.backprop_steps).

    "example": {"inputs": [0.05, 0.10], "targets": [0.01, 0.99],
                "hidden_activation": "sigmoid", "output_activation": "sigmoid", "loss": "squared",
                "learning_rate": 0.5,
                "weights": [[[0.15, 0.25], [0.20, 0.30]], [[0.40, 0.50], [0.45, 0.55]]],
                "biases": [[0.35, 0.35], [0.60, 0.60]]}

The layer sizes follow from the weights (weights[l] is fan_in rows of fan_out numbers, as in
the network), so the example may have a network the playground's configs do not build (the
notes' two sigmoid outputs with targets 0.01 and 0.99).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .activations import ACTIVATIONS
from .backprop_steps import check_inspectable, walk
from .errors import ConfigError
from .network import Network

KEYS = ("inputs", "targets", "hidden_activation", "output_activation", "loss", "learning_rate", "weights", "biases")


def parse_example(raw: Any) -> dict[str, Any]:
    """Check an `example` object; ConfigError names the key (prefixed "example.")."""
    if not isinstance(raw, Mapping):
        raise ConfigError("example", "expected an object with keys: " + ", ".join(KEYS))
    for key in KEYS:
        if key not in raw:
            raise ConfigError(f"example.{key}", "missing; an example needs: " + ", ".join(KEYS))
    for key in raw:
        if key not in KEYS:
            raise ConfigError(f"example.{key}", "unknown key; allowed keys: " + ", ".join(KEYS))
    rate = raw["learning_rate"]
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 10:
        raise ConfigError("example.learning_rate", f"{rate!r} is out of range; allowed: a number > 0 and <= 10")
    example = {key: raw[key] for key in KEYS}
    network = example_network(example)  # checks shapes, names and size
    if np.shape(raw["inputs"]) != (network.sizes[0],) or np.shape(raw["targets"]) != (network.sizes[-1],):
        raise ConfigError("example.inputs", f"expected {network.sizes[0]} inputs and {network.sizes[-1]} targets "
                                            "(the first and last layer sizes of the weights)")
    return example


def example_network(example: Mapping[str, Any]) -> Network:
    """The example's network with its weights and biases."""
    try:
        weights = [np.asarray(w, dtype=np.float64) for w in example["weights"]]
        biases = [np.asarray(b, dtype=np.float64) for b in example["biases"]]
    except (TypeError, ValueError):
        raise ConfigError("example.weights", "expected lists of numbers, per layer") from None
    if not weights or any(w.ndim != 2 for w in weights) or len(biases) != len(weights):
        raise ConfigError("example.weights", "expected per layer fan_in rows of fan_out numbers, and one bias list "
                                             "per layer")
    sizes = [weights[0].shape[0]] + [w.shape[1] for w in weights]
    name = example["hidden_activation"]
    if name not in ACTIVATIONS or ACTIVATIONS[name].pieces != 1:
        raise ConfigError("example.hidden_activation", f"{name!r} is not allowed")
    network = Network(sizes, name, example["output_activation"], example["loss"])
    try:
        network.weights, network.biases = weights, biases
    except ValueError as exc:
        raise ConfigError("example.weights", str(exc)) from None
    check_inspectable(network)
    return network


def example_walk(example: Mapping[str, Any], plant_bug: bool = False) -> dict[str, Any]:
    """The backprop inspector's walk through the example (engine.backprop_steps.walk)."""
    return walk(example_network(example), example["inputs"], example["targets"], example["learning_rate"],
                plant_bug)
