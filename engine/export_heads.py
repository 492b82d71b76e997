"""The exports' shared source: each loss head's per-example losses (NumPy and PyTorch), the NumPy
delta the backward pass starts from and the targets (engine.export_training), and the lines that
load the engine's weights into a PlaygroundNet (engine.export, engine.export_deep)."""

from __future__ import annotations

# Per-example losses of a head (loss, targets) over example-major z (scores), o (outputs) and
# t (targets), in NumPy and PyTorch, and the NumPy delta dE/dz the backward pass starts from.
LOSS_SOURCE: dict[tuple[str, str], tuple[str, str]] = {
    ("squared", "any"): ("0.5 * ((o - t) ** 2).sum(axis=1)", "0.5 * ((o - t) ** 2).sum(dim=1)"),
    ("cross_entropy", "01"): ("(np.maximum(z, 0.0) - t * z + np.log1p(np.exp(-np.abs(z))))[:, 0]",
                              "(torch.clamp(z, min=0.0) - t * z + torch.log1p(torch.exp(-z.abs())))[:, 0]"),
    ("cross_entropy", "onehot"): (
        "np.log(np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1)) - ((z - z.max(axis=1, keepdims=True)) * t).sum(axis=1)",
        "torch.logsumexp(z, dim=1) - (z * t).sum(dim=1)"),
    ("hinge", "pm1"): ("np.maximum(0.0, 1.0 - t * z)[:, 0]", "torch.clamp(1.0 - t * z, min=0.0)[:, 0]"),
    ("hinge", "onehot"): ("(np.maximum(0.0, z - (z * t).sum(axis=1, keepdims=True) + 1.0) * (1.0 - t)).sum(axis=1)",
                          "(torch.clamp(z - (z * t).sum(dim=1, keepdim=True) + 1.0, min=0.0) * (1.0 - t)).sum(dim=1)"),
}
DELTAS: dict[tuple[str, str], str] = {
    ("squared", "identity"): "o - t",
    ("squared", "tanh"): "(o - t) * (1.0 - o * o)",
    ("squared", "sigmoid"): "(o - t) * ((1.0 - o) * o)",
    ("squared", "softmax"): "((o - t) - ((o - t) * o).sum(axis=1, keepdims=True)) * o",
    ("cross_entropy", "01"): "o - t",
    ("cross_entropy", "onehot"): "o - t",
    ("hinge", "pm1"): "-(((t * z) < 1.0) * t)",
    ("hinge", "onehot"): "(lambda m: m - t * m.sum(axis=1, keepdims=True))("
                         "(np.maximum(0.0, z - (z * t).sum(axis=1, keepdims=True) + 1.0) * (1.0 - t) > 0.0) * 1.0)",
}
TARGETS: dict[str, str] = {  # labels (class indices or values) -> the head's targets, (n, outputs)
    "pm1": "(2.0 * labels - 1.0).reshape(-1, 1)", "01": "labels.reshape(-1, 1) * 1.0",
    "real": "labels.reshape(-1, 1) * 1.0", "onehot": "np.eye(OUTPUTS)[labels.astype(int)]",
}

# The end of every PlaygroundNet.__init__: float64, then the engine's WEIGHTS and BIASES copied in
# (nn.Linear keeps its weight as (out, in), the engine as (in, out)).
TORCH_LOAD_WEIGHTS = """        self.double()
        with torch.no_grad():
            for layer, w, b in zip(self.layers, WEIGHTS, BIASES):
                layer.weight.copy_(torch.tensor(w, dtype=torch.float64).T)
                layer.bias.copy_(torch.tensor(b, dtype=torch.float64))
"""
