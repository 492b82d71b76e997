"""A training session: data, network and optimizer built from one config dict, no I/O.

The server drives it in small slices (`step`), a notebook in whole epochs (`train`); both
run the same loop, whose bookkeeping (`next_batch`, `finish_batch`) engine.stack shares. One
epoch is one pass over the training points in a fresh seeded order, gathered once so every
mini-batch is a contiguous slice (engine.training_data); each batch size has preallocated
buffers, so a step is a fixed list of ufunc calls. Every change is built whole before anything
is replaced (`update`, the point edits), so a refused change leaves the trainer as it was.
Labels: class indices (or real targets); the network's head encodes them.
"""

from __future__ import annotations

import math
import random
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from . import datasets, point_edits
from .arguments import count, whole
from .batch_losses import BatchLossLog
from .config import apply_patch, resets_for, validate_config
from .evaluation import Evaluation, Evaluator
from .float_range import float32_value
from .gradcheck import GRADCHECK_PARAMS, GRADCHECK_POINTS, check_trainer
from .model import Model
from .network import Call, Network
from .optimizers import Optimizer, make_optimizer
from .passes import training_passes
from .regularization import Penalty, make_penalty
from .schedules import current_rate
from .step_plan import step_calls
from .snapshot import Snapshot, Snapshotter
from .training_data import TrainingData

__all__ = ["GRADCHECK_PARAMS", "GRADCHECK_POINTS", "History", "SHUFFLE_STREAM", "Trainer"]

History = list[tuple[int, float, float]]

SHUFFLE_STREAM = 2  # the trainer's own random stream (order, dropout, input noise) per seed


class Trainer:
    """Trains one network on one data set as the config says (see the module docstring).
    Attributes: `config` (full, checked, its seed fixed), `network`, `points` (datasets.PointSet),
    `epoch`, `iteration` (mini-batch steps), `diverged`, `diverged_epoch`, `max_points`."""

    def __init__(self, config: Optional[Mapping[str, Any]] = None, *, max_points: int = 5000):
        self.max_points = int(max_points)
        config = validate_config(config)
        points = datasets.generate(config)
        model = Model.build(config)
        data = TrainingData(points, config["features"], model.network)
        optimizer = make_optimizer(config["optimizer"], model.network.layout.size)
        self.config = config
        self._version = 0
        self._passes_key: Optional[tuple] = None
        self._use_model(model, optimizer)
        self._use_data(points, data)
        self._apply_live()

    @classmethod
    def from_state(cls, config: Mapping[str, Any], *, points: Any = None, train: Any = None,
                   weights: Optional[Sequence[Any]] = None, biases: Optional[Sequence[Any]] = None,
                   epoch: int = 0, iteration: int = 0, max_points: int = 5000) -> "Trainer":
        """A trainer for `config` with given points (and `train` flags), weights, biases and counters;
        the rest as `Trainer(config)` makes it. ConfigError or ValueError names what does not fit."""
        trainer = cls(config, max_points=max_points)
        if points is not None:
            trainer.set_points(points, train)
        if weights is not None:
            trainer.network.weights = weights
        if biases is not None:
            trainer.network.biases = biases
        trainer.epoch, trainer.iteration = int(epoch), int(iteration)
        return trainer

    @property
    def network(self) -> Network:  # the network being trained
        return self._model.network

    @property
    def n_classes(self) -> int:  # classes of the data (1 for regression)
        return datasets.n_classes(self.config)

    @property
    def output_kind(self) -> str:  # "binary", "multiclass" or "regression"
        if self.config["problem"] == "regression":
            return "regression"
        return "binary" if self.n_classes == 2 else "multiclass"

    def _use_model(self, model: Model, optimizer: Optimizer) -> None:
        """Take a new network (built by `Model.build`): epoch 0, fresh optimizer."""
        self._model = model
        self._restart(optimizer)

    def _restart(self, optimizer: Optimizer) -> None:
        """Epoch 0, `optimizer`, a fresh random stream, no divergence (weights untouched)."""
        self.epoch = self.iteration = 0
        self.diverged = False
        self.diverged_epoch: Optional[int] = None
        self._rng = np.random.default_rng([self.config["seed"], SHUFFLE_STREAM])
        self._passes: dict[int, list[Call]] = {}  # dropout and input noise draw from the old stream
        self._plans: dict[int, list[Call]] = {}
        self._loss_terms: Optional[np.ndarray] = None  # bound into `_passes`: dropped with them
        self._batch_losses = BatchLossLog()
        self._optimizer = optimizer
        self._model.grad[:] = 0.0
        self._last_scale = 0.0
        self._cursor = math.inf  # the next step starts a new pass over the data
        self._version += 1

    def _use_data(self, points: datasets.PointSet, data: TrainingData) -> None:
        """Take new points (and their `TrainingData`, built for the current network)."""
        self.points = points
        self._data = data
        self._evaluator = Evaluator(self.network, data)
        self._cursor = math.inf
        self._plans, self._passes, self._loss_terms = {}, {}, None
        self._version += 1

    def _apply_live(self) -> None:
        """Settings read while training: optimizer knobs, penalty, activation slope."""
        cfg, opt = self.config, self._optimizer
        penalty = make_penalty(cfg["regularization"], cfg["reg_rate"], self.network.layout.weight_mask())
        opt.momentum, opt.nesterov, opt.rho, opt.beta2 = cfg["momentum"], cfg["nesterov"], cfg["rho"], cfg["beta2"]
        self._penalty: Optional[Penalty] = penalty
        self.network.leaky_slope = cfg["leaky_slope"]
        # Call lists bake settings in: whole steps (rates, penalty) are relisted after any change, their
        # passes and the evaluation only when what they bake changed (a dragged slider patches often).
        self._plans = {}
        passes_key = (cfg["leaky_slope"], cfg["dropout"], cfg["input_noise"], cfg["batch_size"])
        if passes_key != self._passes_key:
            self._passes_key = passes_key
            self._passes, self._loss_terms = {}, None
            self._evaluator.relist()
            self._model.workspaces.clear()  # a workspace per batch size ever used would pile up
            self._version += 1  # the slope moves the evaluation; a rate, the penalty or momentum do not

    @property
    def training_data(self) -> TrainingData:  # the points as network inputs and targets, training points first
        return self._data

    @property
    def snapshotter(self) -> Snapshotter:  # what takes this trainer's snapshots (one per network)
        return self._model.pictures

    @property
    def penalty(self) -> Optional[Penalty]:  # the weight penalty in use (None without one)
        return self._penalty

    def last_gradient(self) -> tuple[np.ndarray, float]:
        """(the last step's batch-summed data-loss gradient, 1 / batch size); the next step overwrites it."""
        return self._model.grad, self._last_scale

    def keep_batch_losses(self, terms: np.ndarray, first: int, stop: int) -> None:
        """Keep the losses of the mini-batches over columns first..stop-1 of this epoch's order,
        from the loss terms the steps wrote there (this trainer's own, or engine.stack's)."""
        self._batch_losses.keep(terms, first, stop, self.batch_length(), self.network)

    def take_batch_losses(self) -> np.ndarray:
        """Every mini-batch step's loss since the last call, oldest first (engine.batch_losses)."""
        return self._batch_losses.take()

    def train(self, epochs: int = 1) -> History:
        """Train `epochs` more epochs; returns [(epoch, train_loss, test_loss)] per epoch completed."""
        return self._run(epochs=count("epochs", epochs))

    def step(self, batches: int = 1) -> History:
        """Train `batches` mini-batches; returns an entry for every epoch completed on the way."""
        return self._run(batches=count("batches", batches))

    def _run(self, epochs: int = 0, batches: int = 0) -> History:
        history: History = []
        if not self.can_train():
            return history
        plans, size = self._plans, self.batch_length()
        n_train = self._data.n_train
        mark = 0 if self._cursor >= n_train else int(self._cursor)  # loss terms from here on are new
        with np.errstate(all="ignore"):  # overflow is caught as divergence, not as warnings
            done, goal = 0, epochs or batches
            while done < goal:
                start, end = self.next_batch()
                if start == 0:
                    mark = 0  # a new epoch's order
                    if self._plans and self.learning_rate != self._plans_rate:  # a schedule moved it
                        self._plans = plans = {}
                plan = plans.get(start) or self._plan(start, size)
                for function, args in plan:
                    function(*args)
                if end == n_train:
                    self.keep_batch_losses(self._loss_terms, mark, n_train)
                if batches:
                    done += 1
                if self.finish_batch(start, end, history):
                    if self.diverged:
                        break
                    done += not batches
            self.finish_training()
        if self._cursor < n_train:
            self.keep_batch_losses(self._loss_terms, mark, int(self._cursor))
        return history

    def can_train(self) -> bool:  # False when a step would do nothing
        return not self.diverged and self._data.n_train > 0

    def batch_length(self) -> int:  # points in a full mini-batch
        return min(self.config["batch_size"], self._data.n_train)

    def next_batch(self) -> tuple[int, int]:
        """(start, end) of the next mini-batch; a new epoch first draws its order."""
        n_train = self._data.n_train
        if self._cursor >= n_train:
            self._data.shuffle(self._rng)
            self._cursor = 0
        start = self._cursor
        return start, min(start + self.config["batch_size"], n_train)

    def finish_batch(self, start: int, end: int, history: History, count: int = 1) -> bool:
        """Count `count` steps ending with the one on [start, end); at an epoch's end evaluate
        into `history` and return True."""
        self._last_scale = 1.0 / (end - start)
        self.iteration += count
        self._cursor = end
        if end != self._data.n_train:
            return False
        self.epoch += 1
        evaluation = self.evaluate()
        history.append((self.epoch, evaluation.train_loss, evaluation.test_loss))
        return True

    def finish_training(self) -> None:
        """After steps: catch a divergence between epoch ends, keep the trained parameters."""
        if not self.diverged and not math.isfinite(float(self.network.params.sum())):
            # caught between epoch ends: it went wrong in the epoch under way, not the last finished one
            self._diverge(self.epoch + (self._cursor < self._data.n_train))
        np.copyto(self._model.trained, self.network.params)

    optimizer = property(lambda self: self._optimizer, doc="The update rule with its state.")
    random_stream = property(lambda self: self._rng, doc="Epoch orders, dropout masks, input noise.")

    @property
    def learning_rate(self) -> float:
        """The rate of the next step: the configured one as the schedule sets it for this epoch."""
        return current_rate(self.config, self.epoch)

    def epoch_under_way(self) -> Optional[tuple[np.ndarray, int]]:  # (its order, next batch's start), or None
        return (self._data.order, int(self._cursor)) if self._cursor < self._data.n_train else None

    def continue_epoch(self, order: np.ndarray, start: int) -> None:
        """Go on with an epoch under way (engine.resume): its order of the training points, the next batch's start."""
        self._data.arrange(order)
        self._cursor = start
        np.copyto(self._model.trained, self.network.params)  # as training left them: frames show the epoch end's loss

    def _plan(self, start: int, size: int) -> list[Call]:
        """The calls of one step on the batch at `start` of the epoch's order: views of the epoch
        buffers (refilled each epoch), valid until a setting, the data, the network or (with a
        schedule) the rate changes."""
        end = min(start + size, self._data.n_train)
        passes = self._passes.get(start) or self._list_passes(start, end)
        self._plans_rate = self.learning_rate
        calls = step_calls(passes, self._optimizer, self._model.grad, self.network.params, self._plans_rate,
                           1.0 / (end - start), self._penalty, self.config["clip_norm"])
        self._plans[start] = calls
        return calls

    def _list_passes(self, start: int, end: int) -> list[Call]:
        """The forward and backward calls of a step on the batch [start, end) (see `_plan`)."""
        cfg, model = self.config, self._model
        x, t = self._data.x_epoch[start:end].T, self._data.t_epoch[start:end].T
        net = self.network
        if self._loss_terms is None:
            self._loss_terms = net.loss_terms_buffer(self._data.n_train)
        calls = training_passes(net, model.workspace(end - start), x, t, net.blocks, model.grads,
                                cfg["dropout"], cfg["input_noise"], self._rng, self._loss_terms[:, start:end])
        self._passes[start] = calls
        return calls

    def release_memory(self) -> None:
        """Drop the training, evaluation and picture buffers (most of a paused big network's
        memory); they are rebuilt on next use, with the same results."""
        self._model.pictures.release(self, self._evaluator.last)  # works out its numbers first
        self._evaluator.release()
        self._model.workspaces.clear()
        self._passes, self._plans = {}, {}

    def _diverge(self, epoch: Optional[int] = None) -> None:
        self.diverged, self.diverged_epoch = True, self.epoch if epoch is None else epoch

    def evaluate(self, epoch_end_will_do: bool = False) -> Evaluation:
        """Losses of all points from one float32 forward pass (engine.evaluation), cached while
        nothing changes; marks the trainer diverged when they are not finite."""
        cached = self._evaluator.last
        ev = self._evaluator.evaluate(self._version, self.epoch, self._model.trained, epoch_end_will_do)
        if ev is cached or self.diverged:
            return ev
        n, n_train = self._data.n, self._data.n_train
        watched = ev.train_loss if n_train else ev.test_loss if n else 0.0
        if not math.isfinite(watched) or not math.isfinite(float(self.network.params.sum())):
            self._diverge()
        return ev

    def snapshot(self, grid: int = 100, unit_grid: int = 25) -> Snapshot:
        """Everything a frame shows (engine.snapshot.Snapshot): the output over a grid×grid image
        of the plane (row 0 is y = +6, column 0 x = -6), each hidden unit over unit_grid×unit_grid."""
        return self._model.pictures.take(self, grid, unit_grid)

    def update(self, patch: Mapping[str, Any]) -> list[str]:
        """Apply a partial config live; returns the parts rebuilt among "data", "network", "optimizer"
        (engine.config's `resets`). Atomic: everything is built before anything is replaced, so an
        invalid patch (or a part that cannot be built) raises and changes nothing."""
        new, changed = apply_patch(self.config, patch)
        parts = resets_for(changed)
        points = point_edits.for_config(self.points, self.config, new) if "data" in parts else self.points
        model = Model.build(new) if "network" in parts else self._model
        data = self._data
        if points is not self.points or model is not self._model:
            data = TrainingData(points, new["features"], model.network)
        optimizer = self._optimizer
        if "network" in parts or "optimizer" in parts:
            optimizer = make_optimizer(new["optimizer"], model.network.layout.size)
        # everything is built: from here on only assignments
        self.config = new
        if model is not self._model:
            self._use_model(model, optimizer)
        self._optimizer = optimizer
        if data is not self._data:
            self._use_data(points, data)
        self._apply_live()  # (a new model or new data counted as a change already)
        return parts

    def reset(self) -> None:
        """Fresh weights from the config's seed (a run is replayable), same data, epoch 0,
        fresh optimizer; clears divergence."""
        self.network.initialize(self.config["init"], self.config["seed"])
        self._restart(make_optimizer(self.config["optimizer"], self.network.layout.size))
        self._apply_live()

    def regenerate(self, seed: Optional[int] = None) -> int:
        """New data from `seed` (random if None) and fresh weights; returns the seed."""
        if seed is None:
            seed = random.SystemRandom().randrange(0, 1_000_000)
        new, _ = apply_patch(self.config, {"seed": seed})
        points = datasets.generate(new) if new["dataset"] != "custom" else self.points
        model = Model.build(new)
        data = TrainingData(points, new["features"], model.network)
        optimizer = make_optimizer(new["optimizer"], model.network.layout.size)
        self.config = new
        self._use_model(model, optimizer)
        self._use_data(points, data)
        self._apply_live()
        return int(seed)

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        """Set weight (i -> j) of layer `layer` (0 = the inputs' layer); ConfigError names the bad argument."""
        self._set(self.network.weights, layer, (("i", i), ("j", j)), value)

    def set_bias(self, layer: int, j: int, value: float) -> None:
        """Set bias `j` of layer `layer`; ConfigError names the bad argument."""
        self._set(self.network.biases, layer, (("j", j),), value)

    def _set(self, arrays: Sequence[np.ndarray], layer: int, indices: tuple, value: float) -> None:
        layer = whole("layer", layer, 0, len(arrays) - 1)
        at = tuple(whole(name, k, 0, n - 1) for (name, k), n in zip(indices, arrays[layer].shape))
        arrays[layer][at] = float32_value("value", value)
        self._version += 1

    def add_points(self, points: Any, train: Any = None) -> list[str]:
        """Add [[x, y, label], …] (label: class index, or regression target), split as `train` says
        (a bool per point) or at random; switches to "custom", keeping the points and weights."""
        return self._edited(point_edits.added(self.points, points, self.config, self.max_points, train))

    def remove_points(self, positions: Any) -> list[str]:
        """Remove the nearest point within 0.5 of each (x, y); switches to "custom" as add_points."""
        return self._edited(point_edits.removed(self.points, positions))

    def set_points(self, points: Any, train: Any = None) -> list[str]:
        """Replace every point with [[x, y, label], …], with its own train/test flags (`train`:
        one bool per point) or, without them, flags drawn as for added points. Switches to
        "custom" as add_points; ConfigError ("points") names what is wrong and changes nothing."""
        return self._edited(point_edits.replaced(self.points, points, self.config, self.max_points, train))

    def clear_points(self) -> list[str]:  # remove every point; switches to "custom" as add_points
        return self._edited(point_edits.cleared(self.points))

    def _edited(self, points: datasets.PointSet) -> list[str]:
        data = TrainingData(points, self.config["features"], self.network)
        if self.config["dataset"] != "custom":
            # Same class count under "custom", so the network (its outputs) stays as it is.
            self.config = {**self.config, "dataset": "custom", "n_classes": max(2, self.n_classes)}
        self._use_data(points, data)
        return []

    def data(self) -> dict[str, Any]:
        """{"problem", "n_classes", "train": [[x, y, label], …], "test": [...]} as plain floats."""
        pts, rows = self.points, np.column_stack([self.points.xy, self.points.label])
        return {"problem": self.config["problem"], "n_classes": self.n_classes,
                "train": rows[pts.train].tolist(), "test": rows[~pts.train].tolist()}

    def gradient_check(self, plant_bug: bool = False) -> float:
        """engine.gradcheck.check_trainer: the largest relative error of backprop (or, with
        `plant_bug`, of a deliberately wrong one) on this network and its training points."""
        return check_trainer(self.network, self._data, plant_bug)
