"""Training slices: one session's (`train_slice`) or a stack's (`train_stack`).

A slice is opened under the session's lock (`open_slice`: its pacer plans how much, not past a
lesson's run length or early stopping), trained, then recorded (`close_slice`: the history for
the next frame, the run's stop rules, the pacer's cost estimate) and settled after the lock is
released (`settle`: pause, end a `step`, wake the sender). Both paths share these three steps,
so pacing, epoch targets, early stopping and divergence work the same way alone and stacked.

A stack slice (engine.stack) trains sessions whose networks have one StackKey together: one
batched product per layer per step for all of them, each session's results bit for bit what
it would get alone. It runs on the event loop; its CPU time is split over the members'
client accounts by the batches each trained (server.live.fairshare).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from engine import Trainer
from engine.stack import StackPool

from ..wire.numbers import finite
from .pacing import HEAVY_SECONDS, SlicePlan

if TYPE_CHECKING:
    from .session import Session

STACK_SECONDS = 0.006  # a stack slice stops taking members once their planned time reaches this


@dataclass
class OpenSlice:
    """A slice planned for one session (its lock held)."""

    session: "Session"
    trainer: Trainer
    plan: SlicePlan


@dataclass
class SliceOutcome:
    """What to do once the lock is released."""

    session: "Session"
    diverged: bool
    stop_reason: Any
    finished_step: bool
    first_progress: bool


def open_slice(session: "Session", budget_seconds: float) -> OpenSlice | None:
    """Plan about `budget_seconds` of training for `session` (lock held); None if it no longer
    wants training."""
    if not session.wants_training:
        return None
    trainer = session.trainer
    stop = session.run.next_stop(trainer.epoch)  # a lesson's run length or early stopping: not past it
    return OpenSlice(session, trainer, session.pacer.plan_slice(budget_seconds, trainer.epoch, stop))


def close_slice(opened: OpenSlice, points: list, elapsed: float) -> SliceOutcome:
    """Record a trained slice (lock still held): history, stop rules, cost estimate."""
    session, trainer, pacer = opened.session, opened.trainer, opened.session.pacer
    new = [[int(e), finite(tr), finite(te)] for e, tr, te in points]
    session.content.record(new, trainer.take_batch_losses())
    stop_reason = session.run.record(new, trainer.epoch)
    first_progress = pacer.slice_done(opened.plan, elapsed)
    finished_step = pacer.step_reached(trainer.epoch)
    if not session.batches_trainable():
        # nothing to train on: an epoch target would never be reached, so drop it
        finished_step = finished_step or pacer.stepping
        session.run.set_epoch_target(None)
    return SliceOutcome(session, trainer.diverged, stop_reason, finished_step, first_progress)


def settle(outcome: SliceOutcome) -> None:
    """After the lock: pause on divergence or a stop rule, end a finished `step`, or wake the
    sender for the first progress since its last frame."""
    session = outcome.session
    if outcome.diverged:
        session.pause()
    elif outcome.stop_reason is not None:
        session.pause(outcome.stop_reason)
    elif outcome.finished_step:
        session.pacer.end_step()
        session.want_frame()
    elif outcome.first_progress:  # the sender may be waiting for exactly this; later slices need no wake-up
        session.sender_wakeup.set()


async def train_slice(session: "Session", budget_seconds: float) -> None:
    """Train one session about `budget_seconds` worth (at least one batch or, for `step`,
    one epoch), in a thread when its pacer says the slice is heavy."""
    async with session.lock:
        opened = open_slice(session, budget_seconds)
        if opened is None:
            return
        trainer, plan = opened.trainer, opened.plan
        if plan.epochs:
            work = lambda: trainer.train(epochs=plan.epochs)  # noqa: E731
        else:
            work = lambda: trainer.step(batches=plan.batches)  # noqa: E731
        points, elapsed = await session.charged(work, in_thread=plan.heavy, estimate=plan.seconds)
        outcome = close_slice(opened, points, elapsed)
    settle(outcome)


def can_join_stack(session: "Session") -> bool:
    """Whether `session` may train in a stack slice now: playing (a `step` trains whole epochs
    on its own path), a light slice, and its lock free (it is not training or building a frame)."""
    return (session.wants_training and not session.pacer.stepping and not session.lock.locked()
            and not session.slice_is_heavy())


async def train_stack(sessions: Iterable["Session"], budget_seconds: float, pool: StackPool) -> int:
    """Train `sessions` (one StackKey, each `can_join_stack`) as one stack slice, each as much as
    its pacer plans for `budget_seconds`; members are taken in order until their planned time
    reaches STACK_SECONDS, and the rest of `sessions` is not read (it may be a lazy search).
    The locks are free, so taking them does not wait: the whole slice runs on the event loop
    without a pause. Returns how many sessions trained.

    Each member plans at most HEAVY_SECONDS: a plan above it is one the lone path would run in a
    thread, which a stack cannot, and planning spends the session's credit. (With few sessions
    the fair budget is 6 ms: every member's plan came out heavy and was dropped after its
    credit was spent, so such a slice trained nobody, and the scheduler picked it again at once.)"""
    budget_seconds = min(budget_seconds, HEAVY_SECONDS)
    opened: list[OpenSlice] = []
    outcomes: list[SliceOutcome] = []
    planned = 0.0
    try:
        for session in sessions:
            if planned >= STACK_SECONDS:
                break
            if not can_join_stack(session):
                continue
            await session.lock.acquire()
            one = open_slice(session, budget_seconds)
            if one is None or one.plan.epochs or one.plan.heavy:  # (can_join_stack excludes these)
                session.lock.release()
                continue
            opened.append(one)
            planned += one.plan.seconds
        if not opened:
            return 0
        start = time.perf_counter()  # on the loop's thread: wall time is CPU time (pacing.cpu_timed)
        histories = pool.step({one.trainer: one.plan.batches for one in opened})
        elapsed = time.perf_counter() - start
        total = sum(one.plan.batches for one in opened)
        for one in opened:
            share = elapsed * one.plan.batches / total  # each client pays for the batches it got
            one.session.account.charge(share)
            outcomes.append(close_slice(one, histories[one.trainer], share))
    finally:
        for one in opened:
            one.session.lock.release()
    for outcome in outcomes:
        settle(outcome)
    return len(opened)
