"""The shape of the network a config builds, without building it (one rule for the trainer,
lesson files and model files)."""

from __future__ import annotations

from typing import Any, Mapping

from .activations import ACTIVATIONS
from .datasets import n_classes


def layer_sizes(config: Mapping[str, Any]) -> list[int]:
    """[inputs, hidden..., outputs]: one output for regression and two classes, K for K classes."""
    k = n_classes(config)
    return [len(config["features"]), *config["hidden"], 1 if k <= 2 else k]


def layer_shapes(config: Mapping[str, Any]) -> list[tuple[tuple[int, int], tuple[int]]]:
    """The (weights shape, biases shape) of every layer of the network `config` builds.

    weights[l] is (fan_in, fan_out); a layer of an activation with several pieces per unit
    (maxout: 2) has (fan_in, pieces*fan_out).
    """
    sizes = layer_sizes(config)
    hidden = len(config["hidden"])
    acts = config["activation"] if isinstance(config["activation"], list) else [config["activation"]] * hidden
    shapes = []
    for layer in range(len(sizes) - 1):
        pieces = ACTIVATIONS[acts[layer]].pieces if layer < hidden else 1
        width = sizes[layer + 1] * pieces
        shapes.append(((sizes[layer], width), (width,)))
    return shapes
