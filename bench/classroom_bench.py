"""Classroom benchmark (issue 16): N students and a teacher on one server with 2 workers.

Measures, with real sockets against `python -m server --workers 2`:
- students' frame rate with no dashboard, then with the dashboard open (the drop, %);
- roster staleness: how far a roster lags behind what a playing student already sees: the
  time since the student first received a frame newer than the epoch the roster reports
  (0 when the roster shows the student's latest frame) (p50/p95);
- the teacher socket's bandwidth (bytes a second, roster plus thumbnails);
- push latency: from the teacher sending `push` until each student has the new config (p50/p95).

    python bench/classroom_bench.py [--students 100] [--seconds 15] [--redis redis://…]
    python bench/classroom_bench.py --servers 2     # two servers sharing a Redis it starts itself

With --servers N the students are spread over N servers (each with --workers) sharing one
Redis (the given one, or a `redis-server` started on a free loopback port); the teacher's
class is made on, and watched from, the first.

Prints one JSON object. Students read frames but decode only the header (as cheap a client
as possible: the server's costs are what is measured).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-teacher-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Student:
    def __init__(self, base: str, code: str, n: int) -> None:
        self.base, self.code, self.name = base, code, f"student {n:03d}"
        self.frames = 0
        self.first_seen: dict[int, float] = {}  # epoch -> when a frame with it first arrived
        self.config_seen: dict[float, float] = {}  # learning_rate -> when the config arrived
        self.id = None

    async def run(self, ready: asyncio.Event, stop: asyncio.Event) -> None:
        async with connect(self.base.replace("http", "ws") + "/ws", max_size=None, compression=None,
                           open_timeout=120) as ws:
            await ws.send(json.dumps({"type": "join", "class": self.code, "name": self.name}))
            await ws.send(json.dumps({"type": "play"}))
            while not stop.is_set():
                try:
                    data = await asyncio.wait_for(ws.recv(), 1.0)
                except asyncio.TimeoutError:
                    continue
                now = time.monotonic()
                if isinstance(data, bytes):
                    (n,) = struct.unpack_from("<I", data)
                    header = json.loads(data[4:4 + n])
                    self.frames += 1
                    self.first_seen.setdefault(header["epoch"], now)
                    continue
                message = json.loads(data)
                if message["type"] == "joined":
                    self.id = message["student"]
                    ready.set()
                elif message["type"] == "config":
                    self.config_seen.setdefault(message["config"]["learning_rate"], now)


def loop_lags(bases: list[str], probes: int = 8) -> dict[int, dict]:
    """Each worker's event-loop lag (/healthz `loop_lag`: timer overshoot over its last 5 s),
    from whichever workers answer `probes` requests per server."""
    seen: dict[int, dict] = {}
    for base in bases:
        for _ in range(probes):
            with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
                health = json.loads(r.read())
            seen[health["pid"]] = health["loop_lag"]
    return seen


async def frame_rate(students: list[Student], seconds: float) -> float:
    before = sum(s.frames for s in students)
    await asyncio.sleep(seconds)
    return (sum(s.frames for s in students) - before) / seconds / len(students)


async def bench(bases: list[str], n: int, seconds: float) -> dict:
    base = bases[0]
    request = urllib.request.Request(base + "/api/classes", method="POST", data=b"",
                                     headers={"Authorization": f"Bearer {KEY}"})
    klass = json.loads(urllib.request.urlopen(request, timeout=10).read())
    stop = asyncio.Event()
    students = [Student(bases[i % len(bases)], klass["code"], i) for i in range(n)]
    readies = [asyncio.Event() for _ in students]
    tasks = []
    for i, (s, r) in enumerate(zip(students, readies)):  # ten at a time: a class does not join in one instant
        tasks.append(asyncio.create_task(s.run(r, stop)))
        if i % 10 == 9:
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies[:i + 1])), 120)
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    await asyncio.sleep(3)  # the class settles into its pace
    fps_alone = await frame_rate(students, seconds)
    by_id = {s.id: s for s in students}
    staleness: list[float] = []
    received = 0
    url = f"{base.replace('http', 'ws')}/ws/teacher?class={klass['code']}&token={klass['teacher_token']}"
    async with connect(url, max_size=None, compression=None) as teacher:
        async def watch() -> None:
            nonlocal received
            async for data in teacher:
                received += len(data)
                if isinstance(data, str):
                    message = json.loads(data)
                    if message["type"] == "roster":
                        now = time.monotonic()
                        for entry in message["students"]:
                            student = by_id.get(entry["id"])
                            if student is None or entry["state"] != "playing":
                                continue
                            newer = [t for e, t in student.first_seen.items() if e > entry["epoch"]]
                            staleness.append(now - min(newer) if newer else 0.0)
        watcher = asyncio.create_task(watch())
        await asyncio.sleep(2)
        start_bytes, start = received, time.monotonic()
        lags = asyncio.create_task(asyncio.to_thread(loop_lags, bases)) if seconds < 5 else None
        if lags is None:  # read the lags in the last 5 s of the watched period
            async def later() -> dict[int, dict]:
                await asyncio.sleep(seconds - 5)
                return await asyncio.to_thread(loop_lags, bases)
            lags = asyncio.create_task(later())
        fps_watched = await frame_rate(students, seconds)
        lag = await lags
        bandwidth = (received - start_bytes) / (time.monotonic() - start)
        latencies: list[float] = []
        for rate in (0.0301, 0.0302, 0.0303, 0.0304, 0.0305):
            sent = time.monotonic()
            await teacher.send(json.dumps({"type": "push", "config": {"learning_rate": rate}}))
            await asyncio.sleep(2.0)
            latencies += [s.config_seen[rate] - sent for s in students if rate in s.config_seen]
            missing = sum(rate not in s.config_seen for s in students)
            if missing:
                latencies += [float("inf")] * missing
        watcher.cancel()
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "students": n, "servers": len(bases), "fps_without_dashboard": round(fps_alone, 2), "fps_with_dashboard": round(fps_watched, 2),
        "fps_drop_percent": round(100 * (1 - fps_watched / fps_alone), 1) if fps_alone else None,
        "roster_staleness_p50_s": round(percentile(staleness, 0.5) or 0, 3),
        "roster_staleness_p95_s": round(percentile(staleness, 0.95) or 0, 3),
        "teacher_bytes_per_second": round(bandwidth), "push_latency_p50_s": round(percentile(latencies, 0.5), 3),
        "push_latency_p95_s": round(percentile(latencies, 0.95), 3),
        # how late each worker's timers fired while the dashboard was open: roster slices and
        # pushed commands wait this long on each loop they pass through
        "worker_loop_lag_p50_ms": sorted(v["p50_ms"] for v in lag.values()),
        "worker_loop_lag_p95_ms": sorted(v["p95_ms"] for v in lag.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", default=None, help="use this Redis instead of the embedded broker")
    parser.add_argument("--servers", type=int, default=1, help="servers sharing one Redis (students alternate)")
    args = parser.parse_args()
    processes: list[subprocess.Popen] = []
    try:
        redis = args.redis
        if args.servers > 1 and redis is None:
            redis_port = free_port()
            processes.append(subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL))
            redis = f"redis://127.0.0.1:{redis_port}/0"
        extra = ["--redis", redis] if redis else []
        bases = []
        for _ in range(args.servers):
            port = free_port()
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "server", "--port", str(port), "--workers", str(args.workers),
                 "--teacher-key", KEY, "--max-sessions", str(args.students + 20), *extra],
                cwd=ROOT, stdout=subprocess.DEVNULL, env={**os.environ}))
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            wait_until_up(base)
        print(json.dumps(asyncio.run(bench(bases, args.students, args.seconds)), indent=1))
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=20)


def wait_until_up(base: str, timeout: float = 60.0) -> None:
    """Wait until a server answers /healthz (RuntimeError after `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{base} did not answer /healthz within {timeout:.0f} s")


if __name__ == "__main__":
    main()
