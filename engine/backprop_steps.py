"""Backpropagation on one example, step by step, as the notes do it by hand (the inspector).

Everything is written out per layer with plain arrays, like engine.reference, and every
intermediate value is kept: each layer's net input and output (forward), the error E, each
layer's delta ∂E/∂net (backward), the gradients ∂E/∂w = out_below · delta and ∂E/∂b = delta,
and the weights after one step of plain gradient descent. Arrays are indexed as the network's:
weights[layer][i][j] is the weight from unit i of the layer below to unit j.

`plant_bug` replaces every hidden derivative f'(net) by f(net) (σ' taken as σ): a wrong
backprop on purpose, for the gradient check to catch. Training never uses this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ConfigError
from .reference import HIDDEN, loss_and_delta, output_of

MAX_INSPECTED_PARAMS = 500  # a walk through more numbers than this is no longer readable


def check_inspectable(network: Any) -> None:
    """ConfigError("network", code="network_too_large") beyond MAX_INSPECTED_PARAMS parameters;
    ConfigError("activation") for maxout, whose pieces the walk does not show; ConfigError
    ("residual" or "normalization") for a network with skips or normalization, likewise."""
    size = int(network.params.size)
    if size > MAX_INSPECTED_PARAMS:
        raise ConfigError("network", f"{size} weights and biases are too many to walk through; allowed: up to "
                                     f"{MAX_INSPECTED_PARAMS}", code="network_too_large",
                          allowed=f"0..{MAX_INSPECTED_PARAMS}")
    if getattr(network, "deep", False):
        raise ConfigError("residual" if network.residual else "normalization",
                          "the backprop walk does not show residual connections or normalization; allowed: "
                          "residual false and normalization none", allowed="residual false, normalization none")
    if "maxout" in network.activations:
        raise ConfigError("activation", "the backprop walk does not take maxout layers; allowed: "
                                        + ", ".join(HIDDEN), allowed=", ".join(HIDDEN))


def passes(network: Any, X: np.ndarray, T: np.ndarray, plant_bug: bool = False) -> dict[str, Any]:
    """Forward and backward over examples X (n, inputs) with encoded targets T (n, outputs):
    {"loss" (mean), "net", "out" (per layer, (n, units)), "deltas" (per layer, (n, units)),
    "grad_w", "grad_b" (per layer, means over the examples)}."""
    slope = network.leaky_slope
    n_hidden = len(network.activations)
    a, nets, outs = np.asarray(X, dtype=np.float64), [], []
    for l, (W, b) in enumerate(zip(network.weights, network.biases)):
        net = a @ np.array(W) + np.array(b)  # net_j = Σ_i out_i w_ij + b_j
        a = HIDDEN[network.activations[l]][0](net, slope) if l < n_hidden else output_of(network.output_activation, net)
        nets.append(net)
        outs.append(a)
    per_example, delta = loss_and_delta(network.loss_name, network.output_activation, nets[-1], outs[-1], T)
    deltas = [delta]
    for l in range(n_hidden - 1, -1, -1):
        f, f_prime = HIDDEN[network.activations[l]]
        # δ_h = (Σ_o δ_o w_ho) · f'(net_h): every output the unit feeds adds its share
        slope_of_f = f(nets[l], slope) if plant_bug else f_prime(nets[l], slope)
        deltas.insert(0, (deltas[0] @ np.array(network.weights[l + 1]).T) * slope_of_f)
    inputs = [np.asarray(X, dtype=np.float64)] + outs[:-1]
    n = len(X)
    grad_w = [below.T @ d / n for below, d in zip(inputs, deltas)]  # ∂E/∂w_ij = out_i · δ_j
    grad_b = [d.sum(axis=0) / n for d in deltas]  # ∂E/∂b_j = δ_j
    return {"loss": float(per_example.mean()), "net": nets, "out": outs, "deltas": deltas,
            "grad_w": grad_w, "grad_b": grad_b}


def walk(network: Any, x: Any, target: Any, learning_rate: float, plant_bug: bool = False) -> dict[str, Any]:
    """The inspector's walk for one example `x` (inputs,) with encoded `target` (outputs,):
    {"inputs", "targets", "weights", "biases", "loss", "layers": [{"net", "out"}], "deltas",
    "grad_w", "grad_b", "updated_w", "updated_b"} as nested lists (protocol `backprop` reply),
    updated = value − learning_rate · gradient. Inputs, targets (encoded), weights and biases
    are what the walk starts from, so the page can write the chain rule's factors (out_i · δ_j)
    and the step (w − η · ∂E/∂w)."""
    check_inspectable(network)
    X = np.asarray(x, dtype=np.float64).reshape(1, -1)
    T = np.asarray(target, dtype=np.float64).reshape(1, -1)
    steps = passes(network, X, T, plant_bug)
    return {
        "inputs": X[0].tolist(),
        "targets": T[0].tolist(),
        "weights": [np.array(w).tolist() for w in network.weights],
        "biases": [np.array(b).tolist() for b in network.biases],
        "loss": steps["loss"],
        "layers": [{"net": net[0].tolist(), "out": out[0].tolist()} for net, out in zip(steps["net"], steps["out"])],
        "deltas": [d[0].tolist() for d in steps["deltas"]],
        "grad_w": [g.tolist() for g in steps["grad_w"]],
        "grad_b": [g.tolist() for g in steps["grad_b"]],
        "updated_w": [(np.array(w) - learning_rate * g).tolist() for w, g in zip(network.weights, steps["grad_w"])],
        "updated_b": [(np.array(b) - learning_rate * g).tolist() for b, g in zip(network.biases, steps["grad_b"])],
    }
