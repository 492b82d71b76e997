"""Fair CPU shares per client: who used how much of this process's CPU, and who must wait.

Every piece of work done for a session — training slices, frames, message handling, on the
event loop or in a thread — is measured in CPU seconds and charged to its client's Account
(a client is a page: address + page id, server.live.clients.ClientKey, so a compare page's two
sessions share one account). The ledger shares the process's CPU (`capacity` cores) by max-min
fairness, like a fair-queueing scheduler: clients that need less than an equal share get all
they need, and the others split what is left equally (`level`). Each account is a leaky
bucket: its debt grows by what it uses and drains at `level` cores; a client in debt waits
(no training, no frames, its next message held back) until the debt is paid. A light session
that needs 2 % of a core never runs into debt, whatever its neighbours run, and a greedy one
fills exactly what the light ones leave. Work that runs in a thread cannot be interrupted, so
its estimated cost is reserved before it starts (`reserve`) and corrected after (`charge`).
"""

from __future__ import annotations

import math
import statistics
import types
from typing import Any, Callable, Coroutine, Hashable, TypeVar

from .background import in_background
from .pacing import cpu_timed, loop_cpu_clock

T = TypeVar("T")

RATE_SECONDS = 1.0  # the usage rate is an average over about this long
CREDIT_SECONDS = 0.1  # an idle client may bank this much of its share, no more
LEVEL_EVERY = 0.05  # the fair level is recomputed at most this often
MIN_SHARE = 0.01  # nobody's share falls below this many cores, however many clients
MIN_CAPACITY = 0.1  # squeezing never assumes less CPU than this
TYPICAL_ROOM = 3.0  # the level stays at least this many times the median client's usage
GREEDY_PART = 0.25  # a client is squeezed as greedy only when it uses this much of all usage


class Account:
    """One client's CPU account; the sessions of that client hold the same one."""

    def __init__(self, ledger: "FairShare", key: Hashable):
        self.ledger = ledger
        self.key = key
        self.rate = 0.0  # cores used, moving average
        self.debt = 0.0  # CPU seconds beyond the share, as of `stamp` (negative: banked credit)
        self.stamp = ledger.clock()
        self.used = 0.0  # CPU seconds charged in all
        self.holders = 0  # sessions holding this account

    def _settle(self, now: float) -> None:
        dt = max(0.0, now - self.stamp)
        if dt:
            share = self.ledger.level(now)
            self.debt = max(-share * CREDIT_SECONDS, self.debt - share * dt)
            self.rate *= math.exp(-dt / RATE_SECONDS)
            self.stamp = now

    def charge(self, seconds: float) -> None:
        """Add CPU seconds used for this client (negative: return part of a reservation)."""
        self._settle(self.ledger.clock())
        self.debt += seconds
        self.rate = max(0.0, self.rate + seconds / RATE_SECONDS)
        self.used += seconds

    def reserve(self, estimate: float) -> float:
        """Charge an estimate before work that cannot be interrupted; returns what was charged
        so the caller can `charge(actual - reserved)` afterwards."""
        reserved = estimate if math.isfinite(estimate) else 0.05
        self.charge(reserved)
        return reserved

    def wait(self) -> float:
        """Seconds until this client may run again (0: not in debt)."""
        now = self.ledger.clock()
        self._settle(now)
        return 0.0 if self.debt <= 0 else self.debt / self.ledger.level(now)


class FairShare:
    """The accounts of one process's clients and the fair level they share by."""

    def __init__(self, clock: Callable[[], float], capacity: float = 1.0):
        self.clock = clock
        self.full_capacity = capacity  # what this process may use on a machine of its own
        self.capacity = capacity  # what it is assumed to get now (less on a busy machine)
        self._accounts: dict[Hashable, Account] = {}
        self._level = capacity
        self._level_at = -math.inf

    def account(self, key: Hashable) -> Account:
        """The account of `key` (made on first use); call `release` when a session closes."""
        account = self._accounts.get(key)
        if account is None:
            account = self._accounts[key] = Account(self, key)
            self._level_at = -math.inf
        account.holders += 1
        return account

    def release(self, account: Account) -> None:
        account.holders -= 1
        if account.holders <= 0 and self._accounts.get(account.key) is account:
            del self._accounts[account.key]
            self._level_at = -math.inf

    def level(self, now: float) -> float:
        """The share (cores) of a client that wants more than the others leave: max-min
        fair over the clients' recent usage, recomputed at most every LEVEL_EVERY."""
        if now - self._level_at >= LEVEL_EVERY:
            self._level_at = now
            rates = self._rates(now)
            # never below what a typical client uses (with room): a squeeze bites the outliers,
            # it cannot spiral the whole class down when the machine itself is short
            typical = TYPICAL_ROOM * statistics.median(rates) if rates else 0.0
            self._level = max(water_level(rates, self.capacity), typical)
        return self._level


    def _rates(self, now: float) -> list[float]:
        """Every client's usage as of now: an idle client's fades even while nothing touches it."""
        return [a.rate * math.exp(-max(0.0, now - a.stamp) / RATE_SECONDS) for a in self._accounts.values()]

    def squeeze(self) -> None:
        """Frames run late: the process gets less CPU than assumed (a busy machine), so assume
        a little less than all its clients use now; the greedy ones lose it, the light keep
        theirs. Only while some client uses far more than the typical one."""
        rates = self._rates(self.clock())
        if len(rates) < 2 or max(rates) <= TYPICAL_ROOM * statistics.median(rates) \
                or max(rates) < GREEDY_PART * sum(rates):
            # nobody stands out: squeezing would only slow everyone down. (In a class of equal
            # clients on an overloaded machine, one client's brief spike used to pass for
            # greed: every late window squeezed to 0.8 of a usage that the waits had lowered,
            # down to MIN_CAPACITY, and clients waited in debt while the CPU idled.) A squeeze
            # made earlier for a client that no longer stands out (or for a skewed start, while
            # the first clients' rates were still ramping up) wears off as if frames were on time.
            self.relax()
            return
        self.capacity = max(MIN_CAPACITY, 0.8 * min(self.capacity, sum(rates)))
        self._level_at = -math.inf

    def relax(self) -> None:
        """Frames are on time: assume a little more CPU again, up to the full capacity."""
        if self.capacity < self.full_capacity:
            self.capacity = min(self.full_capacity, self.capacity * 1.1 + 0.01)
            self._level_at = -math.inf


def water_level(rates: list[float], capacity: float) -> float:
    """Max-min fairness: the level L such that clients using less than L keep what they use
    and the rest get L each. When everyone is below it, the leftover goes to whoever wants it
    (L is the largest use plus what is left), so the CPU is never held back for nobody."""
    remaining, waiting = capacity, len(rates)
    for rate in sorted(rates):
        if rate >= remaining / waiting:
            return max(MIN_SHARE, remaining / waiting)
        remaining -= rate
        waiting -= 1
    return max(MIN_SHARE, (max(rates) if rates else 0.0) + remaining)


async def run_charged(account: Account, work: Callable[[], T], *, in_thread: bool,
                      estimate: float = 0.0) -> tuple[T, float]:
    """(work(), its CPU seconds), charged to `account`. In a thread, `estimate` is reserved
    before it starts, so the client's other sessions wait while it runs."""
    if not in_thread:
        result, elapsed = cpu_timed(work, loop_cpu_clock)
        account.charge(elapsed)
        return result, elapsed
    reserved = account.reserve(estimate)
    result, elapsed = await in_background(cpu_timed, work)
    account.charge(elapsed - reserved)
    return result, elapsed


@types.coroutine
def charged(coro: Coroutine[Any, Any, T], account: Account):  # type: ignore[no-untyped-def]
    """Await `coro`, charging `account` the CPU it uses on the event loop: each step between
    two suspensions is timed, so the time other tasks run while it waits is not counted (work
    it sends to a thread is charged there, see Session.in_thread). Timed with the loop's clock
    (pacing.loop_cpu_clock), as slices and frames are: thread_time is a system call that stalls
    the loop here (34 µs a call), and at 50 students a worker patching once a second each, the
    calls around each step of their messages took 8 % of the worker's loop (py-spy)."""
    value: Any = None
    error: BaseException | None = None
    while True:
        start = loop_cpu_clock()
        try:
            yielded = coro.throw(error) if error is not None else coro.send(value)
        except StopIteration as stop:
            account.charge(loop_cpu_clock() - start)
            return stop.value
        except BaseException:
            account.charge(loop_cpu_clock() - start)
            raise
        account.charge(loop_cpu_clock() - start)
        try:
            value, error = (yield yielded), None
        except BaseException as exc:  # cancellation and the like go into the coroutine
            value, error = None, exc
