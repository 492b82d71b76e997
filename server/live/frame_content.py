"""What one frame carries: the snapshot's output every time, the heavier extras (unit grids,
weights, biases) as often as their bandwidth share allows and only when they differ from the
last ones sent, the feature pictures when they changed, the hidden-space view when
subscribed, the loss history trained since the last frame; and the header of
docs/protocol.md. A picture whose quantised bytes did not change is not encoded again
(server.live.picture_cache).

Session (server.live.session) owns one FrameContent and calls `encode` under its lock, in a thread
for heavy networks; this module knows nothing of pacing or sockets.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine import Trainer
from engine.snapshot import Snapshot

from ..wire import frames
from ..wire.numbers import finite
from .batch_losses import BatchLosses
from .hidden_view import HiddenView
from .picture_cache import PictureCache

EXTRAS_BYTES_PER_SECOND = 50_000  # unit grids and weights share this; the output goes every frame


def unit_grid_size(total_units: int) -> int:
    """Resolution of each hidden unit's picture: fine for small networks, coarse for huge ones.

    The unit grids cost snapshot time and bandwidth in proportion to units × size², so a
    16×64 network gets 10×10 pictures (what a 20-pixel thumbnail can show anyway).
    """
    if total_units <= 64:
        return 25
    if total_units <= 256:
        return 16
    return 10


class FrameContent:
    """Which optional arrays the next frame carries, and the encoding of a frame."""

    def __init__(self) -> None:
        self.features_stale = True  # the features pictures must go out with the next frame
        self._history: list[list[Any]] = []  # [epoch, train_loss, test_loss] since the last frame
        self._batch_losses = BatchLosses()  # every mini-batch step's loss since the last frame
        self.built = 0
        self._extras_every = 1
        self._extras_version = -1
        self.pictures = PictureCache()  # unchanged pictures are not encoded again
        self._params_sent = b""  # the weights and biases of the last extras sent

    def record(self, history: list[list[Any]], batch_losses: np.ndarray | None = None) -> None:
        """Epochs just trained (JSON-ready), for the next frame's `history`, and the losses of
        the mini-batch steps just trained, for its `batch_losses`."""
        self._history.extend(history)
        if batch_losses is not None:
            self._batch_losses.record(batch_losses)

    def forget_history(self) -> None:
        """A new run: the epochs and steps trained before it are not shown."""
        self._history.clear()
        self._batch_losses.clear()

    def encode(self, trainer: Trainer, *, version: int, fps: int, early_stopping: Any,
               hidden: HiddenView | None) -> bytes:
        """Snapshot `trainer` and encode one frame (header fields as in docs/protocol.md); the
        history it carries is then taken."""
        total_units = sum(trainer.config["hidden"])
        snap = trainer.snapshot(grid=100, unit_grid=unit_grid_size(total_units))
        arrays = [self.pictures.grid("output", snap.output, *output_range(snap))[0]]
        # after any change the client sees its effect on units and weights at once
        changed = self.features_stale or version != self._extras_version
        with_extras = changed or self.built % self._extras_every == 0
        if self.features_stale:
            arrays.append(self.pictures.grid("features", snap.features)[0])
            self.features_stale = False
        if with_extras:
            extras, units_new = [], False
            if snap.units:
                units, units_new = self.pictures.grid("units", snap.units, *units_range(snap))
                extras.append(units)
            extras += [frames.floats(f"weights.{i}", w) for i, w in enumerate(snap.weights)]
            extras += [frames.floats(f"biases.{i}", b) for i, b in enumerate(snap.biases)]
            params = b"".join(a.data for a in extras[1 if snap.units else 0:])
            size = sum(len(a.data) for a in extras)
            # send units and weights only as often as their share of the bandwidth allows
            self._extras_every = max(1, math.ceil(size * fps / EXTRAS_BYTES_PER_SECOND))
            # ...and not at all when they are what the client already holds (docs/protocol.md)
            if changed or units_new or params != self._params_sent:
                arrays += extras
                self._params_sent = params
            self._extras_version = version
        header = {"type": "frame", "epoch": snap.epoch, "iteration": snap.iteration,
                  "version": version, "history": self._history,
                  "batch_losses": self._batch_losses.take(), "output_kind": snap.output_kind,
                  "problem": snap.problem, "n_classes": snap.n_classes, "metrics": metrics(snap),
                  "diverged": bool(snap.diverged), "early_stopping": early_stopping}
        if hidden is not None:
            header["hidden_space"], hidden_arrays = hidden.encode(trainer)
            arrays += hidden_arrays
        self.built += 1
        frame = frames.encode_frame(header, arrays)
        self._history = []
        return frame


def output_range(snap: Snapshot) -> tuple[float, float]:
    """The output's fixed range for its kind (so colours mean the same always)."""
    kind = snap.output_kind
    if kind == "binary":
        return (-1.0, 1.0)
    if kind == "multiclass":
        return (0.0, 1.0)
    lo, hi = snap.output_range
    return (lo, hi)


def units_range(snap: Snapshot) -> tuple[float, float]:
    """One range over all layers (the protocol has one lo/hi per array)."""
    ranges = [r for r in snap.unit_ranges if r is not None]
    if not ranges:
        return (-1.0, 1.0)
    return (min(float(r[0]) for r in ranges), max(float(r[1]) for r in ranges))


def metrics(snap: Snapshot) -> dict[str, Any]:
    """The frame header's `metrics`: plain JSON numbers, null where undefined or not finite."""
    def num(v: Any) -> float | None:
        return None if v is None else finite(v)

    class_acc = snap.class_accuracy
    return {
        "train_loss": num(snap.train_loss), "test_loss": num(snap.test_loss),
        "train_accuracy": num(snap.train_accuracy), "test_accuracy": num(snap.test_accuracy),
        "class_accuracy": None if class_acc is None else [num(a) for a in class_acc],
        "penalty": num(snap.penalty), "dead_fraction": num(snap.dead_fraction),
        "dead_units": [np.asarray(d, dtype=bool).tolist() for d in snap.dead_units],
        "grad_norms": [num(g) for g in snap.grad_norms],
        "norm_grad_norms": [[num(g) for g in pair] for pair in snap.norm_grad_norms],
        "learning_rate": num(snap.learning_rate),
        "diverged_epoch": snap.diverged_epoch if snap.diverged else None,
    }
