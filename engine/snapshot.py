"""What a frame shows of a trainer: pictures over the plane and the numbers beside them.

`Snapshotter.take` draws the network over two grids in float32 (pictures need no more) from
one stacked forward pass, with the grids' feature matrix cached and shared by every trainer,
and reads the numbers (losses, accuracies, dead units, penalty, gradient sizes) off the
trainer's last evaluation. The result is a `Snapshot`.

The pictures depend only on the network's float32 parameters and the grids, so when those did
not change since the last snapshot (a paused network, a learning-rate patch with no step since
the last frame) the last pictures are returned again, read-only, and only the numbers are
worked out. Under a classroom's load that made a frame owed after a patch cost a fraction of a
drawn one (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Optional

import numpy as np

from . import datasets
from .activations import ACTIVATIONS
from .arguments import whole
from .evaluation import Evaluation
from .features import transform
from .network import Call, Network, run
from .workspace import Workspace

if TYPE_CHECKING:
    from .trainer import Trainer

MAX_GRID = 400

Range = tuple[float, float]


@dataclass(slots=True)  # not frozen: a frozen dataclass is several times slower to make, and a frame makes one
class Snapshot:
    """Everything a frame shows. Grids: row 0 is y = +6, column 0 is x = -6.

    - `output`: (grid, grid) float32 for binary (a score in [-1, 1]) and regression, (K, grid,
      grid) class probabilities for multiclass; `output_range` the colour scale's (lo, hi);
    - `units`: per hidden layer (units, unit_grid, unit_grid) activations; `unit_ranges` per layer;
    - `features`: (features, unit_grid, unit_grid) the input features over the unit grid;
    - `weights`, `biases`: copies of the network's per-layer parameters;
    - losses of the last evaluation (NaN without points of that kind), accuracies (None for
      regression or without points), `class_accuracy` per class on the test points (the
      training points if there are none); `dead_units` per hidden layer, `dead_fraction` of
      the ReLU-family units; `penalty` the weight penalty; `grad_norms` per layer the mean
      |dL/dW| of the last step, `norm_grad_norms` per hidden layer the mean |dL/dγ| and
      |dL/dβ| of its normalization (empty without); `norm` per hidden layer a copy of its
      normalization block (rows γ, β, and for batch normalization the running mean and
      variance); `learning_rate` the rate of the next step (engine.schedules).
    """

    epoch: int
    iteration: int
    problem: str
    n_classes: int
    output_kind: str
    output: np.ndarray
    output_range: Range
    units: list[np.ndarray]
    unit_ranges: list[Range]
    features: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    train_loss: float
    test_loss: float
    train_accuracy: Optional[float]
    test_accuracy: Optional[float]
    class_accuracy: Optional[list[Optional[float]]]
    dead_units: list[np.ndarray]
    dead_fraction: float
    penalty: float
    grad_norms: list[float]
    diverged: bool
    diverged_epoch: Optional[int]
    learning_rate: float = 0.0
    norm_grad_norms: list[list[float]] = field(default_factory=list)
    norm: list[np.ndarray] = field(default_factory=list)


@dataclass(slots=True)
class _Pictures:
    """One drawing of a network: what `Snapshot` shows of it over the grids (read-only)."""

    key: tuple  # (grid, unit_grid, features, leaky slope, output kind) it was drawn for
    output: np.ndarray  # binary and multiclass: the picture; regression: the raw values
    units: list[np.ndarray]
    unit_ranges: list[Range]


@dataclass(slots=True)
class _PointNumbers:
    """Accuracies and dead units of one evaluation (worked out once per evaluation)."""

    train_accuracy: Optional[float]
    test_accuracy: Optional[float]
    class_accuracy: Optional[list[Optional[float]]]
    dead_units: list[np.ndarray]
    dead_fraction: float


class Snapshotter:
    """Takes snapshots of trainers whose network is `network` (one per network: it keeps the
    drawing pass and the buffers that fit that network's shape)."""

    def __init__(self, network: Network):
        self._network = network
        layout = network.layout
        self._p32 = np.empty(layout.size, np.float32)
        self._blocks32 = layout.blocks(self._p32)
        self._weight_mask = layout.weight_mask()
        self._weight_counts = np.array([rows * (cols - 1) for rows, cols in layout.shapes], dtype=np.float64)
        # the drawing pass, rebuilt when the grids, the scratch memory or the leaky slope change
        self._grid_ws: Optional[Workspace] = None
        self._grid_key: Optional[tuple] = None
        self._grid_calls: list[Call] = []
        self._numbers_of: Optional[Evaluation] = None
        self._numbers: Optional[_PointNumbers] = None
        self._pictures: Optional[_Pictures] = None  # the last drawing, drawn from self._p32

    def take(self, trainer: "Trainer", grid: int = 100, unit_grid: int = 25) -> Snapshot:
        """The snapshot of `trainer` (whose network is this snapshotter's) with a grid×grid
        output picture and unit_grid×unit_grid pictures of each hidden unit."""
        grid = whole("grid", grid, 2, MAX_GRID)
        unit_grid = whole("unit_grid", unit_grid, 2, MAX_GRID)
        net, cfg = self._network, trainer.config
        ev = trainer.evaluate(epoch_end_will_do=True)
        x = _grid_inputs(grid, unit_grid, tuple(cfg["features"]))
        kind = trainer.output_kind
        pictures = self._drawing(x, (grid, unit_grid, tuple(cfg["features"]), net.leaky_slope, kind))
        output = pictures.output
        if kind == "binary":
            output_range: Range = (-1.0, 1.0)
        elif kind == "multiclass":
            output_range = (0.0, 1.0)
        else:  # the scale also covers the targets, which a point edit may move without a step
            output_range = _symmetric(output, trainer.training_data.labels)
        units, ranges = list(pictures.units), list(pictures.unit_ranges)
        numbers = self._point_numbers(trainer, ev)
        penalty = trainer.penalty
        return Snapshot(
            epoch=trainer.epoch, iteration=trainer.iteration, problem=cfg["problem"], n_classes=trainer.n_classes,
            output_kind=kind, output=output, output_range=output_range, units=units, unit_ranges=ranges,
            features=x[:-1, grid * grid:].reshape(-1, unit_grid, unit_grid),
            weights=[w.copy() for w in net.weights], biases=[b.copy() for b in net.biases],
            train_loss=ev.train_loss, test_loss=ev.test_loss,
            train_accuracy=numbers.train_accuracy, test_accuracy=numbers.test_accuracy,
            class_accuracy=numbers.class_accuracy, dead_units=numbers.dead_units,
            dead_fraction=numbers.dead_fraction,
            penalty=penalty.value(net.params) if penalty is not None else 0.0,
            grad_norms=self._grad_norms(*trainer.last_gradient()),
            diverged=trainer.diverged, diverged_epoch=trainer.diverged_epoch, learning_rate=trainer.learning_rate,
            norm_grad_norms=self._norm_grad_norms(*trainer.last_gradient()),
            norm=[block.copy() for block in net.norm_blocks])

    def release(self, trainer: "Trainer", ev: Optional[Evaluation]) -> None:
        """Before the trainer drops its last evaluation's values `ev`: work out their numbers
        now, and drop this snapshotter's own drawing buffers (the thread's shared ones stay)."""
        if ev is not None and ev.ws is not None:
            self._point_numbers(trainer, ev)
        if self._grid_ws is not None and not self._grid_ws.shared:
            self._grid_ws, self._grid_key, self._grid_calls = None, None, []
        self._pictures = None

    @property
    def draws_in_shared_memory(self) -> bool:
        """Whether the last drawing ran in the thread's shared scratch memory (engine.scratch);
        a huge network's pictures get buffers of their own instead."""
        return self._grid_ws is not None and self._grid_ws.shared

    def _drawing(self, x: np.ndarray, key: tuple) -> _Pictures:
        """The pictures of the network over the grids' inputs `x`: the last ones if they were
        drawn for the same `key` from the same float32 parameters (so they would come out the
        same, bit for bit), else a new drawing."""
        net, last = self._network, self._pictures
        with np.errstate(all="ignore"):  # a diverged network's huge weights become inf in float32
            params32 = net.params.astype(np.float32)  # cast once: compared, then drawn from
        if last is not None and last.key == key and np.array_equal(self._p32, params32):
            return last
        self._pictures = None  # _draw overwrites self._p32, which the last drawing was made from
        o, ws = self._draw(x, params32)
        grid, unit_grid, _, _, kind = key
        g2 = grid * grid
        if kind == "binary":
            output = _binary_score(net, ws.z[-1][:, :g2], o[:, :g2]).reshape(grid, grid).astype(np.float32)
        elif kind == "multiclass":
            probs = o[:, :g2] if net.head.output == "softmax" else _softmax(ws.z[-1][:, :g2])
            output = probs.reshape(-1, grid, grid).astype(np.float32)
        else:
            output = o[0, :g2].reshape(grid, grid).astype(np.float32)
        units, ranges = [], []
        for name, a in zip(net.activations, ws.a):
            pictures = a[:, g2:].reshape(-1, unit_grid, unit_grid).copy()  # own data: buffers are reused
            units.append(pictures)
            bounds = ACTIVATIONS[name].bounds
            ranges.append(bounds if bounds is not None else _symmetric(pictures))
        for array in (output, *units):
            array.setflags(write=False)  # later snapshots may hand out the same arrays
        self._pictures = _Pictures(key, output, units, ranges)
        return self._pictures

    def _draw(self, x: np.ndarray, params32: np.ndarray) -> tuple[np.ndarray, Workspace]:
        """One float32 forward pass over the grids' inputs `x` with the network's parameters
        cast to float32 (`params32`); returns (output, workspace)."""
        net, ws = self._network, self._grid_ws
        if ws is None or ws.n != x.shape[1] or not ws.is_current():
            # shared: every trainer of this thread draws in the same (warm) memory
            ws = self._grid_ws = Workspace(net, x.shape[1], np.float32, picture=True, shared=True)
        key = (id(x), ws, net.leaky_slope)
        if self._grid_key != key:
            self._grid_key = key
            self._grid_calls = net.forward_calls(ws, x, self._blocks32)
        np.copyto(self._p32, params32)
        with np.errstate(all="ignore"):  # inf weights make inf and NaN pictures
            run(self._grid_calls)
        return ws.o, ws

    def _grad_norms(self, grad: np.ndarray, scale: float) -> list[float]:
        """Per layer, the mean |dL/dW| (weights only) of the last step's data loss."""
        sums = np.add.reduceat(np.abs(grad) * self._weight_mask, self._network.layout.offsets[:-1])
        return (sums * (scale / self._weight_counts)).tolist()

    def _norm_grad_norms(self, grad: np.ndarray, scale: float) -> list[list[float]]:
        """Per hidden layer, [mean |dL/dγ|, mean |dL/dβ|] of the last step's data loss."""
        return [(np.abs(g[:2]).mean(axis=1) * scale).tolist() for g in self._network.layout.blocks(grad).norm]

    def _point_numbers(self, trainer: "Trainer", ev: Evaluation) -> _PointNumbers:
        if self._numbers_of is not ev or self._numbers is None:
            self._numbers_of, self._numbers = ev, _numbers(trainer, self._network, ev)
        return self._numbers


def _numbers(trainer: "Trainer", net: Network, ev: Evaluation) -> _PointNumbers:
    """Accuracies (overall and per class) and dead units of an evaluation."""
    data = trainer.training_data
    labels, n_train, n = data.labels, data.n_train, data.n
    train = test = per_class = None
    if trainer.output_kind != "regression":
        if trainer.output_kind == "multiclass":
            predicted = np.argmax(ev.ws.z[-1], axis=0).astype(np.float64)
        else:
            predicted = (_binary_score(net, ev.ws.z[-1], ev.ws.o)[0] > 0).astype(np.float64)
        correct = predicted == labels
        train = np.count_nonzero(correct[:n_train]) / n_train if n_train else None
        test = np.count_nonzero(correct[n_train:]) / (n - n_train) if n > n_train else None
        part = slice(n_train, None) if n > n_train else slice(0, n_train)  # test points, else train
        classes = labels[part].astype(np.intp)
        k = trainer.n_classes
        totals = np.bincount(classes, minlength=k)
        hits = np.bincount(classes, weights=correct[part], minlength=k)
        per_class = [float(h / c) if c else None for h, c in zip(hits.tolist(), totals.tolist())]
    # dead: ReLU-family units whose pre-activation is <= 0 on every training point
    dead, family = [], 0
    for name, z in zip(net.activations, net.activation_inputs(ev.ws)):
        act = ACTIVATIONS[name]
        if act.relu_family and n_train:
            dead.append(~np.any(z[:, :n_train] > 0, axis=1))
            family += z.shape[0]
        else:
            units = z.shape[0] // act.pieces
            dead.append(np.zeros(units, dtype=bool))
            family += act.relu_family * units
    fraction = float(sum(int(d.sum()) for d in dead)) / family if family else 0.0
    return _PointNumbers(train, test, per_class, dead, fraction)


@lru_cache(maxsize=16)
def _grid_inputs(grid: int, unit_grid: int, features: tuple[str, ...]) -> np.ndarray:
    """float32 inputs (unit-major, ones last) of the output grid's points, then the unit
    grid's; read-only and shared by every trainer (see engine.scratch)."""
    xy = np.concatenate([datasets.grid_points(grid), datasets.grid_points(unit_grid)])
    x = np.ones((len(features) + 1, len(xy)), np.float32)
    x[:-1] = transform(xy, features).T
    x.setflags(write=False)
    return x


def _binary_score(net: Network, z: np.ndarray, o: np.ndarray) -> np.ndarray:
    """A binary output as a score in [-1, 1]: +1 class 1, -1 class 0, 0 the boundary."""
    if net.head.output == "sigmoid":
        return 2.0 * o - 1.0
    if net.head.output == "tanh":
        return o
    return np.clip(z, -1.0, 1.0)  # hinge: raw scores, beyond the margin is "sure"


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=0)


def _symmetric(*arrays: np.ndarray) -> Range:
    """(-m, m) with m the largest finite |value| (1 if there is none)."""
    m = 0.0
    for a in arrays:
        a = np.abs(a[np.isfinite(a)])
        if a.size:
            m = max(m, float(a.max()))
    m = m or 1.0
    return (-m, m)


# The snapshot fields that are plain numbers (what model files record as metrics).
NUMBER_FIELDS = ("n_classes", "train_loss", "test_loss", "train_accuracy", "test_accuracy", "class_accuracy",
                 "dead_fraction", "penalty", "grad_norms", "diverged", "diverged_epoch", "learning_rate",
                 "norm_grad_norms")
