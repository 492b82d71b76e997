"""One training scheduler per process: it trains every playing session in small slices.

Frames come first. The scheduler runs one slice (at most 6 ms of one session's training,
less when many sessions play), then yields to the event loop, so messages and due frames
always run between two slices. A paced session asks for a slice about once per frame
interval and trains all it owes in it (server.live.pacing), so a slice is what one frame
shows. A session whose client is in CPU debt (server.live.fairshare) is not owed a slice
until the debt is paid, which is how the CPU is shared fairly between clients. A frame is only built when there is progress to show, so
sessions with nothing new since their last frame are served first; then the others take
turns (round robin). A paced session is only served while it is behind its
`epochs_per_second`; "as fast as possible" is always behind. When frames start running
late (senders report how late they build a frame, and a session's progress slice that
starts after its next frame was due counts too), training backs off: the scheduler sleeps
after each extra slice for a multiple of its duration, and every slice, the progress
slices included, shrinks by the same factor (down to one batch), doubling while frames
stay late and halving once they are on time again. So with more clients than the CPU can
train for, the frame rate holds and training gets what is left — but never less than half of
the loop: when frames alone would take more, the process's FrameBudget (server.live.frame_budget)
stretches the playing frame intervals instead, and the back-off is capped meanwhile. A paused session is not
in the rotation at all and costs nothing.

Sessions whose networks have one StackKey (engine.stack: a lecture hall on one lesson, or the
defaults) train together: when a session's turn comes, the others of its key that are owed a
slice too join it in one stack slice (server.live.slices.train_stack), bit for bit what each
would train alone. Membership is decided afresh at every slice, from each session's current
key: a config change that changes the network's shape moves the session to another stack, a
rate change does not. A session with no companions owed takes the ordinary path.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Callable, Iterator

from engine.stack import StackPool

from . import slices
from .fairshare import FairShare
from .frame_budget import FrameBudget
from .stack_groups import StackGroups
from .wakeup import Wakeup

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger("nn_playground.scheduler")

SLICE_SECONDS = 0.006  # the longest slice; shorter when many sessions share the loop
MIN_SLICE_SECONDS = 0.0002
ROUND_SECONDS = 1 / 30  # every active session should get a slice this often (a frame at 30 fps)
LATE_SECONDS = 0.010  # a frame this late means the CPU is short
WINDOW_SECONDS = 0.1  # lateness is judged over windows this long
MAX_BACKOFF = 8.0  # at most: 1 part extra training, 8 parts left to frames
# ...but while the frame budget stretches frame intervals (server.live.frame_budget) frames are
# already limited to their share: then training keeps at least half of the loop
BUDGET_BACKOFF = 1.0
# after this many slices in a row for sessions waiting for progress, the rotation gets a turn:
# under overload that queue never empties, and a session that had left it (it was in CPU debt
# when its turn came, say) would otherwise never train again (measured: 2-16 of 100 clients got
# no slice for a whole benchmark round)
ROTATION_EVERY = 4


class Scheduler:
    """Serve the sessions that want training; `run()` is the process's training task."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, cpu: FairShare | None = None):
        self.clock = clock
        self.cpu = cpu if cpu is not None else FairShare(clock)  # the clients' CPU accounts
        self._queue: deque[Session] = deque()  # the rotation of sessions that want training
        self._members: set[Session] = set()  # the same, for O(1) membership
        # frame sent, waiting for progress: the line of (ticket, session), and per session its
        # ticket and when its next frame needs the progress (an entry whose ticket is not the
        # session's current one is stale: the rotation served it meanwhile)
        self._starving: deque[tuple[int, Session]] = deque()
        self._waiting: dict[Session, tuple[int, float]] = {}
        self._tickets = itertools.count()
        self._starving_streak = 0  # slices in a row for starving sessions (see ROTATION_EVERY)
        self._wakeup = Wakeup()
        self.backoff = 0.0
        self._late_max = 0.0
        self._window_start = clock()
        self.slices = 0
        self.jobs: set[asyncio.Task[None]] = set()  # heavy slices running in threads
        self._busy: set[Session] = set()
        self.stacks = StackPool()  # the stacks' buffers, kept between slices
        self.groups = StackGroups()  # the rotation's sessions by StackKey
        self.stacked_slices = 0  # slices that trained two or more sessions
        self.stacked_sessions = 0  # the sessions those slices trained, in all (÷ stacked_slices: a stack's size)
        self.frames = FrameBudget(clock)  # how much of the CPU frames may take (shared by the sessions)
        self._idle = 0.0  # seconds with nothing owed since the frame budget's last window

    def update(self, session: "Session") -> None:
        """Put a session in or out of the rotation after its training state changed."""
        if session.wants_training:
            if session not in self._members:
                self._queue.append(session)
                self._members.add(session)
                if not session.progressed:  # its next frame waits for its first slice
                    self.needs_progress(session)
            self._wakeup.set()
        else:
            self.remove(session)

    def remove(self, session: "Session") -> None:
        if session in self._members:
            self._members.discard(session)
            self._queue.remove(session)
        self._waiting.pop(session, None)
        self.groups.discard(session)

    @property
    def active(self) -> int:
        """Sessions in the rotation (playing or stepping)."""
        return len(self._queue)

    @property
    def slice_seconds(self) -> float:
        """Short enough that a full round over the active sessions fits in ROUND_SECONDS, so
        every session shows progress in every frame even when many play at once; shorter
        still while frames run late. Every frame waits for one slice of progress, so under
        load that slice is part of a frame's cost: backing it off down to one batch is what
        lets the frame rate hold (a session trains at least one batch per slice)."""
        round_seconds = ROUND_SECONDS * self.frames.stretch  # a round per (stretched) frame interval
        fair = max(MIN_SLICE_SECONDS, min(SLICE_SECONDS, round_seconds / max(1, len(self._queue))))
        return fair / (1.0 + self.backoff)

    def report_lateness(self, seconds: float) -> None:
        """A sender tells how late (after its due time) it got to build a frame."""
        if seconds > self._late_max:
            self._late_max = seconds

    def needs_progress(self, session: "Session") -> None:
        """A frame of `session` just went out: it is first in line for its next slice.

        Its next frame waits for that slice, so a slice that starts after the next frame
        was due (and after its pace owed it a batch) counts as a late frame: under load this
        wait, not the frame's own delay, is where the frame rate is lost."""
        if session in self._members and session not in self._waiting:
            now = self.clock()
            interval = self.frames.stretch / session.pace["fps"]
            ticket = next(self._tickets)
            self._starving.append((ticket, session))
            self._waiting[session] = (ticket, now + max(interval, session.seconds_until_owed(now)))

    def _pick(self, now: float) -> tuple["Session | None", float | None, bool]:
        """(session, None, extra) for the next slice, or (None, seconds until one is owed, False).

        Sessions with nothing new since their last frame come first (their next frame waits
        for it); otherwise sessions take turns, and one that already has something new to
        show gets `extra` training, which is what backs off when frames run late. O(1) in
        the usual case, where the head of the rotation is owed a slice. The rotation gets a turn
        at least every ROTATION_EVERY slices, so no session waits behind the starving ones for ever.
        """
        if self._starving and self._starving_streak >= ROTATION_EVERY:
            self._starving_streak = 0
            session, wait, extra = self._take_turn(now)
            if session is not None:
                return session, None, extra
        while self._starving:
            ticket, session = self._starving.popleft()
            if self._waiting.get(session, (None,))[0] != ticket:
                continue  # stale: the rotation served it since it joined the line
            _, due = self._waiting.pop(session)
            if (session in self._members and session not in self._busy and not session.progressed
                    and session.wants_training and session.seconds_until_owed(now) <= 0):
                self.report_lateness(now - due)
                self._starving_streak += 1
                return session, None, False
        self._starving_streak = 0
        return self._take_turn(now)

    def _take_turn(self, now: float) -> tuple["Session | None", float | None, bool]:
        """The rotation's next session that is owed a slice (and whether that is `extra`), or
        (None, seconds until one is owed, False)."""
        soonest: float | None = None
        for _ in range(len(self._queue)):
            session = self._queue[0]
            self._queue.rotate(-1)
            if not session.wants_training:
                self.remove(session)
                continue
            if session in self._busy:
                continue
            wait = session.seconds_until_owed(now)
            if wait <= 0:
                self._waiting.pop(session, None)  # its place in the starving line is stale now
                return session, None, session.progressed
            soonest = wait if soonest is None else min(soonest, wait)
        return None, soonest, False

    def _adjust(self, now: float) -> None:
        if self.frames.adjust(now, self._idle):
            self._idle = 0.0
        if now - self._window_start < WINDOW_SECONDS:
            return
        if self._late_max > LATE_SECONDS:
            ceiling = BUDGET_BACKOFF if self.frames.stretch > 1.0 else MAX_BACKOFF
            self.backoff = min(ceiling, max(0.5, self.backoff * 2))
            self.cpu.squeeze()  # the clients over their share lose CPU first
        else:
            self.cpu.relax()
            if self.backoff:
                self.backoff = self.backoff / 2 if self.backoff > 0.25 else 0.0
        self._late_max = 0.0
        self._window_start = now

    async def _slice(self, session: "Session") -> None:
        try:
            await session.train_slice(self.slice_seconds)
        except asyncio.CancelledError:
            raise
        except Exception:  # an engine bug must not stop everyone's training
            log.exception("training slice failed; pausing that session")
            session.fail("training stopped by a server error (see the server log)")
            self.remove(session)
        finally:
            if session in self._busy:
                self._busy.discard(session)
                self._wakeup.set()

    async def _slice_with_stack(self, session: "Session", now: float) -> None:
        """`session`'s slice, stacked with the sessions of its StackKey that are owed one now;
        the ordinary slice when there are none (or the session cannot join a stack)."""
        members: list["Session"] = []  # the companions looked at so far (train_stack stops early)
        companions = self._companions(session, now, members) if slices.can_join_stack(session) else iter(())
        first = next(companions, None)
        if first is None:
            await self._slice(session)
            return
        members[:0] = [session]
        try:
            trained = await slices.train_stack(itertools.chain([session, first], companions), self.slice_seconds,
                                               self.stacks)
        except asyncio.CancelledError:
            raise
        except Exception:  # an engine bug must not stop everyone's training
            log.exception("stacked training slice failed; pausing those sessions")
            for member in members:
                member.fail("training stopped by a server error (see the server log)")
                self.remove(member)
        else:
            if trained >= 2:  # (one member trained as it would alone)
                self.stacked_slices += 1
                self.stacked_sessions += trained
        finally:
            for member in members:
                self.groups.to_back(member)

    def _companions(self, session: "Session", now: float, seen: list["Session"]) -> Iterator["Session"]:
        """The other sessions of `session`'s StackKey that are owed a slice now and free, one at
        a time, each also appended to `seen`. Lazily: a stack slice is full after a few members
        (slices.STACK_SECONDS), and asking all 150 sessions of a lecture hall's key whether they
        are owed, for every stack slice, cost more than stacking saved. (A session is filed
        under its key when its own turn comes, or when a peer finds it moved.)"""
        for other in self.groups.iter_peers(session):
            if (other in self._members and other not in self._busy and slices.can_join_stack(other)
                    and other.seconds_until_owed(now) <= 0):
                seen.append(other)
                yield other

    async def run(self) -> None:
        """Train forever; cancel the task to stop."""
        loop = asyncio.get_running_loop()
        while True:
            now = self.clock()
            self._adjust(now)
            session, wait, extra = self._pick(now)
            if session is None:
                await self._wakeup.wait(None if wait is None else loop.time() + wait)
                self._idle += self.clock() - now  # training kept up: frames may take more
                continue
            self.slices += 1
            if session.slice_is_heavy():
                # runs in a thread: the others keep training meanwhile
                self._busy.add(session)
                job = loop.create_task(self._slice(session))
                self.jobs.add(job)
                job.add_done_callback(self.jobs.discard)
                await asyncio.sleep(0)
                continue
            start = time.perf_counter()
            await self._slice_with_stack(session, now)
            spent = time.perf_counter() - start
            self.frames.training_done(spent)
            await asyncio.sleep(spent * self.backoff if extra and self.backoff else 0)
