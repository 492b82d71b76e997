"""The forward and backward pass written plainly, for reading: the teaching reference.

engine.network computes the same thing fast (parameters in one flat vector, unit-major
buffers, prebuilt call lists, in-place ufuncs). Here there are none of those tricks: arrays
are example-major (n, units) as in the notes, every step makes new arrays, and each layer
is one loop iteration. The tests check that the fast path's outputs and gradients agree
with these to 1e-12, so reading this file tells what the fast one computes.

Conventions (the notes'): a layer computes z = a_prev @ W + b, then a = f(z); the squared
loss is ½ Σ_k (t_k - o_k)² per example; a reported loss and its gradient are means over the
examples; dropout is off.

Residual connections and normalization (engine.deep, engine.normalization): a hidden layer
computes z = a_prev @ W + b, then h = γ·(z − μ)/√(σ² + ε) + β with a normalization (batch:
μ, σ² over the examples, or the running averages when `mode` is "infer" or the batch has one
example; layer: over the layer's units), then a = f(h), plus a_prev when the layer skips.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

Function = Callable[[np.ndarray, float], np.ndarray]


# --- hidden activations: f(z) and f'(z), each written out ------------------------------------

def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


HIDDEN: dict[str, tuple[Function, Function]] = {
    "linear": (lambda z, slope: z, lambda z, slope: np.ones_like(z)),
    "sigmoid": (lambda z, slope: _sigmoid(z), lambda z, slope: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "tanh": (lambda z, slope: np.tanh(z), lambda z, slope: 1.0 - np.tanh(z) ** 2),
    "relu": (lambda z, slope: np.where(z > 0, z, 0.0), lambda z, slope: np.where(z > 0, 1.0, 0.0)),
    "leaky_relu": (lambda z, slope: np.where(z > 0, z, slope * z), lambda z, slope: np.where(z > 0, 1.0, slope)),
    "elu": (lambda z, slope: np.where(z > 0, z, np.exp(np.minimum(z, 0.0)) - 1.0),
            lambda z, slope: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0)))),
}


def _maxout(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """max of the two pieces (first half and second half of the columns), and where the first won."""
    units = z.shape[1] // 2
    first, second = z[:, :units], z[:, units:]
    return np.maximum(first, second), first >= second


def output_of(name: str, z: np.ndarray) -> np.ndarray:
    """The output activation `name` applied to z (n, outputs)."""
    if name == "identity":
        return z
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(f"unknown output activation {name!r}")


# --- the loss and its gradient with respect to the output layer's z ---------------------------

def loss_and_delta(loss: str, output: str, z: np.ndarray, o: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(loss of each example (n,), dE/dz (n, outputs)) for one head."""
    if loss == "squared":
        per_example = 0.5 * ((o - t) ** 2).sum(axis=1)
        g = o - t  # dE/do
        if output == "identity":
            return per_example, g
        if output == "tanh":
            return per_example, g * (1.0 - o ** 2)
        if output == "sigmoid":
            return per_example, g * o * (1.0 - o)
        # softmax: dE/dz_j = Σ_k g_k do_k/dz_j = o_j (g_j - Σ_k g_k o_k)
        return per_example, o * (g - (g * o).sum(axis=1, keepdims=True))
    if loss == "cross_entropy":
        if output == "sigmoid":  # -[t log o + (1 - t) log(1 - o)], written to stay finite
            zz = z[:, 0]
            per_example = np.maximum(zz, 0.0) - t[:, 0] * zz + np.log1p(np.exp(-np.abs(zz)))
        else:  # softmax: -Σ t log o = log Σ e^z - Σ t z
            shifted = z - z.max(axis=1, keepdims=True)
            per_example = np.log(np.exp(shifted).sum(axis=1)) - (shifted * t).sum(axis=1)
        return per_example, o - t
    if loss == "hinge":
        if z.shape[1] == 1:  # max(0, 1 - t z) with t = ±1
            margin = 1.0 - t * z
            return np.maximum(margin, 0.0)[:, 0], np.where(margin > 0, -t, 0.0)
        # Weston-Watkins: Σ_{j ≠ y} max(0, z_j - z_y + 1)
        z_true = (z * t).sum(axis=1, keepdims=True)
        margins = np.maximum(z - z_true + 1.0, 0.0) * (1.0 - t)
        pushing = (margins > 0).astype(np.float64)
        return margins.sum(axis=1), pushing - t * pushing.sum(axis=1, keepdims=True)
    raise ValueError(f"unknown loss {loss!r}")


# --- the passes -----------------------------------------------------------------------------------

def _normalize(network: Any, l: int, z: np.ndarray, mode: str) -> dict[str, np.ndarray]:
    """Layer l's normalization of z (n, width): {"h", "xhat", "std", "batch_stats"}."""
    block = np.array(network.norm_blocks[l])
    gamma, beta = block[0], block[1]
    axis = 0 if network.normalization == "batch" else 1
    batch_stats = network.normalization == "layer" or (mode != "infer" and len(z) > 1)
    if batch_stats:
        mean, var = z.mean(axis=axis, keepdims=True), z.var(axis=axis, keepdims=True)
    else:  # running averages
        mean, var = block[2], block[3]
    std = np.sqrt(var + 1e-5)
    xhat = (z - mean) / std
    return {"h": gamma * xhat + beta, "xhat": xhat, "std": std, "batch_stats": np.array(batch_stats)}


def forward(network: Any, X: Any, mode: str = "infer") -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    """The output (n, outputs) of engine.network.Network `network` for examples X (n, inputs),
    and what each layer computed ({"input", "z", "a"}; maxout also "first_won"; normalization
    also "h", "xhat", "std"). `mode`: "infer" or "batch" (batch normalization's statistics)."""
    a = np.asarray(X, dtype=np.float64)
    layers = []
    n_hidden = len(network.activations)
    for l, (W, b) in enumerate(zip(network.weights, network.biases)):
        W, b = np.array(W), np.array(b)
        z = a @ W + b
        record = {"input": a, "z": z}
        if l < n_hidden:
            name = network.activations[l]
            h = z
            if network.normalization != "none":
                record.update(_normalize(network, l, z, mode))
                h = record["h"]
            if name == "maxout":
                record["a"], record["first_won"] = _maxout(h)
            else:
                record["a"] = HIDDEN[name][0](h, network.leaky_slope)
            if network.skips[l]:
                record["a"] = record["a"] + a
        else:
            record["a"] = output_of(network.output_activation, z)
        layers.append(record)
        a = record["a"]
    return a, layers


def loss_and_gradients(network: Any, X: Any, Y: Any) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """(mean data loss, dW per layer, db per layer) of `network` on examples X and labels Y
    (class indices or targets, encoded by the network's head), by backpropagation (batch
    normalization by the examples' own statistics, as in training)."""
    loss, dW, db, _ = all_gradients(network, X, Y)
    return loss, dW, db


def all_gradients(network: Any, X: Any, Y: Any) -> tuple[float, list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """`loss_and_gradients` and, per hidden layer, the normalization's [dγ, dβ] (2, width)
    (an empty list without normalization)."""
    o, layers = forward(network, X, mode="batch")
    t = network.encode(Y)
    n = len(o)
    top = layers[-1]
    per_example, delta = loss_and_delta(network.loss_name, network.output_activation, top["z"], o, t)
    dW: list[np.ndarray] = [np.empty(0)] * len(layers)
    db: list[np.ndarray] = [np.empty(0)] * len(layers)
    dnorm: list[np.ndarray] = [np.empty(0)] * (len(layers) - 1)
    da_above = None  # dE/da of the layer above, which a skip hands down unchanged
    for l in range(len(layers) - 1, -1, -1):  # delta is dE/dz of layer l, summed over examples below
        dW[l] = layers[l]["input"].T @ delta / n
        db[l] = delta.sum(axis=0) / n
        if l == 0:
            break
        da = delta @ np.array(network.weights[l]).T  # dE/da of the layer below
        if l < len(layers) - 1 and network.skips[l]:
            da = da + da_above
        da_above = da
        below = layers[l - 1]
        name = network.activations[l - 1]
        h = below.get("h", below["z"])
        if name == "maxout":  # the piece that won takes the whole gradient
            won = below["first_won"]
            delta = np.concatenate([da * won, da * ~won], axis=1)
        else:
            delta = da * HIDDEN[name][1](h, network.leaky_slope)
        if network.normalization != "none":  # from dE/dh to dE/dz, through the statistics
            xhat, std = below["xhat"], below["std"]
            dnorm[l - 1] = np.stack([(delta * xhat).sum(axis=0), delta.sum(axis=0)]) / n
            dxhat = delta * np.array(network.norm_blocks[l - 1][0])
            if below["batch_stats"]:
                axis = 0 if network.normalization == "batch" else 1
                dxhat = (dxhat - dxhat.mean(axis=axis, keepdims=True)
                         - xhat * (dxhat * xhat).mean(axis=axis, keepdims=True))
            delta = dxhat / std
    return float(per_example.mean()), dW, db, [g for g in dnorm if g.size]
