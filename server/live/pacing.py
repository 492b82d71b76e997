"""One session's pace: how much it trains and when, and when its next frame is due.

The Pacer answers the questions the session and the scheduler ask about time, and nothing
else asks them:

- `seconds_until_owed(now)`: how long until the session should train again (the scheduler
  serves it only then);
- `plan_slice(budget, ...)`: how much one slice trains (whole epochs for a `step`, batches
  while playing) and whether it runs in a thread; `slice_done(plan, cpu_seconds)` reports
  what it cost;
- `next_frame_due(last_sent, playing)`: when the sender should build the next frame.

The pace is kept in time: a paced session earns credit at `epochs_per_second` × batches per
epoch, capped at CREDIT_SECONDS of it, but it is only owed a slice once half a frame
interval's worth has piled up (or just before a frame is due), and then one slice trains all of it (as far as the scheduler's budget
allows; a slice cut short is owed again at once). So a session playing at 60 epochs and 30
frames a second is woken about 60 times a second, not once per mini-batch (1,500), and trains exactly
the same batches in the same order (`trainer.step(n)` is n single steps).
Running estimates of a batch's and a snapshot's CPU time (refined by every slice and frame)
decide what runs in a thread and cap a huge network's share of a core.

While the process is saturated (the frame budget stretches frame intervals), a playing frame
also waits until the session trained about as much CPU time as the frame will cost
(`training_per_frame`; no more than its pace owes in a frame interval). Without it, a lecture
hall's frames each showed one mini-batch: every slice shrank to one batch as the sessions grew in
number, a frame was due as soon as anything had trained, and each client's fair share went to
frames first (its sender wakes the moment the client's CPU debt is paid), so at 300 students
training stopped (docs/benchmarks.md). Progress for a frame is then `progressed`: what the
scheduler serves first and the sender waits for.

A different policy (pacing in time, per-client CPU shares) replaces the inside of this class, not its callers.
The Pacer touches neither the trainer nor the socket; the session holds one and asks it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

from .frame_budget import FRAME_SHARE

T = TypeVar("T")

HEAVY_SECONDS = 0.004  # a single engine call predicted to take longer runs in a thread
# A huge network (16×64 units: ~125 ms a snapshot, ~150 ms a 1000-point batch here) must not
# take a core from the classroom: its frames and its training are capped to these shares.
FRAME_CPU_SHARE = 0.25
TRAIN_CPU_SHARE = 0.5
CREDIT_SECONDS = 0.25  # a paced session that falls behind may catch up this much at most
# a paced session is owed a slice this many times per frame interval: twice, so that progress is
# there when a frame is due even when the event loop wakes late (once, a late wake-up delays the
# frame and every frame after it)
SLICES_PER_FRAME = 2
FRAME_LEAD_SECONDS = 0.003  # a paced slice runs this long before the frame that shows it is due
# while saturated, a frame waits for this much training per second of its own cost: the frame
# budget's split (server.live.frame_budget.FRAME_SHARE of the CPU for frames, the rest for training)
TRAINING_PER_FRAME = (1.0 - FRAME_SHARE) / FRAME_SHARE


@dataclass(frozen=True)
class SlicePlan:
    """One slice of training: `epochs` whole epochs (a `step`) or else `batches` batches."""

    epochs: int
    batches: int
    heavy: bool  # predicted to take longer than HEAVY_SECONDS: run it in a thread
    units: int  # the batches it trains, for the per-batch estimate
    seconds: float = 0.0  # its predicted CPU time (inf while the costs are unknown)


class Pacer:
    """The pace of one session; see the module docstring for who asks what."""

    def __init__(self, clock: Callable[[], float], batches_per_epoch: Callable[[], int],
                 frame_stretch: Callable[[], float] = lambda: 1.0):
        self._clock = clock
        self._batches_per_epoch = batches_per_epoch  # the session's, cached per version
        # the process's frame interval factor (server.live.frame_budget): > 1 while frames
        # would starve training, so playing frames come less often and slices grow alike
        self._frame_stretch = frame_stretch
        self.epochs_per_second = 0.0  # set by configure()
        self.fps = 1
        self._credit = 0.0  # batches owed now
        self._credit_stamp = clock()
        self._cut_short = False  # the last slice left whole batches owed: owed again at once
        self._rest_until = 0.0  # after a heavy slice, no training before this clock time
        self._seconds_per_batch = 1e-4  # running estimates, refined by every slice and frame
        self._seconds_per_snapshot = 1e-3
        self._step_target: int | None = None  # epoch a `step` message trains up to
        self._frame_wanted_at: float | None = None  # a frame is owed now (after a change)
        self._progressed = False  # trained enough since the last frame for the next (training_per_frame)
        self._progressed_at = 0.0  # when it had
        self._trained = 0.0  # CPU seconds trained since the last frame
        self._frame_grid: float | None = None  # when the sender's next frame is due, while playing

    def configure(self, epochs_per_second: float, fps: int) -> None:
        """The session's pace keys (0 epochs per second: as fast as the server allows)."""
        self.epochs_per_second = epochs_per_second
        self.fps = fps

    # ---- what changed ---------------------------------------------------------------------

    def start_playing(self) -> None:
        """Playing starts now: no credit saved up from before, but the first batch is owed
        at once (the client sees training start without waiting a frame interval)."""
        self._credit, self._credit_stamp, self._cut_short = 0.0, self._clock(), True

    def costs_unknown(self) -> None:
        """The network, data or batch size changed: the cost estimates start over. Unknown
        until measured, so pessimistic: a huge network's first call runs in a thread."""
        self._seconds_per_batch = self._seconds_per_snapshot = math.inf

    # ---- `step` ---------------------------------------------------------------------------

    @property
    def stepping(self) -> bool:
        """Whether a `step` is under way."""
        return self._step_target is not None

    def start_step(self, epoch: int, epochs: int) -> None:
        """Train `epochs` more epochs: after `epoch`, or after a step already under way."""
        base = self._step_target if self._step_target is not None else epoch
        self._step_target = base + epochs

    def step_reached(self, epoch: int) -> bool:
        """Whether a step is under way and `epoch` reached its target."""
        return self._step_target is not None and epoch >= self._step_target

    def end_step(self) -> None:
        """No `step` under way any more."""
        self._step_target = None

    # ---- training ---------------------------------------------------------------------------

    def _owed_batches(self, now: float) -> float:
        """Batches the session should train now to keep its pace (inf: as fast as allowed)."""
        if self._step_target is not None or self.epochs_per_second == 0:
            return math.inf
        rate = self.epochs_per_second * self._batches_per_epoch()
        self._credit = min(self._credit + rate * (now - self._credit_stamp), self._credit_cap(rate))
        self._credit_stamp = now
        return self._credit

    def seconds_until_owed(self, now: float) -> float:
        """How long until a slice is owed (and the session is not resting): a frame
        interval's worth of batches, or one batch after a slice that was cut short."""
        rest = max(0.0, self._rest_until - now)
        owed = self._owed_batches(now)
        if math.isinf(owed):
            return rest
        rate = self.epochs_per_second * self._batches_per_epoch()
        per_frame = self._batches_per_frame()
        wanted = 1.0 if self._cut_short else min(max(1.0, per_frame / SLICES_PER_FRAME), self._credit_cap(rate))
        if owed >= wanted:
            return rest
        until = (wanted - owed) / rate
        if self._frame_grid is not None and not self._progressed:
            # the next frame waits for progress: train what is owed just before it is due (on
            # the sender's grid of due times, so one late wake-up does not shift the ones after),
            # so that training and frames keep step
            lead = min(FRAME_LEAD_SECONDS, 0.25 / self.fps)
            until = min(until, max(self._frame_grid - lead - now, (1.0 - owed) / rate))
        return max(rest, until)

    @staticmethod
    def _credit_cap(rate: float) -> float:
        return max(1.0, rate * CREDIT_SECONDS)

    def slice_is_heavy(self) -> bool:
        """Whether the next slice (one batch, or one epoch for `step`) runs in a thread."""
        units = self._batches_per_epoch() if self._step_target is not None else 1
        return self._seconds_per_batch * units > HEAVY_SECONDS

    def plan_slice(self, budget_seconds: float, epoch: int, stop: int | None) -> SlicePlan:
        """About `budget_seconds` of training (at least one batch or, for `step`, one epoch),
        not past `stop` (an epoch where training must pause). Spends the credit it plans."""
        per_epoch_batches = self._batches_per_epoch()
        if self._step_target is not None:
            per_epoch = self._seconds_per_batch * per_epoch_batches
            count = max(1, min(self._step_target - epoch, int(budget_seconds / per_epoch)))
            if stop is not None:
                count = min(count, max(1, stop - epoch))
            epochs, batches, units = count, 0, count * per_epoch_batches
        else:
            if not self._progressed:  # the next frame waits for this much: train it in one slice
                budget_seconds = max(budget_seconds, min(HEAVY_SECONDS, self.training_per_frame() - self._trained))
            owed = self._owed_batches(self._clock())
            count = max(1, int(min(owed, budget_seconds / self._seconds_per_batch)))
            if stop is not None:
                # at most k-1 whole epochs and one batch before the stop, then batch by
                # batch, so the pause comes exactly at that epoch
                count = min(count, max(1, (stop - epoch - 1) * per_epoch_batches + 1))
            epochs, batches, units = 0, count, count
            self._credit -= count
            self._cut_short = self._credit >= 1
        seconds = self._seconds_per_batch * units
        return SlicePlan(epochs, batches, seconds > HEAVY_SECONDS, units, seconds)

    def slice_done(self, plan: SlicePlan, cpu_seconds: float) -> bool:
        """Learn from a slice's cost; a heavy one rests the session so that its training
        keeps to TRAIN_CPU_SHARE of a core. True when the session has just trained enough
        for its next frame (`progressed`: the sender may be waiting for exactly that)."""
        if plan.heavy:
            self._rest_until = self._clock() + cpu_seconds * (1.0 / TRAIN_CPU_SHARE - 1.0)
        self._seconds_per_batch = running_estimate(self._seconds_per_batch, cpu_seconds / plan.units)
        self._trained += cpu_seconds
        if self._progressed or self._trained < self.training_per_frame():
            return False
        self._progressed, self._progressed_at = True, self._clock()
        return True

    def training_per_frame(self) -> float:
        """CPU seconds of training the next playing frame waits for: none while the process
        keeps up; while frame intervals are stretched, about the frame's own cost, but at most
        half of what the pace owes in a (stretched) frame interval, so that a slowly paced
        session's frames do not wait for training it is not owed."""
        stretch = self._frame_stretch()
        if stretch <= 1.0 or not math.isfinite(self._seconds_per_snapshot):
            return 0.0
        wanted = self._seconds_per_snapshot * TRAINING_PER_FRAME
        if self.epochs_per_second and self._step_target is None:
            wanted = min(wanted, 0.5 * self._batches_per_frame() * self._seconds_per_batch)
        return wanted

    def _batches_per_frame(self) -> float:
        """Batches the pace owes in one (stretched) frame interval: what a playing frame shows."""
        return self.epochs_per_second * self._batches_per_epoch() * self.frame_interval

    # ---- frames ---------------------------------------------------------------------------

    @property
    def progressed(self) -> bool:
        """Whether the session trained enough since its last frame for the next one (there is
        something new to show; under saturation, about as much training as the frame costs)."""
        return self._progressed

    def want_frame(self) -> None:
        """A frame is owed now (after a change the client should see at once)."""
        if self._frame_wanted_at is None:
            self._frame_wanted_at = self._clock()

    def frame_taken(self) -> None:
        """A frame is being built (or none will be): nothing is owed until the next change or
        progress."""
        self._frame_wanted_at = None
        self._progressed, self._trained = False, 0.0

    def next_frame_due(self, last_sent: float, playing: bool) -> float | None:
        """When the next frame should go out (clock time), or None if none is owed.

        While playing, a frame is due one interval after the last, but only once there is
        something new to show (training progressed); a frame owed after a change is due now.
        """
        if self._frame_wanted_at is not None:
            return self._frame_wanted_at  # after a change: never stretched
        interval = self.frame_interval
        if math.isfinite(self._seconds_per_snapshot):
            interval = max(interval, self._seconds_per_snapshot / FRAME_CPU_SHARE)
        self._frame_grid = last_sent + interval if playing and math.isfinite(last_sent) else None
        if playing and self._progressed:
            return max(last_sent + interval, self._progressed_at)
        return None

    @property
    def frame_interval(self) -> float:
        """Seconds between two playing frames: 1/fps, stretched while frames would starve
        training (server.live.frame_budget)."""
        return self._frame_stretch() / self.fps

    def snapshot_is_heavy(self) -> bool:
        """Whether the next frame's snapshot runs in a thread."""
        return self._seconds_per_snapshot > HEAVY_SECONDS

    @property
    def snapshot_seconds(self) -> float:
        """The predicted CPU time of the next frame (inf while unknown)."""
        return self._seconds_per_snapshot

    def snapshot_done(self, cpu_seconds: float) -> None:
        """Learn from a frame's cost (it bounds the frame rate of a huge network)."""
        self._seconds_per_snapshot = running_estimate(self._seconds_per_snapshot, cpu_seconds)


def cpu_timed(work: Callable[[], T], clock: Callable[[], float] = time.thread_time) -> tuple[T, float]:
    """(work(), CPU seconds it took on this thread): in a thread, waiting for the GIL or a
    core is not counted, so a busy server does not mistake a light network for a heavy one.

    On the event loop's own thread pass `clock=loop_cpu_clock`: there the work runs alone, so
    its wall time is its CPU time (unless the OS preempts the process), and thread_time is a
    system call (measured 34 µs a call in this sandbox's VM, against 0.3 µs for perf_counter,
    and twice per slice and per frame)."""
    start = clock()
    result = work()
    return result, clock() - start


loop_cpu_clock = time.perf_counter  # how work on the event loop's thread is timed (see cpu_timed)


def running_estimate(old: float, measured: float) -> float:
    """Exponential moving average; an unknown (infinite) estimate takes the measurement.

    One measurement counts at most as twice the old estimate: work on the event loop is timed
    by the wall clock, which the OS preempting a busy machine's process inflates now and then
    (a default frame measured at 10-15 ms instead of 1.5). Taken whole, one such spike made the
    frames after it "heavy", sent to a thread, where each rebuilt its picture buffers (they are
    per thread, engine.scratch) and paid two thread_time calls: at 100 students that was ~5 %
    of a worker's time. A real change of cost resets the estimate (Pacer.costs_unknown), and a
    gradual one is still followed (at up to 1.3x a measurement)."""
    if math.isinf(old):
        return measured
    return 0.7 * old + 0.3 * min(measured, 2.0 * old)
