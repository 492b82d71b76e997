"""One worker's event loop under classroom load, in one process: N playing default sessions,
the real scheduler and one real sender per session (server.live.stream.send_loop), with the
socket replaced by a call that reads the frame header. No network and no load generator, so
the figures are about the server's own loop: frames per second and epochs per second per
session (medians), p95 patch→frame latency (a learning-rate patch to one session in ten every
second, timed until a frame carries its version), the process's CPU (cores), and epochs and frames
per CPU second of the process (the figures a loaded machine disturbs least). Optionally under cProfile.

    python bench/loop_bench.py [--sessions 50] [--seconds 6] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import statistics
import struct
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from server.live.hub import Hub  # noqa: E402
from server.live.stream import send_loop  # noqa: E402
from server.settings import Settings  # noqa: E402

WARM_UP = 1.0


class Counter:
    """What one session's socket saw."""

    def __init__(self) -> None:
        self.frames = 0
        self.epochs = 0
        self.counting = False
        self.version = 0
        self.waiting_for: int | None = None
        self.sent_at = 0.0
        self.latencies: list[float] = []

    async def text(self, data: str) -> None:
        return None

    async def frame(self, data: bytes) -> None:
        (n,) = struct.unpack_from("<I", data)
        header = json.loads(data[4:4 + n])
        if self.counting:
            self.frames += 1
            self.epochs += len(header["history"])
        if self.waiting_for is not None and header["version"] >= self.waiting_for:
            self.latencies.append(time.monotonic() - self.sent_at)
            self.waiting_for = None


async def patcher(hub: Hub, sessions: list, counters: list[Counter], seconds: float) -> None:
    """Once a second, one session in ten changes its learning rate (as bench/server_bench.py)."""
    rate = 0.03
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await asyncio.sleep(1.0)
        rate = 0.05 if rate == 0.03 else 0.03
        for session, counter in list(zip(sessions, counters))[::10]:
            if counter.waiting_for is None:
                counter.waiting_for, counter.sent_at = session.version + 1, time.monotonic()
                await session.apply_config({"learning_rate": rate})


async def one_round(n: int, seconds: float) -> dict[str, float]:
    hub = Hub(Settings(max_sessions=10_000))
    hub.start()
    sessions, counters, tasks = [], [], []
    for i in range(n):
        session = hub.open_session(share_key=i)
        counter = Counter()
        tasks.append(asyncio.get_running_loop().create_task(
            send_loop(session, counter.text, counter.frame, hub.scheduler)))
        session.play()
        sessions.append(session)
        counters.append(counter)
    patch_task = asyncio.get_running_loop().create_task(patcher(hub, sessions, counters, WARM_UP + seconds))
    await asyncio.sleep(WARM_UP)
    for counter in counters:
        counter.counting = True
    cpu0, wall0, epochs0 = time.process_time(), time.monotonic(), [s.trainer.epoch for s in sessions]
    frames0 = sum(c.frames for c in counters)
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    epochs = [s.trainer.epoch - e for s, e in zip(sessions, epochs0)]
    health = hub.health()
    for task in [*tasks, patch_task]:
        task.cancel()
    await asyncio.gather(*tasks, patch_task, return_exceptions=True)
    await hub.stop()
    latencies = sorted(x for c in counters for x in c.latencies)
    return {"epochs_per_cpu_s": sum(epochs) / cpu, "frames_per_cpu_s": (sum(c.frames for c in counters) - frames0) / cpu,
            "fps": statistics.median(c.frames / wall for c in counters),
            "epochs": statistics.median(e / wall for e in epochs),
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
            "cores": cpu / wall, **{k: v for k, v in health.items() if isinstance(v, (int, float)) and k != "pid"}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--seconds", type=float, default=6.0)
    p.add_argument("--profile", default=None, help="write a cProfile of the round here")
    args = p.parse_args()
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    result = asyncio.run(one_round(args.sessions, args.seconds))
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    print(f"{args.sessions} sessions, {args.seconds:g} s, load average {os.getloadavg()[0]:.1f}: "
          + ", ".join(f"{k} {v:.4g}" for k, v in result.items()))


if __name__ == "__main__":
    main()
