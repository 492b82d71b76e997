"""Taking a trained network away: model JSON (and loading it back), a NumPy script, PyTorch code.

The three exports describe the same thing — features, then dense layers `A @ W + b` each followed
by its activation — from one description of the network (`_describe`), so they cannot drift apart.
Numbers are written with `repr`, which round-trips a float64 exactly.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from .activations import ACTIVATIONS
from .config import ConfigError, validate_config
from .datasets import check_points, label_classes
from .features import FEATURE_EXPRESSIONS
from .float_range import ALLOWED, outside_float32_range
from .losses import OUTPUTS
from .shapes import layer_shapes
from . import export_deep
from .export_heads import TORCH_LOAD_WEIGHTS
from .normalization import NORMALIZATIONS
from .snapshot import NUMBER_FIELDS
from .trainer import Trainer

FORMAT = "nn-playground-model"
FORMAT_VERSION = 1

# A few fixed points the exported code predicts when run, so its output can be compared with the
# playground's (and with each other).
PROBE_POINTS = [[-3.0, -3.0], [0.0, 0.0], [2.0, 1.0], [4.5, -2.5], [-5.0, 5.0]]


# --- one description of the network ---------------------------------------------------------------

def _describe(trainer: Any, network: Any = None) -> dict[str, Any]:
    """Features, layer activations and parameters of the trainer's network (or of `network`,
    one built from the same config: the training exports pass the run's initial one), as plain data."""
    net = network if network is not None else trainer.network
    return {
        "features": list(trainer.config["features"]),
        "activations": [*net.activations, net.output_activation],  # one per layer, the output's last
        "leaky_slope": float(net.leaky_slope),
        "weights": [np.asarray(w, dtype=np.float64) for w in net.weights],
        "biases": [np.asarray(b, dtype=np.float64) for b in net.biases],
        # residual connections and normalization (engine.deep): which hidden layers skip, and
        # per hidden layer its normalization block (rows γ, β, and for batch the running averages)
        "skips": list(net.skips), "normalization": net.normalization,
        "norm": [np.asarray(block, dtype=np.float64) for block in net.norm_blocks],
    }


def _plain(value: Any) -> Any:
    """A JSON-ready number (or flat list of them), or None for anything else."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)) and all(v is None or isinstance(v, (int, float, np.generic)) for v in value):
        return [_plain(v) for v in value]
    return None


def _metrics(trainer: Any) -> dict[str, Any]:
    """The numbers of a snapshot (losses, accuracies, penalty, ...) without grids or arrays."""
    snap = trainer.snapshot(grid=2, unit_grid=2)  # the smallest grids: only the numbers are kept
    return {name: _plain(getattr(snap, name)) for name in NUMBER_FIELDS}


# --- model JSON ---------------------------------------------------------------------------------------

def model_to_dict(trainer: Any) -> dict[str, Any]:
    """The trained model as JSON-ready data: format, config, weights, biases, counters, metrics.

    Custom data (points a student drew or uploaded) are included, because no seed can
    regenerate them; generated data come back from the config's seed.
    """
    desc = _describe(trainer)
    if not all(np.isfinite(p).all() for p in desc["weights"] + desc["biases"] + desc["norm"]):
        raise _fail("the network has diverged (NaN or infinite weights); reset it before downloading")
    data: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": dict(trainer.config),
        "weights": [w.tolist() for w in desc["weights"]],
        "biases": [b.tolist() for b in desc["biases"]],
        **({"norm": [block.tolist() for block in desc["norm"]]} if desc["norm"] else {}),
        "epoch": int(trainer.epoch),
        "iteration": int(trainer.iteration),
        "metrics": _metrics(trainer),
    }
    if trainer.config["dataset"] == "custom":
        pts = trainer.points
        data["points"] = {"xy": pts.xy.tolist(), "label": pts.label.tolist(), "train": pts.train.tolist()}
    return data


def _fail(message: str, allowed: str | None = None) -> ConfigError:
    return ConfigError("model", message, allowed=allowed)


def _array(value: Any, where: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _fail(f"{where}: expected numbers in shape {list(shape)}") from None
    if arr.shape != shape:
        raise _fail(f"{where}: expected shape {list(shape)}, got {list(arr.shape)}")
    if outside_float32_range(arr).any():
        raise _fail(f"{where}: values must be {ALLOWED}")
    return arr


def _count(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(f"{key}: expected a whole number >= 0, got {value!r}")
    return value


def _check_points(raw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(raw, Mapping) or set(raw) != {"xy", "label", "train"}:
        raise _fail("points: expected an object with xy, label and train")
    m = len(raw["label"]) if isinstance(raw["label"], list) else -1
    if m < 0:
        raise _fail("points.label: expected a list of numbers")
    xy = _array(raw["xy"], "points.xy", (m, 2))
    label = _array(raw["label"], "points.label", (m,))
    train = raw["train"]
    if not isinstance(train, list) or len(train) != m or not all(isinstance(t, bool) for t in train):
        raise _fail(f"points.train: expected a list of {m} true/false values")
    return xy, label, np.array(train, dtype=bool)


def trainer_from_model(data: Any, *, max_points: int = 5000) -> Trainer:
    """A new Trainer from a `model_to_dict` export: same config, weights, counters (and points).

    The file is checked whole and nothing else is touched, so a server replaces its trainer
    with the result only when it is complete; errors are ConfigError("model",
    "<where>: <what>"). The optimizer state (momentum, Adam's moments) and the shuffling
    stream start afresh; "metrics" is informational and not read.
    """
    if not isinstance(data, Mapping):
        raise _fail("expected a JSON object as written by the model download")
    if data.get("format") != FORMAT:
        raise _fail(f"format: expected {FORMAT!r}, got {data.get('format')!r}", repr(FORMAT))
    if data.get("format_version") != FORMAT_VERSION:
        raise _fail(f"format_version: {data.get('format_version')!r} is not supported; allowed: {FORMAT_VERSION}",
                    str(FORMAT_VERSION))
    allowed = {"format", "format_version", "config", "weights", "biases", "norm", "epoch", "iteration", "metrics",
               "points"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _fail(f"{unknown[0]}: unknown key; allowed keys: {', '.join(sorted(allowed))}", ", ".join(sorted(allowed)))
    try:
        config = validate_config(data.get("config"))
    except ConfigError as e:
        raise e.inside("model", f"config.{e.key}") from None
    epoch, iteration = _count(data, "epoch"), _count(data, "iteration")

    want_w, want_b = zip(*layer_shapes(config))  # the shapes the weights must have
    for key, want in (("weights", want_w), ("biases", want_b)):
        if not isinstance(data.get(key), list) or len(data[key]) != len(want):
            raise _fail(f"{key}: expected a list of {len(want)} layers for this config")
    weights = [_array(w, f"weights[{i}]", s) for i, (w, s) in enumerate(zip(data["weights"], want_w))]
    biases = [_array(b, f"biases[{i}]", s) for i, (b, s) in enumerate(zip(data["biases"], want_b))]
    norm = _norm_blocks(data, config, [b[0] for b in want_b[:-1]])
    points = train = None
    if config["dataset"] == "custom" and "points" in data:
        xy, label, train = _check_points(data["points"])
        try:
            points = check_points(np.column_stack([xy, label]), label_classes(config))
        except ConfigError as e:
            raise e.inside("model", "points") from None
        if len(label) > max_points:
            raise ConfigError("model", f"points: {len(label)} points; allowed: at most {max_points} per session",
                              code="too_many_points", allowed=f"0..{max_points}")
    trainer = Trainer.from_state(config, points=points, train=train, weights=weights, biases=biases,
                                 epoch=epoch, iteration=iteration, max_points=max_points)
    for block, values in zip(trainer.network.norm_blocks, norm):
        block[...] = values
    return trainer


def _norm_blocks(data: Mapping[str, Any], config: Mapping[str, Any], widths: list[int]) -> list[np.ndarray]:
    """The file's normalization blocks, checked against the config (none without normalization;
    a file without them, written before they existed, is refused when the config has one)."""
    norm = NORMALIZATIONS[config.get("normalization", "none")]
    if norm is None:
        if data.get("norm"):
            raise _fail("norm: the config has no normalization; allowed: no norm key")
        return []
    if not isinstance(data.get("norm"), list) or len(data["norm"]) != len(widths):
        raise _fail(f"norm: expected a list of {len(widths)} hidden layers for this config")
    return [_array(b, f"norm[{i}]", (norm.rows, w)) for i, (b, w) in enumerate(zip(data["norm"], widths))]


# --- code generation --------------------------------------------------------------------------------

def _literal(arr: np.ndarray) -> str:
    """A Python literal of nested lists that reproduces `arr` exactly."""
    if arr.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in arr) + "]"
    rows = ",\n        ".join(_literal(row) for row in arr)
    return "[\n        " + rows + ",\n    ]"


def _parameters(desc: Mapping[str, Any]) -> str:
    weights = ",\n    ".join(_literal(w) for w in desc["weights"])
    biases = ",\n    ".join(_literal(b) for b in desc["biases"])
    return f"WEIGHTS = [\n    {weights},\n]\nBIASES = [\n    {biases},\n]\n"


def _feature_lines(desc: Mapping[str, Any]) -> str:
    return ", ".join(FEATURE_EXPRESSIONS[name] for name in desc["features"])


def _source(name: str, language: str) -> str:
    """The export source of activation `name` (a hidden layer's or the output's) in "numpy" or
    "torch": each entry of engine.activations.ACTIVATIONS and engine.losses.OUTPUTS carries it."""
    entry = ACTIVATIONS.get(name) or OUTPUTS[name]
    return getattr(entry, language)


def _activation_branches(desc: Mapping[str, Any], language: str, indent: str) -> str:
    """An if/elif chain over the activation names this network uses (and only those)."""
    lines, used = [], []
    for name in desc["activations"]:
        if name not in used:
            used.append(name)
    for i, name in enumerate(used):
        body = _source(name, language).format(slope=desc["leaky_slope"])
        lines.append(f"{indent}{'if' if i == 0 else 'elif'} name == {name!r}:\n{indent}    return {body}")
    lines.append(f"{indent}raise ValueError(name)")
    return "\n".join(lines)


def class_rule(trainer: Any) -> tuple[str, str]:
    """(a sentence saying how an output becomes a class, the Python expression of it over an
    (n, outputs) array or tensor `outputs`, the same text for NumPy and PyTorch); the
    expression is "outputs[:, 0]" for regression, whose output is the prediction itself."""
    kind, output = trainer.output_kind, trainer.network.output_activation
    if kind == "regression":
        return "The output is the predicted value itself (regression: no classes).", "outputs[:, 0]"
    if kind == "multiclass":
        return ("The class is the output with the largest value (outputs.argmax(1)).", "outputs.argmax(1)")
    cut = 0.5 if output == "sigmoid" else 0.0
    return (f"The class is 1 where the output is above {cut:g} ({output} output), else 0.",
            f"(outputs[:, 0] > {cut!r}) * 1")


def _header(trainer: Any, desc: Mapping[str, Any], what: str, state: str = "") -> str:
    cfg = trainer.config
    sizes = [w.shape[0] for w in desc["weights"]] + [desc["weights"][-1].shape[1]]  # maxout: units, not pieces
    state = state or f"trained {int(trainer.epoch)} epochs"
    return (f"{what} exported from NN Playground.\n\n"
            f"Data set {cfg['dataset']} ({cfg['problem']}), {state}.\n"
            f"Features: {', '.join(desc['features'])}. Layer widths: {sizes}; "
            f"activations: {', '.join(desc['activations'])}.\n{class_rule(trainer)[0]}\n")


def numpy_network(desc: Mapping[str, Any]) -> str:
    """The NumPy source of the network (shared with the training script): FEATURES,
    ACTIVATIONS, WEIGHTS and BIASES as arrays, features(xy), activate(name, z), predict(xy)."""
    return f'''FEATURES = {desc["features"]!r}
ACTIVATIONS = {desc["activations"]!r}  # one per layer; the last is the output's
{_parameters(desc)}WEIGHTS = [np.array(w) for w in WEIGHTS]
BIASES = [np.array(b) for b in BIASES]


def features(xy):
    """The input features of each point (x1, x2)."""
    xy = np.asarray(xy, dtype=np.float64)
    x1, x2 = xy[:, 0], xy[:, 1]
    return np.column_stack([{_feature_lines(desc)}])


def activate(name, z):
{_activation_branches(desc, "numpy", "    ")}


{_numpy_predict(desc)}'''


def _numpy_predict(desc: Mapping[str, Any]) -> str:
    """predict(xy): plain, or with skips and normalization (engine.export_deep)."""
    if export_deep.is_deep(desc):
        return export_deep.network_constants(desc) + export_deep.numpy_predict()
    return '''def predict(xy):
    """The network's output (n, outputs) for points xy (n, 2)."""
    a = features(xy)
    for w, b, name in zip(WEIGHTS, BIASES, ACTIVATIONS):
        a = activate(name, a @ w + b)
    return a
'''


def numpy_script(trainer: Any) -> str:
    """A stand-alone Python script (NumPy only) that rebuilds the network with these weights.

    Run it to print the output at a few fixed points; import it to call `predict(xy)`.
    """
    desc = _describe(trainer)
    return f'''"""{_header(trainer, desc, "A neural network")}
Run `python this_file.py` to print predictions for a few points, or import it and call
predict(xy) with an (n, 2) array of points in [-6, 6]^2. Needs only NumPy.
"""
import numpy as np
from numpy import cos, sin

{numpy_network(desc)}

if __name__ == "__main__":
    points = np.array({PROBE_POINTS!r})
    for (x, y), out in zip(points, predict(points)):
        print(f"({{x:g}}, {{y:g}}) -> " + " ".join(repr(float(v)) for v in out))
'''


def torch_network(desc: Mapping[str, Any]) -> str:
    """The PyTorch source of the network (shared with the training script): ACTIVATIONS,
    WEIGHTS, BIASES, activate(name, z) and the PlaygroundNet module."""
    # nn.Linear keeps weights as (out, in); with maxout each Linear has two pieces side by side.
    layers = ", ".join(f"nn.Linear({w.shape[0]}, {w.shape[1]})" for w in desc["weights"])
    if export_deep.is_deep(desc):
        return export_deep.torch_network(desc, layers, _parameters(desc), _activation_branches(desc, "torch", "    "),
                                         _feature_lines(desc))
    return f'''ACTIVATIONS = {desc["activations"]!r}  # one per layer; the last is the output's
{_parameters(desc)}

def activate(name, z):
{_activation_branches(desc, "torch", "    ")}


class PlaygroundNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([{layers}])
{TORCH_LOAD_WEIGHTS}
    @staticmethod
    def features(xy):
        x1, x2 = xy[:, 0], xy[:, 1]
        return torch.stack([{_feature_lines(desc)}], dim=1)

    def scores(self, a, masks=()):
        """The output layer's z for feature rows `a`; `masks` (training only: dropout) multiply
        the hidden layers' activations."""
        for i, layer in enumerate(self.layers[:-1]):
            a = activate(ACTIVATIONS[i], layer(a))
            if masks:
                a = a * masks[i]
        return self.layers[-1](a)

    def forward(self, xy):
        return activate(ACTIVATIONS[-1], self.scores(self.features(xy)))
'''


def pytorch_code(trainer: Any) -> str:
    """PyTorch code: an nn.Module that rebuilds the network (features included) with these weights."""
    desc = _describe(trainer)
    return f'''"""{_header(trainer, desc, "PyTorch code for a neural network")}
PlaygroundNet()(xy) maps an (n, 2) tensor of points in [-6, 6]^2 to the network's outputs,
in float64 like the playground. Run this file to print predictions for a few points.
"""
import torch
import torch.nn.functional as F
from torch import cos, nn, sin

{torch_network(desc)}

if __name__ == "__main__":
    points = torch.tensor({PROBE_POINTS!r}, dtype=torch.float64)
    with torch.no_grad():
        outputs = PlaygroundNet()(points)
    for (x, y), out in zip(points.tolist(), outputs.tolist()):
        print(f"({{x:g}}, {{y:g}}) -> " + " ".join(repr(float(v)) for v in out))
'''
