"""A training session: data, network and optimizer built from one config dict, no I/O.

The server drives it in small slices (`step`), a notebook in whole epochs (`train`); both
run the same loop. One epoch is one pass over the training points in a fresh seeded order;
the shuffled points are gathered once per epoch so every mini-batch is a contiguous slice,
and each batch size has its own preallocated buffers, so a step is a fixed list of ufunc
calls. `snapshot` draws the network over grids in float32 (pictures need no more) from one
stacked forward pass, with the grids' feature matrix cached.

Labels: the points hold class indices (or real targets); the network's head encodes them
(±1 for tanh + squared and hinge, 0/1 for sigmoid + cross-entropy, one-hot for K classes).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Optional

import numpy as np

from . import datasets
from .activations import ACTIVATIONS
from .config import ConfigError, apply_patch, resets_for, validate_config
from .features import transform
from .float_range import float32_value
from .gradcheck import gradient_check
from .network import Network, Workspace, run
from .optimizers import Optimizer, make_optimizer
from .regularization import Penalty, add_input_noise, make_penalty

History = list[tuple[int, float, float]]

_SHUFFLE_STREAM = 2  # the trainer's own random stream (order, dropout, input noise) per seed
MAX_GRID = 400
GRADCHECK_POINTS = 20
GRADCHECK_PARAMS = 500  # beyond, an evenly spread sample: about a second for the largest network


@dataclass
class _Evaluation:
    """One forward pass over all points (training points first) and what it gives."""

    version: int
    epoch: int
    params: np.ndarray
    ws: Optional[Workspace]  # None once released (Trainer.release_memory): numbers are then worked out
    losses: np.ndarray
    train_loss: float
    test_loss: float
    numbers: Optional[dict[str, Any]] = None  # accuracies and dead units, worked out once


class Trainer:
    """Trains one network on one data set as the config says; see the module docstring.

    Attributes: `config` (the full, checked config; a random seed is fixed in it),
    `network`, `points` (datasets.PointSet), `epoch`, `iteration` (mini-batch steps),
    `diverged`, `diverged_epoch`.
    """

    def __init__(self, config: Optional[Mapping[str, Any]] = None, *, max_points: int = 5000):
        self.max_points = int(max_points)
        self.config = validate_config(config)
        self._version = 0
        self.points = datasets.generate(self.config)
        self._build_network()
        self._prepare_data()

    # ---- building -----------------------------------------------------------------------------

    @property
    def n_classes(self) -> int:
        """Classes of the data (1 for regression)."""
        return datasets.n_classes(self.config)

    @property
    def output_kind(self) -> str:
        """"binary", "multiclass" or "regression"."""
        if self.config["problem"] == "regression":
            return "regression"
        return "binary" if self.n_classes == 2 else "multiclass"

    def _build_network(self) -> None:
        """A new network with the config's seed, fresh optimizer, epoch 0 (a replayable start)."""
        cfg = self.config
        k = self.n_classes
        sizes = [len(cfg["features"]), *cfg["hidden"], 1 if k <= 2 else k]
        output = "linear" if cfg["problem"] == "regression" else None
        self.network = Network(sizes, cfg["activation"], output, cfg["loss"], cfg["init"], cfg["seed"],
                               cfg["leaky_slope"])
        self._grad = np.zeros(self.network.layout.size)
        self._trained_params = np.full(self.network.layout.size, np.nan)  # params as the last training left them
        self._grads = self.network.layout.blocks(self._grad)
        self._workspaces: dict[int, Workspace] = {}
        self._p32 = np.empty(self.network.layout.size, np.float32)
        self._blocks32 = self.network.layout.blocks(self._p32)
        self._grid_ws: Optional[Workspace] = None
        self._eval_ws: Optional[Workspace] = None
        self._restart()

    def _restart(self) -> None:
        """Epoch 0, fresh optimizer and random stream, no divergence (weights untouched)."""
        self.epoch = 0
        self.iteration = 0
        self.diverged = False
        self.diverged_epoch: Optional[int] = None
        self._rng = np.random.default_rng([self.config["seed"], _SHUFFLE_STREAM])
        self._passes: dict[int, list] = {}  # dropout and input noise draw from the old stream
        self._new_optimizer()
        self._grad[:] = 0.0
        self._last_scale = 0.0
        self._cursor = math.inf  # the next step starts a new pass over the data
        self._version += 1

    def _new_optimizer(self) -> None:
        self._optimizer: Optimizer = make_optimizer(self.config["optimizer"], self.network.layout.size)
        self._apply_live()

    def _apply_live(self) -> None:
        """Settings read while training: optimizer knobs, penalty, activation slope."""
        cfg, opt = self.config, self._optimizer
        opt.momentum, opt.nesterov, opt.rho, opt.beta2 = cfg["momentum"], cfg["nesterov"], cfg["rho"], cfg["beta2"]
        self._penalty: Optional[Penalty] = make_penalty(cfg["regularization"], cfg["reg_rate"],
                                                        self.network.layout.weight_mask())
        self.network.leaky_slope = cfg["leaky_slope"]
        # Call lists bake settings in. A step's update bakes the rates and the penalty, so
        # whole steps are relisted after any change; its passes (the costly part to list)
        # and the evaluation only when what they bake changed, since a dragged slider sends
        # a learning rate many times a second.
        self._plans: dict[int, list] = {}
        passes_key = (cfg["leaky_slope"], cfg["dropout"], cfg["input_noise"], cfg["batch_size"])
        if passes_key != getattr(self, "_passes_key", None):
            self._passes_key = passes_key
            self._passes = {}
            self._workspaces = {}  # a workspace per batch size ever used would pile up
            self._eval_ws = None

    def _prepare_data(self) -> None:
        """The points as network inputs and targets, training points first."""
        pts, net = self.points, self.network
        order = pts.train_first()
        self._n_train = int(np.count_nonzero(pts.train))
        features = transform(pts.xy[order], self.config["features"])
        self._x = np.ones((features.shape[1] + 1, len(order)))  # unit-major, ones last (engine.network)
        self._x[:-1] = features.T
        self._labels = pts.label[order]
        self._t = np.ascontiguousarray(net.encode(self._labels).T)
        # The epoch-end evaluation runs in float32: losses are for display, and float64 tanh
        # costs five times more here. Training stays float64.
        self._x32, self._t32 = self._x.astype(np.float32), self._t.astype(np.float32)
        # Shuffled copies for training, example-major so that a batch's inputs are one
        # contiguous block (the products take them transposed without a copy).
        self._x_rows, self._t_rows = self._x[:, :self._n_train].T.copy(), self._t[:, :self._n_train].T.copy()
        self._x_epoch, self._t_epoch = np.empty_like(self._x_rows), np.empty_like(self._t_rows)
        self._cursor = math.inf
        self._eval_ws = None
        self._plans, self._passes = {}, {}
        self._version += 1

    # ---- training -----------------------------------------------------------------------------

    def train(self, epochs: int = 1) -> History:
        """Train `epochs` more epochs; returns [(epoch, train_loss, test_loss)] per epoch completed."""
        return self._run(epochs=_count("epochs", epochs))

    def step(self, batches: int = 1) -> History:
        """Train `batches` mini-batches; returns an entry for every epoch completed on the way."""
        return self._run(batches=_count("batches", batches))

    def _run(self, epochs: int = 0, batches: int = 0) -> History:
        history: History = []
        n_train = self._n_train
        if self.diverged or n_train == 0:
            return history
        size = min(self.config["batch_size"], n_train)
        plans = self._plans
        with np.errstate(all="ignore"):  # overflow is caught as divergence, not as warnings
            done, goal = 0, epochs or batches
            while done < goal:
                if self._cursor >= n_train:
                    self._shuffle()
                start = self._cursor
                plan = plans.get(start) or self._plan(start, size)
                for function, args in plan:
                    function(*args)
                end = min(start + size, n_train)
                self._last_scale = 1.0 / (end - start)
                self.iteration += 1
                self._cursor = end
                if batches:
                    done += 1
                if end == n_train:
                    self.epoch += 1
                    evaluation = self._evaluate()
                    history.append((self.epoch, evaluation.train_loss, evaluation.test_loss))
                    if self.diverged:
                        break
                    done += not batches
            if not self.diverged and not math.isfinite(float(self.network.params.sum())):
                # caught between epoch ends: it went wrong in the epoch under way, not the last finished one
                self._diverge(self.epoch + (self._cursor < n_train))
        np.copyto(self._trained_params, self.network.params)
        return history

    def _plan(self, start: int, size: int) -> list:
        """The calls of one training step on the batch starting at `start` of the epoch's order.

        Batches are views of the epoch buffers (refilled in place every epoch), so the plan
        stays valid until a setting, the data or the network changes (then `_plans` is cleared).
        """
        end = min(start + size, self._n_train)
        passes = self._passes.get(start) or self._list_passes(start, end)
        calls = passes + self._optimizer.calls(self.network.params, self._grad, self.config["learning_rate"],
                                               1.0 / (end - start), self._penalty)
        self._plans[start] = calls
        return calls

    def _list_passes(self, start: int, end: int) -> list:
        """The forward and backward calls of a step on the batch [start, end) (see `_plan`)."""
        cfg, net = self.config, self.network
        ws = self._workspaces.get(end - start) or self._workspace(end - start)
        x, t = self._x_epoch[start:end].T, self._t_epoch[start:end].T
        calls: list = []
        if cfg["input_noise"]:
            noisy = ws.input_buffer(x.shape[0])
            calls += [(np.copyto, (noisy, x)),
                      (add_input_noise, (self._rng, noisy[:-1], cfg["input_noise"], np.empty((x.shape[0] - 1, end - start))))]
            x = noisy
        dropout = cfg["dropout"]
        calls += net.forward_calls(ws, x, net.blocks, dropout, self._rng, derivatives=True)
        calls += net.backward_calls(ws, x, t, self._grads, dropout > 0)
        self._passes[start] = calls
        return calls

    def _shuffle(self) -> None:
        order = self._rng.permutation(self._n_train)
        np.take(self._x_rows, order, axis=0, out=self._x_epoch)
        np.take(self._t_rows, order, axis=0, out=self._t_epoch)
        self._cursor = 0

    def _workspace(self, n: int) -> Workspace:
        ws = self._workspaces[n] = Workspace(self.network, n, train=True)
        return ws

    def release_memory(self) -> None:
        """Drop the training, evaluation and picture workspaces (rebuilt on next use, with the
        same results). For a paused session of a big network they are most of its memory: a
        16×64 maxout network on 2,000 points holds ~270 MB in them, ~5 MB without."""
        ev = getattr(self, "_eval", None)
        if ev is not None and ev.ws is not None:
            if ev.numbers is None:  # worked out now, while the pass it needs is still there
                ev.numbers = {**self._accuracies(ev), **self._dead_units(ev)}
            ev.ws = None
        self._workspaces, self._passes, self._plans = {}, {}, {}
        self._eval_ws = self._grid_ws = None
        self._grid_key = self._grid_calls = None

    def _diverge(self, epoch: Optional[int] = None) -> None:
        self.diverged = True
        self.diverged_epoch = self.epoch if epoch is None else epoch

    # ---- evaluation ---------------------------------------------------------------------------

    def _evaluate(self, epoch_end_will_do: bool = False) -> _Evaluation:
        """Losses of all points from one float32 forward pass; cached while nothing changes.

        `epoch_end_will_do` (for snapshots): while training is part-way through an epoch, the
        evaluation made at the last epoch's end is reused, so that the numbers of a frame are
        those of the last history point and a server sending frames mid-epoch does not pay a
        pass over all points for each. Not when anything but training moved the parameters
        since (setters bump `_version`; direct writes to the arrays differ from `_trained_params`).
        """
        params = self.network.params
        ev = getattr(self, "_eval", None)
        if ev is not None and ev.version == self._version and (
                np.array_equal(ev.params, params)
                or (epoch_end_will_do and ev.epoch == self.epoch and np.array_equal(params, self._trained_params))):
            return ev
        net, n = self.network, self._x.shape[1]
        if self._eval_ws is None:
            self._eval_ws = Workspace(net, n, np.float32)
            self._eval_calls = net.forward_calls(self._eval_ws, self._x32, self._blocks32)
        ws, n_train = self._eval_ws, self._n_train
        with np.errstate(all="ignore"):
            np.copyto(self._p32, params, casting="same_kind")
            run(self._eval_calls)
            losses = net.head.losses(ws.z[-1], ws.o, self._t32)
            train_loss = float(losses[:n_train].mean(dtype=np.float64)) if n_train else math.nan
            test_loss = float(losses[n_train:].mean(dtype=np.float64)) if n > n_train else math.nan
        self._eval = _Evaluation(self._version, self.epoch, params.copy(), ws, losses, train_loss, test_loss)
        watched = train_loss if n_train else test_loss if n else 0.0
        if not self.diverged and (not math.isfinite(watched) or not math.isfinite(float(params.sum()))):
            self._diverge()
        return self._eval

    def _predictions(self, ws: Workspace) -> np.ndarray:
        """Predicted class of every point from an evaluation pass."""
        if self.output_kind == "multiclass":
            return np.argmax(ws.z[-1], axis=0).astype(np.float64)
        return (_binary_score(self.network, ws.z[-1], ws.o)[0] > 0).astype(np.float64)

    # ---- pictures and numbers -------------------------------------------------------------------

    def snapshot(self, grid: int = 100, unit_grid: int = 25) -> dict[str, Any]:
        """Everything a frame shows: output over a grid×grid image of the plane (row 0 is
        y = +6, column 0 x = -6), each hidden unit over unit_grid×unit_grid, the input
        features, parameters, losses, accuracies, penalty, dead units and gradient sizes."""
        grid = _whole("grid", grid, 2, MAX_GRID)
        unit_grid = _whole("unit_grid", unit_grid, 2, MAX_GRID)
        cfg, net = self.config, self.network
        ev = self._evaluate(epoch_end_will_do=True)
        o, ws = self._draw(grid, unit_grid)
        g2, u2 = grid * grid, unit_grid * unit_grid
        kind = self.output_kind
        snap: dict[str, Any] = {"epoch": self.epoch, "iteration": self.iteration, "problem": cfg["problem"],
                                "n_classes": self.n_classes, "output_kind": kind}
        if kind == "binary":
            score = _binary_score(net, ws.z[-1][:, :g2], o[:, :g2])
            snap["output"] = score.reshape(grid, grid).astype(np.float32)
            snap["output_range"] = (-1.0, 1.0)
        elif kind == "multiclass":
            probs = o[:, :g2] if net.head.output == "softmax" else _softmax(ws.z[-1][:, :g2])
            snap["output"] = probs.reshape(-1, grid, grid).astype(np.float32)
            snap["output_range"] = (0.0, 1.0)
        else:
            values = o[0, :g2]
            snap["output"] = values.reshape(grid, grid).astype(np.float32)
            snap["output_range"] = _symmetric(values, self._labels)
        units, ranges = [], []
        for name, a in zip(net.activations, ws.a):
            pictures = a[:, g2:].reshape(-1, unit_grid, unit_grid).copy()  # own data: buffers are reused
            units.append(pictures)
            bounds = ACTIVATIONS[name].bounds
            ranges.append(bounds if bounds is not None else _symmetric(pictures))
        snap["units"], snap["unit_ranges"] = units, ranges
        snap["features"] = self._grid_features(grid, unit_grid)[:-1, g2:].reshape(-1, unit_grid, unit_grid)
        snap["weights"] = [w.copy() for w in net.weights]
        snap["biases"] = [b.copy() for b in net.biases]
        snap["train_loss"], snap["test_loss"] = ev.train_loss, ev.test_loss
        if ev.numbers is None:
            ev.numbers = {**self._accuracies(ev), **self._dead_units(ev)}
        snap.update(ev.numbers)
        snap["penalty"] = self._penalty.value(net.params) if self._penalty is not None else 0.0
        snap["grad_norms"] = self._grad_norms()
        snap["diverged"], snap["diverged_epoch"] = self.diverged, self.diverged_epoch
        return snap

    def _grad_norms(self) -> list[float]:
        """Per layer, the mean |dL/dW| (weights only) of the last step's data loss."""
        layout = self.network.layout
        if getattr(self, "_norm_layout", None) is not layout:
            self._norm_layout, self._norm_mask = layout, layout.weight_mask()
            self._norm_counts = np.array([(rows * (cols - 1)) for rows, cols in layout.shapes], dtype=np.float64)
        sums = np.add.reduceat(np.abs(self._grad) * self._norm_mask, layout.offsets[:-1])
        return (sums * (self._last_scale / self._norm_counts)).tolist()

    def _grid_features(self, grid: int, unit_grid: int) -> np.ndarray:
        """float32 inputs (unit-major, ones last) of the output grid's points, then the unit grid's."""
        return _grid_inputs(grid, unit_grid, tuple(self.config["features"]))

    def _draw(self, grid: int, unit_grid: int) -> tuple[np.ndarray, Workspace]:
        """One float32 forward pass over both grids; returns (output, workspace)."""
        x = self._grid_features(grid, unit_grid)
        ws = self._grid_ws
        if ws is None or ws.n != x.shape[1] or not ws.is_current():
            # shared: every trainer of this thread draws in the same (warm) memory
            self._grid_ws = Workspace(self.network, x.shape[1], np.float32, picture=True, shared=True)
        key = (id(x), self._grid_ws, self.network.leaky_slope)
        if getattr(self, "_grid_key", None) != key:
            self._grid_key = key
            self._grid_calls = self.network.forward_calls(self._grid_ws, x, self._blocks32)
        with np.errstate(all="ignore"):  # a diverged network's huge weights become inf in float32
            np.copyto(self._p32, self.network.params, casting="same_kind")
            run(self._grid_calls)
        return self._grid_ws.o, self._grid_ws

    def _accuracies(self, ev: _Evaluation) -> dict[str, Any]:
        if self.output_kind == "regression":
            return {"train_accuracy": None, "test_accuracy": None, "class_accuracy": None}
        n_train, n = self._n_train, len(self._labels)
        correct = self._predictions(ev.ws) == self._labels
        train = np.count_nonzero(correct[:n_train]) / n_train if n_train else None
        test = np.count_nonzero(correct[n_train:]) / (n - n_train) if n > n_train else None
        part = slice(n_train, None) if n > n_train else slice(0, n_train)  # test points, else train
        classes = self._labels[part].astype(np.intp)
        k = self.n_classes
        totals = np.bincount(classes, minlength=k)
        hits = np.bincount(classes, weights=correct[part], minlength=k)
        per_class = [float(h / c) if c else None for h, c in zip(hits.tolist(), totals.tolist())]
        return {"train_accuracy": train, "test_accuracy": test, "class_accuracy": per_class}

    def _dead_units(self, ev: _Evaluation) -> dict[str, Any]:
        """ReLU-family units whose pre-activation is <= 0 on every training point."""
        dead, family = [], 0
        for name, z in zip(self.network.activations, ev.ws.z):
            if ACTIVATIONS[name].relu_family and self._n_train:
                dead.append(~np.any(z[:, :self._n_train] > 0, axis=1))
                family += z.shape[0]
            else:
                units = z.shape[0] // ACTIVATIONS[name].pieces
                dead.append(np.zeros(units, dtype=bool))
                family += ACTIVATIONS[name].relu_family * units
        fraction = float(sum(int(d.sum()) for d in dead)) / family if family else 0.0
        return {"dead_units": dead, "dead_fraction": fraction}

    # ---- changing things ------------------------------------------------------------------------

    def update(self, patch: Mapping[str, Any]) -> list[str]:
        """Apply a partial config live; returns the parts rebuilt among "data", "network", "optimizer".

        Atomic: an invalid patch raises ConfigError and changes nothing. Learning rate, batch
        size, regularization, momentum, dropout and input noise keep weights and optimizer
        state; a new optimizer resets its state only; data, shape, features, activation,
        loss and init changes rebuild what engine.config's `resets` says.
        """
        new, changed = apply_patch(self.config, patch)
        parts = resets_for(changed)
        saved = dict(self.__dict__)
        try:
            old, self.config = self.config, new
            if "data" in parts:
                self.points = self._new_points(old)
            if "network" in parts:
                self._build_network()
            elif "optimizer" in parts:
                self._new_optimizer()
            if "data" in parts or "network" in parts:
                self._prepare_data()
            self._apply_live()
            self._version += 1
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return parts

    def _new_points(self, old: Mapping[str, Any]) -> datasets.PointSet:
        """Generated data; for "custom", the current points stay where their labels still fit."""
        cfg = self.config
        if cfg["dataset"] != "custom":
            return datasets.generate(cfg)
        points = self.points.copy()
        if cfg["problem"] != old["problem"]:
            points.clear()
        elif cfg["problem"] == "classification":
            keep = points.label < self.n_classes
            points.xy, points.label, points.train = points.xy[keep], points.label[keep], points.train[keep]
        return points

    def reset(self) -> None:
        """Fresh weights from the config's seed (a run is replayable), same data, epoch 0,
        fresh optimizer; clears divergence."""
        self.network.initialize(self.config["init"], self.config["seed"])
        self._restart()

    def regenerate(self, seed: Optional[int] = None) -> int:
        """New data from `seed` (random if None) and fresh weights; returns the seed."""
        if seed is None:
            seed = random.SystemRandom().randrange(0, 1_000_000)
        new, _ = apply_patch(self.config, {"seed": seed})
        self.config = new
        self.points = datasets.generate(new) if new["dataset"] != "custom" else self.points
        self._build_network()
        self._prepare_data()
        return int(seed)

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        """Set weight (i -> j) of layer `layer` (0 = the inputs' layer); ConfigError names the bad argument."""
        w = self.network.weights
        layer = _whole("layer", layer, 0, len(w) - 1)
        i = _whole("i", i, 0, w[layer].shape[0] - 1)
        j = _whole("j", j, 0, w[layer].shape[1] - 1)
        w[layer][i, j] = float32_value("value", value)
        self._version += 1

    def set_bias(self, layer: int, j: int, value: float) -> None:
        """Set bias `j` of layer `layer`; ConfigError names the bad argument."""
        b = self.network.biases
        layer = _whole("layer", layer, 0, len(b) - 1)
        j = _whole("j", j, 0, b[layer].shape[0] - 1)
        b[layer][j] = float32_value("value", value)
        self._version += 1

    def add_points(self, points: Any, train: Any = None) -> list[str]:
        """Add [[x, y, label], …] (labels: class index, or target for regression), split as
        `train` says (one bool per point) or at random by train_ratio. Switches the data set to
        "custom", keeping the current points and the weights."""
        return self._add_to(self.points.copy(), points, train)

    def remove_points(self, positions: Any) -> list[str]:
        """Remove the nearest point within 0.5 of each (x, y); switches to "custom" as add_points."""
        edited = self.points.copy()
        edited.remove(positions)
        return self._edited(edited)

    def set_points(self, points: Any, train: Any = None) -> list[str]:
        """Replace every point with [[x, y, label], …], with its own train/test flags (`train`:
        one bool per point) or, without them, flags drawn as for added points. Switches to
        "custom" as add_points; ConfigError ("points") names what is wrong and changes nothing."""
        edited = self.points.copy()
        edited.clear()
        return self._add_to(edited, points, train)

    def _add_to(self, edited: datasets.PointSet, points: Any, train: Any) -> list[str]:
        edited.add(points, n_classes=datasets.label_classes(self.config), max_points=self.max_points, train=train)
        return self._edited(edited)

    def clear_points(self) -> list[str]:
        """Remove every point; switches to "custom" as add_points."""
        edited = self.points.copy()
        edited.clear()
        return self._edited(edited)

    def _edited(self, points: datasets.PointSet) -> list[str]:
        if self.config["dataset"] != "custom":
            # Same class count under "custom", so the network (its outputs) stays as it is.
            self.config = {**self.config, "dataset": "custom", "n_classes": max(2, self.n_classes)}
        self.points = points
        self._prepare_data()
        return []

    # ---- reading --------------------------------------------------------------------------------

    def data(self) -> dict[str, Any]:
        """{"problem", "n_classes", "train": [[x, y, label], …], "test": [...]} as plain floats."""
        pts = self.points
        rows = np.column_stack([pts.xy, pts.label])
        return {"problem": self.config["problem"], "n_classes": self.n_classes,
                "train": rows[pts.train].tolist(), "test": rows[~pts.train].tolist()}

    def gradient_check(self) -> float:
        """engine.gradcheck on the current network, up to GRADCHECK_POINTS training points (all
        points if there are no training points) and up to GRADCHECK_PARAMS parameters; the
        largest relative error."""
        n = self._n_train or self._x.shape[1]
        take = slice(0, min(n, GRADCHECK_POINTS))
        if n == 0:
            return 0.0
        return gradient_check(self.network, self._x[:-1, take].T, self._labels[take], max_params=GRADCHECK_PARAMS)


# ---- helpers ------------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _grid_inputs(grid: int, unit_grid: int, features: tuple[str, ...]) -> np.ndarray:
    """The grids' network inputs, read-only and shared by every trainer (see engine.scratch)."""
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


def _symmetric(*arrays: np.ndarray) -> tuple[float, float]:
    """(-m, m) with m the largest finite |value| (1 if there is none)."""
    m = 0.0
    for a in arrays:
        a = np.abs(a[np.isfinite(a)])
        if a.size:
            m = max(m, float(a.max()))
    m = m or 1.0
    return (-m, m)


def _whole(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ConfigError(name, f"expected a whole number {lo}..{hi}, got {value!r}")
    return int(value)


def _count(name: str, value: Any) -> int:
    return _whole(name, value, 1, 10**9)


