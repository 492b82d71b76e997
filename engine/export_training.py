"""Exported code that keeps training: a NumPy script, a PyTorch script and a Jupyter notebook.

Each rebuilds the run exactly: the points with their train/test split (embedded, so generated
and custom data alike), the network with the run's initial weights (epoch 0 from the config's
seed; `start="current"` embeds the present weights instead and trains on from there with a
fresh optimizer, as a loaded model does), and the engine's training loop — the same seeded
stream `default_rng([seed, 2])` drawing each epoch's order, then per mini-batch the input noise
and the dropout masks in the engine's order and shapes, the same optimizer formulas, penalty and
hyperparameters. So the printed float64 loss per epoch is the engine's (tests/test_export_training.py).
The notebook (engine.export_notebook) is the NumPy script in cells.

The network itself is engine.export's source (`numpy_network`, `torch_network`), so the
inference and training exports cannot drift apart. The NumPy script differentiates by hand
(the engine's backward pass, example-major); the PyTorch one lets autograd do it. The
optimizer source is shared by both: it only uses `sign`, `sqrt` and `zeros_like`, which each
script imports from its library.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import numpy as np

from .activations import ACTIVATIONS
from . import export_deep
from .export_heads import DELTAS, LOSS_SOURCE, TARGETS
from .export import _describe, _header, class_rule, numpy_network, torch_network
from .model import Model
from .optimizers import EPS, OPTIMIZERS
from .trainer import SHUFFLE_STREAM

Start = Literal["initial", "current"]
DEFAULT_EPOCHS = 100

# f'(z) of each hidden activation as the engine's backward pass uses it, from a = f(z) (and z
# for maxout: which of its two pieces won), example-major; `{slope!r}` is the leaky slope.
DERIVATIVES: dict[str, str] = {
    "linear": "np.ones_like(a)",
    "sigmoid": "(1.0 - a) * a",
    "tanh": "1.0 - a * a",
    "relu": "(a > 0.0) * 1.0",
    "leaky_relu": "(a > 0.0) * (1.0 - {slope!r}) + {slope!r}",
    "elu": "np.minimum(a, 0.0) + 1.0",
    "maxout": "np.greater_equal(*np.split(z, 2, axis=1)) * 1.0",
}
assert set(DERIVATIVES) == set(ACTIVATIONS)

# The update rules of engine.optimizers, per parameter array p with its gradient g (already the
# batch mean plus the penalty), state in self.s0 / self.s1; valid NumPy and PyTorch alike.
UPDATES: dict[str, tuple[int, str]] = {
    "sgd": (0, "p += g * -LEARNING_RATE"),
    "momentum": (1, "g = g * -LEARNING_RATE\nself.s0[i] = self.s0[i] * MOMENTUM + g\n"
                    "p += self.s0[i] * MOMENTUM + g if NESTEROV else self.s0[i]"),
    "adagrad": (1, "self.s0[i] = self.s0[i] + g * g\np += (g / (sqrt(self.s0[i]) + EPS)) * -LEARNING_RATE"),
    "rmsprop": (1, "self.s0[i] = self.s0[i] * RHO + (g * g) * (1.0 - RHO)\n"
                   "p += (g / (sqrt(self.s0[i]) + EPS)) * -LEARNING_RATE"),
    "adam": (2, "self.s0[i] = self.s0[i] * MOMENTUM + g * (1.0 - MOMENTUM)\n"
                "self.s1[i] = self.s1[i] * BETA2 + (g * g) * (1.0 - BETA2)\n"
                "p += (self.s0[i] / (sqrt(self.s1[i] * (1.0 / (1.0 - BETA2 ** self.t))) + EPS)) "
                "* (-LEARNING_RATE / (1.0 - MOMENTUM ** self.t))"),
}
assert set(UPDATES) == set(OPTIMIZERS)
PENALTIES = {"l2": "g = g + p * REG_RATE"}  # a penalty's gradient, added before the update
# L1 is a proximal step after the update (engine.regularization): exact zeros, as the engine makes them
AFTER_UPDATE = {"l1": "p[...] = sign(p) * (abs(p) - REG_RATE * LEARNING_RATE).clip(min=0.0)"}


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line if line else line for line in text.splitlines())


def _head_key(trainer: Any) -> tuple[str, str]:
    head = trainer.network.head
    return head.loss, head.targets


def _loss_source(trainer: Any, language: int) -> str:
    """The per-example loss of the trainer's head in NumPy (0) or PyTorch (1)."""
    loss, targets = _head_key(trainer)
    return (LOSS_SOURCE.get((loss, targets)) or LOSS_SOURCE[(loss, "any")])[language]


def _settings(trainer: Any, epochs: int, start: Start) -> str:
    """The data (training points first, as the engine orders them) and every setting."""
    cfg, pts = trainer.config, trainer.points
    order = pts.train_first()
    n_train = int(np.count_nonzero(pts.train))
    xy, labels = pts.xy[order], pts.label[order]
    rows = lambda a: json.dumps(a.tolist())  # repr of floats: exact round trip  # noqa: E731
    units = list(cfg["hidden"])
    return f'''SEED, STREAM = {int(cfg["seed"])}, {SHUFFLE_STREAM}  # the training's random stream: default_rng([SEED, STREAM])
EPOCHS = {int(epochs)}
# The points, with the playground's train/test split (training points first).
TRAIN_XY = np.array({rows(xy[:n_train])}, dtype=np.float64).reshape(-1, 2)
TRAIN_LABELS = np.array({rows(labels[:n_train])}, dtype=np.float64)
TEST_XY = np.array({rows(xy[n_train:])}, dtype=np.float64).reshape(-1, 2)
TEST_LABELS = np.array({rows(labels[n_train:])}, dtype=np.float64)
OUTPUTS = {trainer.network.sizes[-1]}
HIDDEN_UNITS = {units!r}
LEARNING_RATE = {float(cfg["learning_rate"])!r}
BATCH_SIZE = {int(cfg["batch_size"])}
OPTIMIZER = {cfg["optimizer"]!r}
MOMENTUM, NESTEROV, RHO, BETA2, EPS = {float(cfg["momentum"])!r}, {bool(cfg["nesterov"])!r}, {float(cfg["rho"])!r}, {float(cfg["beta2"])!r}, {EPS!r}
REGULARIZATION, REG_RATE = {cfg["regularization"]!r}, {float(cfg["reg_rate"])!r}  # on weights only, never biases
DROPOUT, INPUT_NOISE = {float(cfg["dropout"])!r}, {float(cfg["input_noise"])!r}
START = {start!r}  # "initial": the run's weights at epoch 0; "current": the weights when exported
''' + (export_deep.step_constants(cfg, trainer.epoch if start == "current" else 0)
        if export_deep.steps_differ(cfg) else "")


def _shared_training(trainer: Any) -> str:
    """Targets, losses, class rule, the optimizer and the seeded batches: the same text in the
    NumPy and the PyTorch script (the PyTorch one turns the NumPy arrays into tensors)."""
    loss, targets = _head_key(trainer)
    cfg = trainer.config
    states, rule = UPDATES[cfg["optimizer"]]
    penalty = PENALTIES.get(cfg["regularization"]) if cfg["reg_rate"] else None
    state_lines = "".join(f"        self.s{k} = [zeros_like(p) for p in params]  # per-parameter state\n"
                          for k in range(states))
    penalty_line = f"            if is_weight:  # {cfg['regularization']} penalty\n                {penalty}\n" if penalty else ""
    after = AFTER_UPDATE.get(cfg["regularization"]) if cfg["reg_rate"] else None
    after_line = f"\n            if is_weight:  # {cfg['regularization']}: the proximal step\n                {after}" if after else ""
    if export_deep.steps_differ(cfg):  # the schedule sets the optimizer's rate every epoch
        rule, after_line = rule.replace("LEARNING_RATE", "self.rate"), after_line.replace("LEARNING_RATE", "self.rate")
        state_lines = "        self.rate = LEARNING_RATE  # set per epoch by the schedule\n" + state_lines
    return export_deep.step_helpers() * export_deep.steps_differ(cfg) + f'''

def encode(labels):
    """The targets the loss compares the outputs with, (n, outputs)."""
    labels = np.asarray(labels, dtype=np.float64)
    return {TARGETS[targets]}


def to_class(outputs):
    """{class_rule(trainer)[0]}"""
    return {class_rule(trainer)[1]}


class Optimizer:
    """{cfg["optimizer"]} as the playground's engine.optimizers computes it."""

    def __init__(self, params):
        self.t = 0  # steps taken
{state_lines}
    def step(self, params, grads, weight_flags):
        """Move every parameter array in place along its mean gradient."""
        self.t += 1
        for i, (p, g, is_weight) in enumerate(zip(params, grads, weight_flags)):
{penalty_line}{_indent(rule, 12)}{after_line}


def batches(rng, n):
    """One epoch: a fresh order of the n training points, cut into mini-batches (index arrays)."""
    order = rng.permutation(n)
    size = min(BATCH_SIZE, n)
    return [order[start:start + size] for start in range(0, n, size)]


def training_noise(rng, n, width):
    """The engine's draws for one mini-batch of n points: input noise (n, width) or None, then
    one inverted-dropout mask (n, units) per hidden layer (drawn unit-major, as the engine)."""
    noise = rng.standard_normal((width, n)).T * INPUT_NOISE if INPUT_NOISE else None
    masks = [(rng.random((u, n)).T >= DROPOUT) * (1.0 / (1.0 - DROPOUT)) for u in HIDDEN_UNITS] if DROPOUT else []
    return noise, masks
'''


def _numpy_training(trainer: Any) -> str:
    """The NumPy forward, backward and training loop (with engine.export_deep's passes when the
    network has skips or normalization, and its schedule and clipping when the run uses them)."""
    text = _plain_numpy_training(trainer)
    if trainer.network.deep:
        start, end = text.index("\n\ndef forward("), text.index("\n\ndef mean_losses(")
        text = text[:start] + export_deep.numpy_passes().rstrip("\n") + text[end:]
        text = export_deep.patched(text, export_deep.NUMPY_DEEP_LOOP)
    return export_deep.patched(text, export_deep.STEP_LOOP) if export_deep.steps_differ(trainer.config) else text


def _plain_numpy_training(trainer: Any) -> str:
    loss, output = trainer.network.head.loss, trainer.network.head.output
    key = (loss, output) if loss == "squared" else _head_key(trainer)
    slope = trainer.network.leaky_slope
    branches = []
    for name in dict.fromkeys(trainer.network.activations):
        word = "if" if not branches else "elif"
        branches.append(f"    {word} name == {name!r}:\n        return {DERIVATIVES[name].format(slope=slope)}")
    branches.append("    raise ValueError(name)")
    derivative = "\n".join(branches)
    return f'''

def derivative(name, a, z):
    """f'(z) of a hidden layer from a = f(z) (maxout: which piece won, from z)."""
{derivative}


def example_losses(z, o, t):
    """The loss of each example."""
    return {_loss_source(trainer, 0)}


def output_delta(z, o, t):
    """dE/dz of the output layer, per example."""
    return {DELTAS[key]}


def forward(x, masks=()):
    """Feature rows x (n, features) through the network: (each layer's input, hidden f'(z),
    the output layer's z, the output); `masks` multiply the hidden activations (dropout)."""
    inputs, slopes, a = [], [], x
    for l, (w, b) in enumerate(zip(WEIGHTS[:-1], BIASES[:-1])):
        inputs.append(a)
        z = a @ w + b
        a = activate(ACTIVATIONS[l], z)
        slopes.append(derivative(ACTIVATIONS[l], a, z))
        if masks:
            a = a * masks[l]
    inputs.append(a)
    z = a @ WEIGHTS[-1] + BIASES[-1]
    return inputs, slopes, z, activate(ACTIVATIONS[-1], z)


def backward(inputs, slopes, masks, d):
    """The gradients [dW0, db0, dW1, ...] summed over the batch, from the output delta d."""
    grads = []
    for l in range(len(WEIGHTS) - 1, -1, -1):
        grads[:0] = [inputs[l].T @ d, d.sum(axis=0)]
        if l == 0:
            break
        d = d @ WEIGHTS[l].T
        if masks:
            d = d * masks[l - 1]
        if ACTIVATIONS[l - 1] == "maxout":  # the winning piece takes the whole gradient
            first = d * slopes[l - 1]
            d = np.concatenate([first, d - first], axis=1)
        else:
            d = d * slopes[l - 1]
    return grads


def mean_losses():
    """(train loss, test loss): the mean loss of each part's points (nan for an empty part)."""
    result = []
    for xy, labels in ((TRAIN_XY, TRAIN_LABELS), (TEST_XY, TEST_LABELS)):
        _, _, z, o = forward(features(xy))
        result.append(float(example_losses(z, o, encode(labels)).mean()) if len(xy) else float("nan"))
    return tuple(result)


def train(epochs=EPOCHS):
    """Train `epochs` epochs as the playground does, printing the losses after each; returns them."""
    rng = np.random.default_rng([SEED, STREAM])
    x_all, t_all = features(TRAIN_XY), encode(TRAIN_LABELS)
    params = [p for pair in zip(WEIGHTS, BIASES) for p in pair]
    flags = [True, False] * len(WEIGHTS)
    optimizer, history = Optimizer(params), []
    for epoch in range(1, epochs + 1):
        if len(x_all) == 0:
            break
        for batch in batches(rng, len(x_all)):
            x, t = x_all[batch], t_all[batch]
            noise, masks = training_noise(rng, len(batch), x.shape[1])
            if noise is not None:
                x = x + noise
            inputs, slopes, z, o = forward(x, masks)
            grads = backward(inputs, slopes, masks, output_delta(z, o, t))
            optimizer.step(params, [g * (1.0 / len(batch)) for g in grads], flags)
        history.append((epoch, *mean_losses()))
        print(f"epoch {{epoch}}: train loss {{history[-1][1]!r}} test loss {{history[-1][2]!r}}")
    return history
'''


def _torch_training(trainer: Any) -> str:
    """The PyTorch training loop (patched as the NumPy one for skips, normalization, schedule, clipping)."""
    text = _plain_torch_training()
    if trainer.network.deep:
        text = export_deep.patched(text, export_deep.TORCH_DEEP_LOOP)
    if export_deep.steps_differ(trainer.config):
        text = export_deep.patched(text, (export_deep.STEP_LOOP[0], export_deep.TORCH_STEP))
    return text


def _plain_torch_training() -> str:
    return '''

def train(epochs=EPOCHS):
    """Train `epochs` epochs as the playground does (autograd for the gradients, NumPy's
    generator for the order, noise and dropout), printing the losses; returns them and the net."""
    rng = np.random.default_rng([SEED, STREAM])
    net = PlaygroundNet()
    tensor = lambda a: torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float64)  # noqa: E731
    x_all, t_all = net.features(tensor(TRAIN_XY)), tensor(encode(TRAIN_LABELS))
    parts = [(net.features(tensor(xy)), tensor(encode(labels))) for xy, labels in
             ((TRAIN_XY, TRAIN_LABELS), (TEST_XY, TEST_LABELS))]
    params = [p for layer in net.layers for p in (layer.weight, layer.bias)]
    flags = [True, False] * len(net.layers)
    optimizer, history = Optimizer(params), []
    for epoch in range(1, epochs + 1):
        if len(x_all) == 0:
            break
        for batch in batches(rng, len(x_all)):
            index = torch.as_tensor(batch)
            x, t = x_all[index], t_all[index]
            noise, masks = training_noise(rng, len(batch), x.shape[1])
            if noise is not None:
                x = x + tensor(noise)
            z = net.scores(x, [tensor(m) for m in masks])
            loss = example_losses(z, activate(ACTIVATIONS[-1], z), t).mean()
            net.zero_grad()
            loss.backward()
            with torch.no_grad():
                optimizer.step(params, [p.grad for p in params], flags)
        with torch.no_grad():
            losses = [float(example_losses(z, activate(ACTIVATIONS[-1], z), t).mean()) if len(x) else float("nan")
                      for x, t in parts for z in [net.scores(x)]]
        history.append((epoch, *losses))
        print(f"epoch {epoch}: train loss {losses[0]!r} test loss {losses[1]!r}")
    return history, net
'''


def _parts(trainer: Any, start: Start, epochs: int | None) -> tuple[Any, str, str]:
    """(the network description to embed, the header's state words, the settings block).

    `epochs` None: as many as the run has trained when retraining it from the start, else
    DEFAULT_EPOCHS."""
    if start not in ("initial", "current"):
        raise ValueError(f"start: {start!r} is not allowed; allowed: initial, current")
    if epochs is None:
        epochs = int(trainer.epoch) if start == "initial" and trainer.epoch else DEFAULT_EPOCHS
    network = Model.build(trainer.config).network if start == "initial" else None
    state = ("from its initial weights (epoch 0 of the config's seed)" if start == "initial"
             else f"from its weights after {int(trainer.epoch)} epochs (fresh optimizer and stream)")
    return _describe(trainer, network), state, _settings(trainer, epochs, start)


def numpy_sections(trainer: Any, start: Start, epochs: int | None) -> list[tuple[str, str]]:
    """The NumPy training script as (title, code) sections: the script joins them, the
    notebook makes a cell of each."""
    desc, state, settings = _parts(trainer, start, epochs)
    doc = _header(trainer, desc, "A training script for a neural network", state)
    return [
        ("The network, data and settings of the run", f'"""{doc}"""\nimport math\nimport sys\n\nimport numpy as np\n'
                                                      f"from numpy import cos, sign, sin, sqrt, zeros_like\n\n{settings}"),
        ("The network (features, activations, weights)", numpy_network(desc)),
        ("Loss, targets, optimizer and the seeded batches", _shared_training(trainer).strip("\n") + "\n"),
        ("Forward, backward and the training loop", _numpy_training(trainer).strip("\n") + "\n"),
    ]


def numpy_training_script(trainer: Any, *, start: Start = "initial", epochs: int | None = None) -> str:
    """A stand-alone NumPy script that retrains the run and prints the loss per epoch.

    `python script.py [epochs]`; import it and call `train(epochs)`, then `predict(xy)` and
    `to_class(outputs)`. Its losses are float64: the engine's at every epoch end.
    """
    body = "\n\n".join(code for _, code in numpy_sections(trainer, start, epochs))
    return body + '''

if __name__ == "__main__":
    train(int(sys.argv[1]) if len(sys.argv) > 1 else EPOCHS)
'''


def pytorch_training_script(trainer: Any, *, start: Start = "initial", epochs: int | None = None) -> str:
    """The same run as `numpy_training_script`, trained with PyTorch (autograd), float64."""
    desc, state, settings = _parts(trainer, start, epochs)
    doc = _header(trainer, desc, "A PyTorch training script for a neural network", state)
    return f'''"""{doc}
Run `python this_file.py [epochs]` to train and print the loss per epoch. Needs PyTorch and NumPy
(NumPy's seeded generator draws the batch order, input noise and dropout, as the playground does).
"""
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import cos, nn, sign, sin, sqrt, zeros_like

{settings}
{torch_network(desc)}
{_shared_training(trainer)}

def example_losses(z, o, t):
    """The loss of each example."""
    return {_loss_source(trainer, 1)}
{_torch_training(trainer)}

if __name__ == "__main__":
    train(int(sys.argv[1]) if len(sys.argv) > 1 else EPOCHS)
'''
