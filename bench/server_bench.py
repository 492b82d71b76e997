"""Classroom load on a real server: N clients play at once (a scenario: same, mixed, lecture, greedy).

Starts its own `python -m server` (2 workers by default) on a free loopback port, then for
each N runs N concurrent WebSocket clients for a fixed time. Each client presses play,
counts frames and bytes, and once a second patches the learning rate and times how long
until the first frame carrying the new config version arrives. Prints per-client median
frames per second, p95 patch→frame latency, bytes per second per client, epochs trained per second per client
(so frames are not counted without progress), and CPU used by the server processes (from /proc) and by this load generator;
then the server's CPU per client-second (ms), the engine's own CPU for the same batches and snapshots
(measured in this process after the round: bench/server_scenarios.py) and the ratio of the two.
Every client is a page of its own (`?page=`), so the server shares its CPU fairly between them.

The clients are deliberately cheap (they read the 4-byte length and the JSON header, and
never inflate arrays) so that on a 2-core machine the generator leaves the CPU to the server.

    python bench/server_bench.py                 # 10, 50 and 100 clients, 10 s each (Python >= 3.11)
    python bench/server_bench.py --clients 100 --seconds 20 --workers 2
    python bench/server_bench.py --scenario greedy --clients 10
    taskset -c 0 python bench/server_bench.py --workers 1 --clients 1   # the per-client CPU ratio
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from websockets.asyncio.client import connect

from server_scenarios import SCENARIOS, Plan, engine_seconds, is_text_of, plans, reply_version

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers), "--max-sessions", "1000",
                             "--log-level", "error"], cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (uvicorn workers are children of the supervisor)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError):
                pass
    tree, frontier = [pid], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError):
            pass
    return total / TICKS


class ClientStats:
    def __init__(self) -> None:
        self.frames = 0
        self.bytes = 0
        self.latencies: list[float] = []
        self.epochs = 0  # history points received: training progress, not just frames


async def run_client(url: str, seconds: float, plan: Plan, start_at: float) -> None:
    """One connection: set up as `plan` says, play, count frames and epochs, patch the
    learning rate once a second and time how long until a frame shows the patch."""
    stats = plan.stats
    loop = asyncio.get_running_loop()
    async with connect(f"{url}?page={plan.page}", max_size=None, compression=None) as ws:
        version = None
        while version is None:  # hello
            message = await ws.recv()
            if isinstance(message, str) and is_text_of(message, "hello"):
                version = json.loads(message)["version"]
        if plan.setup is not None:
            await ws.send(json.dumps(plan.setup))
            while True:  # its config reply says the version from which patches count
                message = await ws.recv()
                if isinstance(message, str) and is_text_of(message, "config"):
                    version = reply_version(message)
                    break
        await ws.send('{"type": "play"}')
        await asyncio.sleep(max(0.0, start_at - loop.time()))
        t0 = loop.time()
        next_patch, waiting_for, patch_sent, rate = t0 + 0.5, None, 0.0, 0.03
        counting_from = t0 + 1.0  # let the play settle before counting
        try:
            # one deadline for the whole round: a wait_for per message would cost the load
            # generator a task each, CPU this 2-core machine's server needs
            async with asyncio.timeout_at(t0 + seconds):
                while True:
                    now = loop.time()
                    if waiting_for is None and now >= next_patch:
                        rate = 0.05 if rate == 0.03 else 0.03
                        await ws.send(json.dumps({"type": "config", "patch": {"learning_rate": rate}}))
                        waiting_for, patch_sent = version + 1, loop.time()
                    data = await ws.recv()
                    received = loop.time()
                    counted = received >= counting_from
                    if counted:
                        stats.bytes += len(data)
                    if isinstance(data, str):
                        if is_text_of(data, "config"):
                            version = reply_version(data)
                        elif plan.kind == "lesson" and is_text_of(data, "state") and '"reason":"epochs"' in data:
                            await ws.send(json.dumps(plan.setup))  # the run ended: start it again
                        continue
                    (n,) = struct.unpack_from("<I", data)
                    header = json.loads(data[4:4 + n])
                    if counted:
                        stats.frames += 1
                        stats.epochs += len(header["history"])
                    if waiting_for is not None and header["version"] >= waiting_for:
                        stats.latencies.append(received - patch_sent)
                        waiting_for, next_patch = None, received + 1.0
        except TimeoutError:
            pass


async def run_round(port: int, workers: int, plans_: list[Plan], seconds: float
                    ) -> tuple[dict[int, dict], dict[int, dict]]:
    url = f"ws://127.0.0.1:{port}/ws"
    loop = asyncio.get_running_loop()
    start_at = loop.time() + 2.0 + len(plans_) * 0.01
    tasks = []
    for plan in plans_:
        plan.stats = ClientStats()
        tasks.append(asyncio.create_task(run_client(url, seconds, plan, start_at)))
        await asyncio.sleep(0.01)  # stagger connects, as a classroom does
    # two readings inside the counted part of the round (the clients play until start_at + seconds)
    await asyncio.sleep(max(0.0, start_at + 1.0 - loop.time()))
    first = await asyncio.to_thread(worker_health, port, workers)
    await asyncio.sleep(max(0.0, start_at + seconds / 2 - loop.time()))
    middle = await asyncio.to_thread(worker_health, port, workers)
    await asyncio.gather(*tasks)
    return first, middle


def worker_health(port: int, workers: int, probes: int = 40) -> dict[int, dict]:
    """Each worker's /healthz (each request is answered by whichever worker accepts it: asked
    until every worker answered, at most `probes` times)."""
    seen: dict[int, dict] = {}
    for _ in range(probes):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            h = json.loads(r.read())
        seen[h["pid"]] = h
        if len(seen) >= workers:
            break
    return seen


def stacking(before: dict[int, dict], after: dict[int, dict]) -> str:
    """How the workers trained between two health readings: the mean size of a stacked slice
    (sessions per stack) and the share of all slices that were stacked."""
    both = before.keys() & after.keys()  # a worker that answered only once has no difference

    def change(key: str) -> int:
        return sum(after[pid].get(key, 0) - before[pid].get(key, 0) for pid in both)
    slices, stacks, members = change("slices"), change("stacked_slices"), change("stacked_sessions")
    part = "" if len(both) == len(after) else f" ({len(both)} of {len(after)} workers answered twice)"
    return (f"stack size {members / stacks if stacks else 0:.1f}, "
            f"{stacks / slices if slices else 0:.0%} of slices stacked{part}")


def loop_factory():
    """uvloop when installed (uvicorn's standard extras bring it): the load generator shares
    this machine's two cores with the server, so the less CPU it takes the better."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", default="10,50,100", help="comma-separated client counts (default 10,50,100)")
    p.add_argument("--seconds", type=float, default=10.0, help="seconds each round plays (default 10)")
    p.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    p.add_argument("--scenario", default="same", choices=SCENARIOS,
                   help="same (default), mixed, lecture or greedy: see bench/server_scenarios.py")
    args = p.parse_args()
    port = free_port()
    server = start_server(port, args.workers)
    try:
        time.sleep(1.0)
        pids = process_tree(server.pid)
        print(f"server: {args.workers} worker(s), pids {pids}; {os.cpu_count()} cores; {args.seconds:g} s per round; "
              f"scenario {args.scenario}" + (" (figures: the default neighbours)" if args.scenario == "greedy" else ""))
        print(f"{'clients':>7} {'fps med':>8} {'fps min':>8} {'p95 ms':>7} {'p50 ms':>7} {'KB/s/cl':>8} {'ep/s':>6} "
              f"{'server cpu':>10} {'client cpu':>10} {'ms/cl-s':>8} {'engine':>7} {'ratio':>6}")
        for n in [int(c) for c in args.clients.split(",")]:
            round_plans = plans(args.scenario, n)
            cpu0, own0, wall0 = cpu_seconds(pids), time.process_time(), time.monotonic()
            with asyncio.Runner(loop_factory=loop_factory()) as runner:
                first, middle = runner.run(run_round(port, args.workers, round_plans, args.seconds))
            wall = time.monotonic() - wall0
            server_seconds = cpu_seconds(pids) - cpu0
            own_cpu = (time.process_time() - own0) / wall
            counted = args.seconds - 1.0
            # the engine's own cost of the same batches and snapshots, for the counted seconds;
            # the server's CPU over the whole round, scaled to them
            engine = engine_seconds(round_plans, counted) / counted
            server_cpu = server_seconds / wall
            shown = [plan.stats for plan in round_plans if plan.neighbour]
            fps = [s.frames / counted for s in shown]
            kbps = [s.bytes / counted / 1000 for s in shown]
            eps = [s.epochs / counted for s in shown]
            latencies = [lat for s in shown for lat in s.latencies]
            print(f"{n:>7} {statistics.median(fps):>8.1f} {min(fps):>8.1f} {percentile(latencies, 0.95) * 1000:>7.1f} "
                  f"{percentile(latencies, 0.5) * 1000:>7.1f} {statistics.median(kbps):>8.1f} "
                  f"{statistics.median(eps):>6.1f} "
                  f"{server_cpu:>9.2f}c {own_cpu:>9.2f}c {1000 * server_cpu / n:>8.1f} {engine:>6.2f}c "
                  f"{server_cpu / engine if engine else float('nan'):>6.1f}   sessions per worker "
                  f"{sorted(h['sessions'] for h in middle.values())}; {stacking(first, middle)}", flush=True)
            if args.scenario == "greedy":
                greedy = [plan.stats for plan in round_plans if not plan.neighbour]
                print(f"{'':>7} greedy client: {sum(s.frames for s in greedy) / counted:.1f} frames/s, "
                      f"{sum(s.epochs for s in greedy) / counted:.1f} epochs/s over its {len(greedy)} sessions")
            time.sleep(1.0)
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
