"""One connection's training session: the trainer, its run, and what the client is owed.

Nothing here touches the socket. Operations (called by server.handlers) change the
trainer under `lock`, bump `version` and *post* replies (server.wire.replies) into the
outbox or mark a frame as wanted; the connection's sender (server.live.stream) takes the
replies and pulls frames, and the process-wide scheduler (server.live.scheduler) trains the
session in slices. How much and when it trains, and when a frame is due, is the session's
Pacer's business (server.live.pacing). Every access to the trainer holds `lock`, because
heavy networks train and snapshot in a thread. A lesson or a loaded model replaces the
trainer whole (`replace_trainer`): the new one is built beside the live one, then swapped in.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any, Callable, Mapping, TypeVar

import numpy as np

from engine import ConfigError, Trainer

from ..settings import Settings
from ..wire import replies
from . import allocator, slices
from .fairshare import Account, FairShare, run_charged
from .frame_budget import FrameBudget
from .frame_content import FrameContent
from .hidden_view import HiddenView
from .memory_budget import check_patch as check_memory
from .memory_budget import release_if_big
from .outbox import Outbox, SlowClient
from .pacing import Pacer
from .point_edit import PointEdit
from .run_control import RunControl
from .session_config import LessonStart, check_session_patch, default_session_config, split_patch
from .wakeup import Wakeup

T = TypeVar("T")

# Builds the trainer that replaces the live one, from it (without changing it): (new trainer,
# the parts rebuilt, as a `config` reply's `reset` lists them). Raises ConfigError to refuse.
TrainerBuild = Callable[[Trainer], tuple[Trainer, list[str]]]


class Session:
    """The state of one live session; see the module docstring for who calls what."""

    def __init__(self, settings: Settings, on_training_change: Callable[[], None] = lambda: None,
                 on_frame_sent: Callable[[], None] = lambda: None, clock: Callable[[], float] = time.monotonic,
                 lessons: Mapping[str, dict[str, Any]] | None = None, classroom: Any = None, address: str = "",
                 account: Account | None = None, frame_budget: FrameBudget | None = None):
        self.max_points = settings.max_points
        self.closed = False  # the connection ended (close)
        self.max_memory_mb = settings.max_memory_mb
        self.lessons: Mapping[str, dict[str, Any]] = lessons or {}  # id -> lesson (engine.lessons)
        self.lesson_id: str | None = None  # the lesson that built the trainer, if one did
        self.run = RunControl()  # run history, early stopping, a lesson's epoch target
        self.hidden: HiddenView | None = None  # the hidden-space subscription
        self.trainer = Trainer(max_points=settings.max_points)
        self.version = 0
        self.playing = False
        self.lock = asyncio.Lock()
        self.content = FrameContent()  # what the next frame carries besides the output
        self._bpe = (-1, 1)  # (version, batches per epoch)
        self._n_train = 0  # training points, as of the version in _bpe
        self.sender_wakeup = Wakeup()
        self.outbox = Outbox(self.sender_wakeup)  # replies for the sender (server.live.stream)
        self.clock = clock
        # the client's CPU account (server.live.fairshare): everything done for it is charged there
        self.account = account if account is not None else FairShare(clock).account(self)
        self._on_training_change = on_training_change
        self._on_frame_sent = on_frame_sent
        # the process's split between frames and training (the scheduler's), shared by its sessions
        self.frame_budget = frame_budget if frame_budget is not None else FrameBudget(clock)
        self.pacer = Pacer(clock, self.batches_per_epoch, lambda: self.frame_budget.stretch)
        self.pace: dict[str, Any] = {}  # the session keys (server.live.session_config)
        self._set_pace(default_session_config())
        self.classroom, self.address, self.class_seat, self.last_frame = classroom, address, None, None  # classroom

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

    def state_message(self, reason: replies.PauseReason | None = None) -> replies.StateReply:
        """`state`; `reason` says why training paused by itself ("early_stopping", "epochs")."""
        return replies.state(self.state, epoch=self.trainer.epoch, diverged_epoch=self.trainer.diverged_epoch,
                             reason=reason)

    def config_message(self, reset: list[str]) -> replies.ConfigReply:
        return replies.config(self.config, version=self.version, reset=reset)

    def data_message(self) -> replies.DataReply:
        return replies.data(self.trainer.data(), version=self.version)

    def post(self, message: replies.Reply) -> None:
        """Queue a JSON reply for the sender (server.live.outbox); raises SlowClient."""
        self.outbox.post(message)

    def want_frame(self) -> None:
        """Owe the client a frame now (after any change it should see at once)."""
        self.pacer.want_frame()
        self.sender_wakeup.set()

    def next_frame_due(self, last_sent: float) -> float | None:
        """When the next frame should go out (clock time), or None if none is owed; a client
        in CPU debt waits for its frames too."""
        due = self.pacer.next_frame_due(last_sent, self.playing)
        wait = self.account.wait() if due is not None else 0.0
        return max(due, self.clock() + wait) if wait else due

    async def in_thread(self, work: Callable[[], T]) -> T:
        """Run `work` in a thread and charge its CPU time to this session's client."""
        return (await self.charged(work, in_thread=True))[0]

    async def charged(self, work: Callable[[], T], *, in_thread: bool, estimate: float = 0.0) -> tuple[T, float]:
        """run_charged for this session. Work in a thread cannot be cancelled: when the
        connection ended while it ran (its buffers released at close, server.live.hub), what
        it allocated again is released now instead of waiting for the garbage collector."""
        result = await run_charged(self.account, work, in_thread=in_thread, estimate=estimate)
        if self.closed:
            self.trainer.release_memory()
            allocator.trim(force=True)
        return result

    @property
    def progressed(self) -> bool:
        """Whether training progressed since the last frame (the scheduler asks)."""
        return self.pacer.progressed

    # ---- operations (server.handlers) -------------------------------------------------------

    async def apply_config(self, patch: Any) -> None:
        """Validate the whole patch, then apply it live; raises ConfigError changing nothing."""
        engine_patch, session_patch = split_patch(patch)
        new_pace = check_session_patch(self.pace, session_patch)
        async with self.lock:
            was_diverged = self.trainer.diverged
            check_memory(self.trainer, engine_patch, self.max_memory_mb)
            reset = self.trainer.update(engine_patch) if engine_patch else []
            self._set_pace(new_pace)
            self._changed(costs=bool(reset) or "batch_size" in engine_patch)
            if "data" in reset or "network" in reset:
                self.content.forget_history()
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
            self.pacer.start_playing()
            self._on_training_change()
        self.post(self.state_message())
        self.want_frame()

    def pause(self, reason: replies.PauseReason | None = None) -> None:
        """Stop training by itself (a divergence, or `reason`), between slices."""
        self._stop()
        self._on_training_change()
        self._tell_paused(reason)

    async def pause_when_stopped(self) -> None:
        """The client's (or the teacher's) `pause`: training stops at once, and the reply waits
        for a slice already running in a thread, so that the epoch it reports is the one
        training stopped at (the page's → step counts on from it)."""
        self._stop()
        self._on_training_change()
        async with self.lock:
            pass
        self._tell_paused(None)

    def _tell_paused(self, reason: replies.PauseReason | None) -> None:
        self.post(self.state_message(reason))
        self.want_frame()

    def step(self, epochs: int) -> None:
        """Train `epochs` more epochs (in slices, by the scheduler), then send a frame."""
        if self.trainer.diverged:
            self.post(self.state_message())
            return
        self.pacer.start_step(self.trainer.epoch, epochs)
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
            edit = PointEdit(add, remove, clear, train)
            edit.check_room(self.trainer, self.max_points, self.max_memory_mb)
            try:
                if edit.large:
                    trainer = self.trainer
                    await self.in_thread(lambda: edit.apply(trainer))
                else:
                    edit.apply(self.trainer)
            finally:
                if edit.done:
                    self._changed(costs=True)
                    self.post(self.config_message(edit.reset))
                    self.post(self.data_message())
                    self.want_frame()
                    self._on_training_change()

    async def set_parameter(self, setter: str, *args: Any) -> None:
        """`set_weight` or `set_bias` on the trainer, then a frame showing the effect."""
        async with self.lock:
            getattr(self.trainer, setter)(*args)
            self._changed()
        self.want_frame()

    async def subscribe_hidden(self, view: HiddenView) -> None:
        """Show `view` in every frame from the next on; ConfigError if the network has no
        such layer or units."""
        async with self.lock:
            view.check(self.trainer)
            self.hidden = view
        self.want_frame()

    def unsubscribe_hidden(self) -> None:
        """No hidden-space view in frames any more; the client is told."""
        self.hidden = None
        self.post(replies.hidden_space_ended())

    def check_hidden_view(self) -> None:
        """End the hidden-space subscription if its layer or units no longer exist (call with
        the lock held, after the network changed shape), and tell the client."""
        if self.hidden is None:
            return
        try:
            self.hidden.check(self.trainer)
        except ConfigError:
            self.unsubscribe_hidden()

    async def replace_trainer(self, build: TrainerBuild, lesson: LessonStart | None = None) -> None:
        """Swap in the trainer `build` makes from the live one (in a thread, under the lock,
        leaving the live one as it is): if it raises (ConfigError), nothing changed. Then a
        new run, and the client gets config, data and state, then a frame. A `lesson` also
        sets early stopping, play and its run length; else playing or paused stays."""
        async with self.lock:
            live = self.trainer
            new, reset = await self.in_thread(lambda: build(live))
            self.trainer = new
            self.lesson_id = lesson.id if lesson is not None else None
            if lesson is not None:
                self._set_pace({**self.pace, "early_stopping": lesson.early_stopping})
                self.run.set_patience(lesson.early_stopping)
                self.playing = lesson.play
                self.post(replies.lesson(lesson.id, lesson.side))
            self._new_run(reset, data=True)
            self.content.features_stale = True  # the features may have changed without new data
            self.check_hidden_view()
            self.post(self.state_message())
            self.want_frame()
            self._on_training_change()
            if lesson is not None:
                self.run.set_epoch_target(lesson.epochs)  # the lesson's run starts now
                if self.playing:
                    self.pacer.start_playing()

    def close(self) -> None:
        """The connection ended: no more training."""
        self.closed = True
        self._stop()

    def _stop(self) -> None:
        """No more training: not playing, no `step` under way, no lesson run length left."""
        self.playing = False
        self.pacer.end_step()
        self.run.set_epoch_target(None)

    def _set_pace(self, pace: dict[str, Any]) -> None:
        """The session keys, checked; the pacer follows their rates."""
        self.pace = pace
        self.pacer.configure(pace["epochs_per_second"], pace["fps"])

    def _new_run(self, parts: list[str], *, data: bool) -> None:
        """The trainer was rebuilt (lock held): forget the run and tell the client the new
        config, and the data when they are new."""
        self._changed(costs=True)
        self.content.forget_history()
        self.run.restart()
        self.pacer.end_step()
        if data:
            self.content.features_stale = True
        self.post(self.config_message(parts))
        if data:
            self.post(self.data_message())

    def fail(self, message: str) -> None:
        """Stop training after a server-side error and tell the client (nothing is raised)."""
        self._stop()
        self.pacer.frame_taken()
        try:
            self.post(replies.error("internal", message))
            self.post(self.state_message())
        except SlowClient:
            pass

    def _changed(self, costs: bool = False) -> None:
        """Count an accepted change; `costs`: the network, data or batch size changed."""
        self.version += 1
        if costs:
            self.pacer.costs_unknown()

    # ---- training (server.live.scheduler) ------------------------------------------------------

    @property
    def wants_training(self) -> bool:
        """Whether the scheduler should give this session slices. Playing on a plane with no
        training points waits outside the rotation (an edit that adds points calls
        on_training_change); a `step` still gets its slice, which ends it at once."""
        if self.trainer.diverged:
            return False
        return self.pacer.stepping or (self.playing and self.batches_trainable())

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

    def seconds_until_owed(self, now: float) -> float:
        """How long until it should train again (its pacer's answer; longer while in CPU debt)."""
        return max(self.pacer.seconds_until_owed(now), self.account.wait())

    def slice_is_heavy(self) -> bool:
        """Whether the next slice runs in a thread (its pacer's answer)."""
        return self.pacer.slice_is_heavy()

    async def train_slice(self, budget_seconds: float) -> None:
        """Train about `budget_seconds` worth (at least one batch or, for `step`, one epoch)."""
        await slices.train_slice(self, budget_seconds)

    # ---- frames (server.live.stream) -------------------------------------------------------------

    async def build_frame(self) -> bytes:
        """Snapshot the trainer and encode a frame; takes the history gathered since the last."""
        async with self.lock:
            self.pacer.frame_taken()
            if self.playing:
                self._on_frame_sent()
            frame, elapsed = await self.charged(self._encode_frame, in_thread=self.pacer.snapshot_is_heavy(),
                                            estimate=self.pacer.snapshot_seconds)
            self.pacer.snapshot_done(elapsed)
            self.frame_budget.frames_built(elapsed)
            self.last_frame = frame
            if not self.wants_training:
                release_if_big(self.trainer)  # a paused big network: tens of MB nobody needs now
            return frame

    def _encode_frame(self) -> bytes:
        return self.content.encode(self.trainer, version=self.version, fps=self.pace["fps"],
                                   early_stopping=self.run.early_stopping_header(), hidden=self.hidden)

