"""The server's scheduler training N playing default sessions in one process, with stacks and
without (every session on its own path): epochs trained per CPU second of this process. No
frames, no sockets: only the scheduler, the pacers, the fair-share accounts and the engine, so
the figure is about training's cost, and CPU time makes it usable on a shared machine. Every session
is its own client (fair shares) and plays the defaults at 60 epochs a second, after a second of
warm-up.

    python bench/scheduler_stack_bench.py [--sessions 50] [--seconds 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from server.live import scheduler as scheduler_module  # noqa: E402
from server.live import slices  # noqa: E402
from server.live.scheduler import Scheduler  # noqa: E402
from server.live.session import Session  # noqa: E402
from server.settings import Settings  # noqa: E402


async def epochs_per_cpu_second(sessions: int, seconds: float, stacked: bool) -> tuple[float, float, int]:
    """(epochs per CPU second, epochs per session per wall second, stacked slices)."""
    scheduler = Scheduler()
    playing: list[Session] = []
    for i in range(sessions):
        session = Session(Settings(), account=scheduler.cpu.account(i))
        session.play()  # the defaults, 60 epochs a second
        scheduler.update(session)
        playing.append(session)
    original = slices.can_join_stack
    if not stacked:
        scheduler_module.slices.can_join_stack = lambda session: False  # type: ignore[assignment]
    try:
        task = asyncio.get_running_loop().create_task(scheduler.run())
        await asyncio.sleep(1.0)  # warm-up: the pacers learn what a batch costs
        start_cpu, start_wall = time.process_time(), time.monotonic()
        start_epochs, start_stacked = sum(s.trainer.epoch for s in playing), scheduler.stacked_slices
        await asyncio.sleep(seconds)
        epochs = sum(s.trainer.epoch for s in playing) - start_epochs
        cpu, wall = time.process_time() - start_cpu, time.monotonic() - start_wall
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        scheduler_module.slices.can_join_stack = original  # type: ignore[assignment]
    return epochs / cpu, epochs / sessions / wall, scheduler.stacked_slices - start_stacked


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    results: dict[bool, list[tuple[float, float, int]]] = {True: [], False: []}
    for _ in range(args.rounds):  # alternate, so both see the same machine
        for stacked in (False, True):
            results[stacked].append(asyncio.run(epochs_per_cpu_second(args.sessions, args.seconds, stacked)))
    for stacked in (False, True):
        rows = results[stacked]
        print(f"{'stacked' if stacked else 'alone  '}: {statistics.median(r[0] for r in rows):8.1f} epochs per CPU s, "
              f"{statistics.median(r[1] for r in rows):6.1f} epochs/s per session, "
              f"stacked slices {statistics.median(r[2] for r in rows):.0f}  (rounds: "
              + ", ".join(f"{r[0]:.0f}" for r in rows) + ")")
    ratio = statistics.median(r[0] for r in results[True]) / statistics.median(r[0] for r in results[False])
    print(f"stacked ÷ alone, epochs per CPU second: {ratio:.2f}×; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
