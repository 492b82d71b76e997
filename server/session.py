"""One connection's training session: the trainer, its pace, and what the client is owed.

Nothing here touches the socket. Operations (called by server.handlers) change the
trainer under `lock`, bump `version` and *post* replies into `outbox` or mark a frame as
wanted; the connection's sender (server.stream) drains the outbox and pulls frames, and
the process-wide scheduler (server.scheduler) trains the session in slices. Every access
to the trainer holds `lock`, because heavy networks train and snapshot in a thread.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from typing import Any, Callable, Mapping, TypeVar

import numpy as np

from engine import ConfigError, Trainer

from .frame_content import FrameContent
from .hidden_view import HiddenView
from .messages import finite
from .run_control import RunControl
from .session_config import check_session_patch, default_session_config, split_patch
from .settings import Settings
from .wakeup import Wakeup

T = TypeVar("T")

HEAVY_SECONDS = 0.004  # a single engine call predicted to take longer runs in a thread
# A huge network (16×64 units: ~125 ms a snapshot, ~150 ms a 1000-point batch here) must not
# take a core from the classroom: its frames and its training are capped to these shares.
FRAME_CPU_SHARE = 0.25
TRAIN_CPU_SHARE = 0.5
CREDIT_SECONDS = 0.25  # a paced session that falls behind may catch up this much at most
POINTS_INLINE = 200  # point edits larger than this run in a thread
OUTBOX_LIMIT = 256  # replies waiting for a client that does not read; beyond: disconnect
DIVERGED_HINT = "training diverged (a loss or weight became NaN or infinite): lower the learning rate, then reset"


class SlowClient(Exception):
    """The client stopped reading while its replies kept piling up."""


class Session:
    """The state of one live session; see the module docstring for who calls what."""

    def __init__(self, settings: Settings, on_training_change: Callable[[], None] = lambda: None,
                 on_frame_sent: Callable[[], None] = lambda: None, clock: Callable[[], float] = time.monotonic,
                 lessons: Mapping[str, dict[str, Any]] | None = None):
        self.max_points = settings.max_points
        self.lessons: Mapping[str, dict[str, Any]] = lessons or {}  # id -> lesson (engine.lessons)
        self.run = RunControl()  # run history, early stopping, a lesson's epoch target
        self.hidden: HiddenView | None = None  # the hidden-space subscription
        self.trainer = Trainer(max_points=settings.max_points)
        self.pace: dict[str, Any] = default_session_config()
        self.version = 0
        self.playing = False
        self.lock = asyncio.Lock()
        self.outbox: deque[dict[str, Any]] = deque()
        self.history: list[list[float | None]] = []  # epochs trained since the last frame sent
        self.frame_wanted_at: float | None = None  # a frame is owed now (after a change)
        self.progressed = False  # trained since the last frame
        self.progressed_at = 0.0  # when training first progressed after the last frame
        self.content = FrameContent()  # what the next frame carries besides the output
        self.step_target: int | None = None  # epoch a `step` message trains up to
        self._bpe = (-1, 1)  # (version, batches per epoch)
        self._n_train = 0  # training points, as of the version in _bpe
        self.rest_until = 0.0  # after a heavy slice, no training before this clock time
        self.sender_wakeup = Wakeup()
        self.clock = clock
        self._on_training_change = on_training_change
        self._on_frame_sent = on_frame_sent
        # pacing, in batches: credit grows at epochs_per_second × batches per epoch
        self.credit = 0.0
        self.credit_stamp = clock()
        self.seconds_per_batch = 1e-4  # running estimates, refined by every slice and frame
        self.seconds_per_snapshot = 1e-3

    # ---- what the client sees -------------------------------------------------------------

    @property
    def config(self) -> dict[str, Any]:
        """The full flat config: engine keys and session keys."""
        return {**self.trainer.config, **self.pace}

    @property
    def state(self) -> str:
        if self.trainer.diverged:
            return "diverged"
        return "playing" if self.playing else "paused"

    def state_message(self, reason: str | None = None) -> dict[str, Any]:
        """`state`; `reason` says why training paused by itself ("early_stopping", "epochs")."""
        diverged = self.trainer.diverged
        return {"type": "state", "state": self.state, "epoch": self.trainer.epoch,
                "diverged_epoch": self.trainer.diverged_epoch if diverged else None,
                "hint": DIVERGED_HINT if diverged else None, "reason": reason}

    def config_message(self, reset: list[str]) -> dict[str, Any]:
        return {"type": "config", "config": self.config, "version": self.version, "reset": reset}

    def data_message(self) -> dict[str, Any]:
        return {"type": "data", "version": self.version, **self.trainer.data()}

    def post(self, message: dict[str, Any]) -> None:
        """Queue a JSON reply for the sender; a newer `data` replaces an unsent older one."""
        if message["type"] == "data":
            for i, queued in enumerate(self.outbox):
                if queued["type"] == "data":
                    del self.outbox[i]
                    break
        if len(self.outbox) >= OUTBOX_LIMIT:
            raise SlowClient(f"{len(self.outbox)} replies unread")
        self.outbox.append(message)
        self.sender_wakeup.set()

    def want_frame(self) -> None:
        """Owe the client a frame now (after any change it should see at once)."""
        if self.frame_wanted_at is None:
            self.frame_wanted_at = self.clock()
        self.sender_wakeup.set()

    def next_frame_due(self, last_sent: float) -> float | None:
        """When the next frame should go out (clock time), or None if none is owed.

        While playing, a frame is due one interval after the last, but only once there is
        something new to show (training progressed); a frame owed after a change is due now.
        """
        if self.frame_wanted_at is not None:
            return self.frame_wanted_at
        if self.playing and self.progressed:
            interval = 1.0 / self.pace["fps"]
            if math.isfinite(self.seconds_per_snapshot):
                interval = max(interval, self.seconds_per_snapshot / FRAME_CPU_SHARE)
            return max(last_sent + interval, self.progressed_at)
        return None

    # ---- operations (server.handlers) -------------------------------------------------------

    async def apply_config(self, patch: Any) -> None:
        """Validate the whole patch, then apply it live; raises ConfigError changing nothing."""
        engine_patch, session_patch = split_patch(patch)
        new_pace = check_session_patch(self.pace, session_patch)
        async with self.lock:
            was_diverged = self.trainer.diverged
            reset = self.trainer.update(engine_patch) if engine_patch else []
            self.pace = new_pace
            self._changed(costs=bool(reset) or "batch_size" in engine_patch)
            if "data" in reset or "network" in reset:
                self.history.clear()
                self.run.restart()
            self.run.set_patience(new_pace["early_stopping"])
            if reset or "features" in engine_patch:
                self.content.features_stale = True
            self.post(self.config_message(reset))
            if "data" in reset:
                self.post(self.data_message())
            if "network" in reset:
                self.check_hidden_view()
        if was_diverged and not self.trainer.diverged:
            self.post(self.state_message())
        self.want_frame()
        self._on_training_change()

    def play(self) -> None:
        if not self.trainer.diverged:
            self.playing = True
            self.credit, self.credit_stamp = 0.0, self.clock()
            self._on_training_change()
        self.post(self.state_message())
        self.want_frame()

    def pause(self) -> None:
        self._stop()
        self._on_training_change()
        self.post(self.state_message())
        self.want_frame()

    def step(self, epochs: int) -> None:
        """Train `epochs` more epochs (in slices, by the scheduler), then send a frame."""
        if self.trainer.diverged:
            self.post(self.state_message())
            return
        base = self.step_target if self.step_target is not None else self.trainer.epoch
        self.step_target = base + epochs
        self._on_training_change()

    async def reset(self) -> None:
        """New weights from the config's seed, same data."""
        await self._rebuild(self.trainer.reset, ["network", "optimizer"], new_data=False)

    async def regenerate(self) -> None:
        """A new data seed: new data and weights."""
        await self._rebuild(self.trainer.regenerate, ["data", "network", "optimizer"], new_data=True)

    async def _rebuild(self, action, parts: list[str], *, new_data: bool) -> None:
        """Run a trainer rebuild (reset or regenerate) and tell the client what it rebuilt."""
        async with self.lock:
            was_diverged = self.trainer.diverged
            action()
            self._new_run(parts, data=new_data)
        if was_diverged:
            self.playing = False
            self.post(self.state_message())
        self.want_frame()
        self._on_training_change()

    async def edit_points(self, add: list | None, remove: list | None, clear: bool,
                          train: list[bool] | None = None) -> None:
        """Clear, then remove, then add; raises ConfigError (points, label...) if refused."""
        async with self.lock:
            self._check_room(add, remove, clear)
            done: list[str] = []  # the steps that ran, so a refusal midway is still reported
            reset: list[str] = []

            def edit() -> None:
                for name, wanted, call in (("clear", clear, self.trainer.clear_points),
                                           ("remove", remove, lambda: self.trainer.remove_points(remove)),
                                           ("add", add, lambda: self.trainer.add_points(add, train))):
                    if wanted:
                        reset.extend(call() or [])
                        done.append(name)

            try:
                # removing n points searches all m points for each: large edits go to a thread
                if len(add or ()) + len(remove or ()) > POINTS_INLINE:
                    await asyncio.to_thread(edit)
                else:
                    edit()
            finally:
                if done:
                    self._changed(costs=True)
                    self.post(self.config_message([p for p in ("data", "network", "optimizer") if p in reset]))
                    self.post(self.data_message())
                    self.want_frame()
                    self._on_training_change()

    async def set_parameter(self, setter: str, *args: Any) -> None:
        """`set_weight` or `set_bias` on the trainer, then a frame showing the effect."""
        async with self.lock:
            getattr(self.trainer, setter)(*args)
            self._changed()
        self.want_frame()

    def check_hidden_view(self) -> None:
        """End the hidden-space subscription if its layer or units no longer exist (call with
        the lock held, after the network changed shape), and tell the client."""
        if self.hidden is None:
            return
        try:
            self.hidden.check(self.trainer)
        except ConfigError:
            self.hidden = None
            self.post({"type": "hidden_space", "layer": None})

    def restarted(self, reset: list[str], *, data: bool) -> None:
        """After the whole session was replaced (lesson, loaded model; lock held): a new run,
        and the client gets config, data (if `data`) and state, then a fresh frame."""
        self._new_run(reset, data=data)
        self.content.features_stale = True  # the features may have changed without new data
        self.check_hidden_view()
        self.post(self.state_message())
        self.want_frame()
        self._on_training_change()

    def _stop(self) -> None:
        """No more training: not playing, no `step` under way, no lesson run length left."""
        self.playing = False
        self.step_target = None
        self.run.epoch_target = None

    def _new_run(self, parts: list[str], *, data: bool) -> None:
        """The trainer was rebuilt (lock held): forget the run and tell the client the new
        config, and the data when they are new."""
        self._changed(costs=True)
        self.history.clear()
        self.run.restart()
        self.step_target = None
        if data:
            self.content.features_stale = True
        self.post(self.config_message(parts))
        if data:
            self.post(self.data_message())

    def _check_room(self, add: list | None, remove: list | None, clear: bool) -> None:
        # The engine refuses an addition that does not fit, but only after a clear or a
        # removal in the same message ran; check first so that usually nothing changes.
        if not add:
            return
        have = 0 if clear else max(0, len(self.trainer.points) - len(remove or []))
        if have + len(add) > self.max_points:
            raise ConfigError("points", f"too many points: {have} + {len(add)} would exceed the limit "
                                        f"of {self.max_points} points per session", code="too_many_points",
                              allowed=f"0..{self.max_points}")

    def fail(self, message: str) -> None:
        """Stop training after a server-side error and tell the client (nothing is raised)."""
        self._stop()
        self.frame_wanted_at = None
        self.progressed = False
        try:
            self.post({"type": "error", "code": "internal", "field": None, "message": message})
            self.post(self.state_message())
        except SlowClient:
            pass

    def _changed(self, costs: bool = False) -> None:
        """Count an accepted change; `costs`: the network, data or batch size changed."""
        self.version += 1
        if costs:
            # unknown until measured: pessimistic, so a huge network's first call runs in a thread
            self.seconds_per_batch = self.seconds_per_snapshot = math.inf

    # ---- training (server.scheduler) ------------------------------------------------------

    @property
    def wants_training(self) -> bool:
        """Whether the scheduler should give this session slices. Playing on a plane with no
        training points waits outside the rotation (an edit that adds points calls
        on_training_change); a `step` still gets its slice, which ends it at once."""
        if self.trainer.diverged:
            return False
        return self.step_target is not None or (self.playing and self.batches_trainable())

    def batches_trainable(self) -> bool:
        """Whether there are training points (without them the trainer trains nothing)."""
        self.batches_per_epoch()
        return self._n_train > 0

    def batches_per_epoch(self) -> int:
        """Steps in one epoch (cached per version: the scheduler asks on every pick)."""
        if self._bpe[0] != self.version:
            n_train = int(np.count_nonzero(self.trainer.points.train))
            batch = max(1, min(self.trainer.config["batch_size"], n_train or 1))
            self._bpe = (self.version, max(1, math.ceil(n_train / batch)))
            self._n_train = n_train
        return self._bpe[1]

    def owed_batches(self, now: float) -> float:
        """Batches this session should train now to keep its pace (inf: as fast as allowed)."""
        if self.step_target is not None or self.pace["epochs_per_second"] == 0:
            return math.inf
        rate = self.pace["epochs_per_second"] * self.batches_per_epoch()
        self.credit = min(self.credit + rate * (now - self.credit_stamp), max(1.0, rate * CREDIT_SECONDS))
        self.credit_stamp = now
        return self.credit

    def seconds_until_owed(self, now: float) -> float:
        """How long until at least one batch is owed (and the session is not resting)."""
        rest = max(0.0, self.rest_until - now)
        owed = self.owed_batches(now)
        if owed >= 1:
            return rest
        rate = self.pace["epochs_per_second"] * self.batches_per_epoch()
        return max(rest, (1.0 - owed) / rate)

    def slice_is_heavy(self) -> bool:
        """Whether the next slice (one batch, or one epoch for `step`) runs in a thread."""
        units = self.batches_per_epoch() if self.step_target is not None else 1
        return self.seconds_per_batch * units > HEAVY_SECONDS

    async def train_slice(self, budget_seconds: float) -> None:
        """Train about `budget_seconds` worth (at least one batch or, for `step`, one epoch)."""
        async with self.lock:
            if not self.wants_training:
                return
            trainer = self.trainer
            stop = self.run.next_stop(trainer.epoch)  # a lesson's run length or early stopping: not past it
            if self.step_target is not None:
                per_epoch = self.seconds_per_batch * self.batches_per_epoch()
                count = max(1, min(self.step_target - trainer.epoch, int(budget_seconds / per_epoch)))
                if stop is not None:
                    count = min(count, max(1, stop - trainer.epoch))
                work, units = (lambda: trainer.train(epochs=count)), count * self.batches_per_epoch()
            else:
                owed = self.owed_batches(self.clock())
                count = max(1, int(min(owed, budget_seconds / self.seconds_per_batch)))
                if stop is not None:
                    # at most k-1 whole epochs and one batch before the stop, then batch by
                    # batch, so the pause comes exactly at that epoch
                    count = min(count, max(1, (stop - trainer.epoch - 1) * self.batches_per_epoch() + 1))
                work, units = (lambda: trainer.step(batches=count)), count
                self.credit -= count
            if self.seconds_per_batch * units > HEAVY_SECONDS:
                points, elapsed = await asyncio.to_thread(cpu_timed, work)
                self.rest_until = self.clock() + elapsed * (1.0 / TRAIN_CPU_SHARE - 1.0)
            else:
                points, elapsed = cpu_timed(work)
            self.seconds_per_batch = running_estimate(self.seconds_per_batch, elapsed / units)
            new = [[int(e), finite(tr), finite(te)] for e, tr, te in points]
            self.history.extend(new)
            stop_reason = self.run.record(new, trainer.epoch)
            first_progress = not self.progressed
            if first_progress:
                self.progressed, self.progressed_at = True, self.clock()
            finished_step = self.step_target is not None and trainer.epoch >= self.step_target
            if not self.batches_trainable():
                # nothing to train on: an epoch target would never be reached, so drop it
                finished_step = finished_step or self.step_target is not None
                self.run.epoch_target = None
        if trainer.diverged:
            self._stop()
            self.post(self.state_message())
            self.want_frame()
        elif stop_reason is not None:
            self._stop()
            self._on_training_change()
            self.post(self.state_message(stop_reason))
            self.want_frame()
        elif finished_step:
            self.step_target = None
            self.want_frame()
        elif first_progress:  # the sender may be waiting for exactly this; later slices need no wake-up
            self.sender_wakeup.set()

    # ---- frames (server.stream) -------------------------------------------------------------

    async def build_frame(self) -> bytes:
        """Snapshot the trainer and encode a frame; takes the history gathered since the last."""
        async with self.lock:
            self.frame_wanted_at = None
            self.progressed = False
            if self.playing:
                self._on_frame_sent()
            if self.seconds_per_snapshot > HEAVY_SECONDS:
                frame, elapsed = await asyncio.to_thread(cpu_timed, self._encode_frame)
            else:
                frame, elapsed = cpu_timed(self._encode_frame)
            self.seconds_per_snapshot = running_estimate(self.seconds_per_snapshot, elapsed)
            return frame

    def _encode_frame(self) -> bytes:
        frame = self.content.encode(self.trainer, version=self.version, fps=self.pace["fps"], history=self.history,
                                    early_stopping=self.run.early_stopping_header(), hidden=self.hidden)
        self.history = []
        return frame


def cpu_timed(work: Callable[[], T]) -> tuple[T, float]:
    """(work(), CPU seconds it took on this thread): in a thread, waiting for the GIL or a
    core is not counted, so a busy server does not mistake a light network for a heavy one."""
    start = time.thread_time()
    result = work()
    return result, time.thread_time() - start


def running_estimate(old: float, measured: float) -> float:
    """Exponential moving average; an unknown (infinite) estimate takes the measurement."""
    return measured if math.isinf(old) else 0.7 * old + 0.3 * measured
