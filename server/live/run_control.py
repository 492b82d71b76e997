"""What a session remembers about the current run: its loss history and when to stop it.

- The run's history (every `[epoch, train_loss, test_loss]` since the last reset or rebuild,
  the most recent RUN_HISTORY_LIMIT kept) is what the loss-history CSV download writes.
- Early stopping (session key `early_stopping`, patience in epochs, 0 = off) feeds each
  trained epoch's test loss to an engine.insight.EarlyStopping and asks for a pause once.
- An epoch target (a lesson's `epochs`) asks for a pause when the run reaches it.

Nothing here touches the trainer or the socket; the session feeds it and acts on the answer.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from typing import Any, Iterable

from engine.insight import EarlyStopping

from ..wire.numbers import finite

RUN_HISTORY_LIMIT = 100_000


class RunControl:
    """Run history, early-stopping tracker and epoch target of one session."""

    def __init__(self) -> None:
        self.history: deque[list[Any]] = deque(maxlen=RUN_HISTORY_LIMIT)
        self.tracker: EarlyStopping | None = None
        self._epoch_target: int | None = None
        # The best epoch a pause was already asked for: pressing play after an early stop
        # trains on, and only a new best that then stalls for `patience` pauses again.
        self._paused_at_best: int | None | bool = False

    def restart(self) -> None:
        """A new run (reset, rebuild, lesson, loaded model): forget its history and best epoch."""
        self.history.clear()
        if self.tracker is not None:
            self.tracker.reset()
        self._paused_at_best = False

    def set_epoch_target(self, epoch: int | None) -> None:
        """Pause when the run reaches `epoch` (a lesson's `epochs`); None: no such pause."""
        self._epoch_target = epoch

    def set_patience(self, patience: int) -> None:
        """Turn early stopping on (patience > 0, judged over the run so far) or off (0)."""
        if patience <= 0:
            self.tracker = None
            return
        if self.tracker is not None:
            if patience != self.tracker.patience:
                self.tracker.patience = patience
                self._paused_at_best = False  # judged afresh under the new patience
            return
        self.tracker = EarlyStopping(patience)
        self._paused_at_best = False
        for epoch, _train, test in self.history:
            if test is not None:
                self.tracker.observe(epoch, test)

    def record(self, points: Iterable[list[Any]], epoch: int) -> str | None:
        """Take a slice's history points (already JSON-ready); return why training should
        pause now ("early_stopping" or "epochs") or None. The epoch target is used up."""
        reason = None
        for point in points:
            self.history.append(point)
            # no test points, no judgement: a missing test loss never counts
            if self.tracker is not None and point[2] is not None:
                self.tracker.observe(point[0], point[2])
        if self.tracker is not None and self.tracker.should_stop and self._paused_at_best != self.tracker.best_epoch:
            self._paused_at_best = self.tracker.best_epoch
            reason = "early_stopping"
        if self._epoch_target is not None and epoch >= self._epoch_target:
            self._epoch_target = None
            reason = reason or "epochs"
        return reason

    def next_stop(self, epoch: int) -> int | None:
        """The earliest epoch after `epoch` at which training may have to pause (a lesson's
        target, or where the current best test loss becomes `patience` old), so the trainer
        can train up to it and not past it; None when nothing would pause it."""
        stops = [] if self._epoch_target is None else [self._epoch_target]
        tracker = self.tracker
        if tracker is not None and tracker.best_epoch is not None and self._paused_at_best != tracker.best_epoch:
            # an overdue stop (patience lowered, or no test points to judge) is not waited for
            # batch by batch: the next epoch with a test loss pauses anyway
            if tracker.best_epoch + tracker.patience > epoch:
                stops.append(tracker.best_epoch + tracker.patience)
        return min(stops) if stops else None

    def early_stopping_header(self) -> dict[str, Any] | None:
        """The frame header's `early_stopping` (null while off)."""
        if self.tracker is None:
            return None
        state = self.tracker.state()
        state["best_loss"] = None if state["best_loss"] is None else finite(state["best_loss"])
        return state

    def history_csv(self) -> str:
        """`epoch,train_loss,test_loss` of the run; a loss that is not finite is an empty cell."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["epoch", "train_loss", "test_loss"])
        for epoch, train, test in self.history:
            writer.writerow([epoch, "" if train is None else repr(train), "" if test is None else repr(test)])
        return out.getvalue()
