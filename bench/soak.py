"""Soak a real server: long-lived clients, connection churn, the largest sessions, a deaf client.

Starts its own `python -m server` on a free loopback port and watches its resident memory
(RSS, from /proc) while it runs these rounds:

- **patch**: N clients for T seconds, each playing and sending a config patch a second;
  RSS every 30 s, errors and closes counted.
- **churn**: cycles of connect/disconnect, a quarter each clean, abrupt mid-play,
  abrupt mid-`step 1000`, abrupt mid-`export` (three rounds).
- **largest**: 8 sessions of the largest allowed network (16×64 maxout, 9 features, 2,000
  samples, batch 2,000) and a gradient check each, RSS while open, then all closed (three rounds).
- **deaf**: a raw socket that asks for 300 numpy exports and never reads: seconds until the
  server closes it, and RSS after it left.

    python bench/soak.py                                  # every round, issue 12's sizes
    python bench/soak.py --rounds largest --largest-rounds 3
    python bench/soak.py --clients 20 --seconds 120 --churn 1000

The scenarios are plain functions the tests reuse (tests/test_server_reliability.py) with
smaller sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
LARGEST = {"hidden": [64] * 16, "activation": "maxout", "n_samples": 2000, "batch_size": 2000,
           "train_ratio": 90, "features": ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2",
                                           "cos_x1", "cos_x2"]}


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def health(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
        return json.loads(r.read())


async def _until(ws: Any, kind: str, timeout: float = 60.0) -> dict[str, Any]:
    """Read until a JSON message of type `kind` (frames are skipped)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        data = await asyncio.wait_for(ws.recv(), max(0.01, deadline - loop.time()))
        if isinstance(data, str):
            message = json.loads(data)
            if message["type"] == kind:
                return message
            if message["type"] == "error" and kind != "error":
                raise RuntimeError(f"server error: {message}")


async def _frame(ws: Any, timeout: float = 60.0) -> dict[str, Any]:
    """The header of the next binary frame."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        data = await asyncio.wait_for(ws.recv(), max(0.01, deadline - loop.time()))
        if isinstance(data, bytes):
            (n,) = struct.unpack("<I", data[:4])
            return json.loads(data[4:4 + n])


async def open_largest(ws_url: str) -> Any:
    """A session switched to the largest allowed network that has run a gradient check."""
    ws = await connect(ws_url, max_size=None, compression=None, open_timeout=30)
    await _until(ws, "hello")
    await ws.send(json.dumps({"type": "config", "patch": LARGEST}))
    await _until(ws, "config")
    await ws.send(json.dumps({"type": "step", "epochs": 1}))
    await ws.send(json.dumps({"type": "gradient_check"}))
    await _until(ws, "gradient_check", timeout=300)
    return ws


async def largest_round(ws_url: str, pid: int, sessions: int = 8) -> tuple[float, float]:
    """Open `sessions` largest sessions (one after another), then close them all:
    (RSS with all open, RSS after all closed and the server counted 0 sessions)."""
    opened = [await open_largest(ws_url) for _ in range(sessions)]
    peak = rss_mb(pid)
    for ws in opened:
        await ws.close()
    await wait_sessions(ws_url, 0)
    return peak, rss_mb(pid)


async def wait_sessions(ws_url: str, count: int, timeout: float = 30.0) -> None:
    """Wait until the server reports `count` sessions and no session tasks."""
    url = ws_url.replace("ws://", "http://").rsplit("/ws", 1)[0]
    deadline = time.monotonic() + timeout
    while True:
        h = await asyncio.to_thread(health, url)
        if h["sessions"] == count and (count or h["tasks"] == 0):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"server still reports {h}")
        await asyncio.sleep(0.1)


def _abort(ws: Any) -> None:
    """Drop the TCP connection without a closing handshake (a tab killed, a cable pulled)."""
    ws.transport.abort()


async def churn_cycle(ws_url: str, kind: int) -> None:
    """One connection: 0 clean close, 1 abort mid-play, 2 abort mid-`step 1000`, 3 abort mid-export."""
    ws = await connect(ws_url, max_size=None, compression=None, open_timeout=30)
    await _until(ws, "hello")
    if kind == 0:
        await _frame(ws)
        await ws.close()
        return
    message = ({"type": "play"}, {"type": "step", "epochs": 1000}, {"type": "export", "format": "numpy"})[kind - 1]
    await ws.send(json.dumps(message))
    await asyncio.sleep(0.005)
    _abort(ws)


async def churn(ws_url: str, cycles: int, parallel: int = 4) -> int:
    """`cycles` connections, the four kinds in turn, `parallel` at a time; returns errors."""
    errors = 0
    queue = iter(range(cycles))

    async def worker() -> None:
        nonlocal errors
        for i in queue:
            try:
                await churn_cycle(ws_url, i % 4)
            except Exception:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(parallel)))
    await wait_sessions(ws_url, 0)
    return errors


def ws_handshake(port: int) -> socket.socket:
    """A raw, blocking socket after a WebSocket handshake with /ws (no Origin: a script)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1)
    if b" 101 " not in answer.split(b"\r\n", 1)[0]:
        raise RuntimeError(f"handshake refused: {answer!r}")
    return sock


def ws_text_frame(text: str) -> bytes:
    """One masked client text frame."""
    payload = text.encode()
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
                            if n < 65536 else bytes([0x80 | 127]) + struct.pack(">Q", n))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def deaf_client(port: int, requests: int = 300, log: Callable[[str], None] = lambda s: None) -> socket.socket:
    """A client that sets the largest network, asks for `requests` numpy exports and then never
    reads. Its receive buffer is kept tiny, so the server's replies pile up on the server."""
    sock = ws_handshake(port)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(ws_text_frame(json.dumps({"type": "config", "patch": LARGEST})))
    message = ws_text_frame(json.dumps({"type": "export", "format": "numpy"}))
    sock.settimeout(30)
    for _ in range(requests):
        sock.sendall(message)
    log(f"deaf client sent {requests} export requests")
    return sock


def seconds_until_dropped(url: str, sock: socket.socket, timeout: float) -> float | None:
    """Seconds until the server counts no session and the client's socket sees a reset or the
    end of the stream (None if not within `timeout`). Reads nothing before: a deaf client."""
    start = time.monotonic()
    while health(url)["sessions"]:
        if time.monotonic() - start > timeout:
            return None
        time.sleep(0.1)
    sock.settimeout(max(0.1, timeout - (time.monotonic() - start)))
    try:
        while sock.recv(1 << 20):  # whatever was delivered before the end
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        return None
    return time.monotonic() - start


def start_server(port: int, *args: str, log: Any = subprocess.DEVNULL) -> subprocess.Popen:
    """`python -m server` on loopback `port`, once it answers /healthz."""
    proc = subprocess.Popen([sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port), *args],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            health(f"http://127.0.0.1:{port}")
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


async def patch_clients(ws_url: str, clients: int, seconds: float, pid: int,
                        report: Callable[[str], None]) -> tuple[int, int]:
    """`clients` playing sessions, each sending a learning-rate patch a second for `seconds`;
    RSS reported every 30 s. Returns (errors received, connections closed by the server)."""
    errors = closes = 0
    stop = time.monotonic() + seconds

    async def client(k: int) -> None:
        nonlocal errors, closes
        try:
            async with connect(ws_url, max_size=None, compression=None, open_timeout=30) as ws:
                await ws.send(json.dumps({"type": "play"}))
                rates = (0.01, 0.03, 0.1)
                i = 0
                while time.monotonic() < stop:
                    await ws.send(json.dumps({"type": "config", "patch": {"learning_rate": rates[i % 3]}}))
                    i += 1
                    until = time.monotonic() + 1.0
                    while time.monotonic() < until:
                        try:
                            data = await asyncio.wait_for(ws.recv(), max(0.01, until - time.monotonic()))
                        except asyncio.TimeoutError:
                            break
                        if isinstance(data, str) and json.loads(data)["type"] == "error":
                            errors += 1
        except Exception:
            closes += 1

    async def watch() -> None:
        while time.monotonic() < stop:
            await asyncio.sleep(min(30.0, max(0.0, stop - time.monotonic())))
            report(f"  patch round: RSS {rss_mb(pid):.0f} MB, {errors} errors, {closes} closes")

    await asyncio.gather(watch(), *(client(k) for k in range(clients)))
    return errors, closes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", default="patch,churn,largest,deaf",
                        help="comma-separated rounds to run, in this order")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--churn", type=int, default=1000, help="connect/disconnect cycles per churn round")
    parser.add_argument("--churn-rounds", type=int, default=3)
    parser.add_argument("--largest", type=int, default=8, help="largest sessions per round")
    parser.add_argument("--largest-rounds", type=int, default=3)
    parser.add_argument("--server-args", default="", help="extra flags for the server, space-separated")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.support.server import free_port
    port = free_port()
    proc = start_server(port, *args.server_args.split())
    url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
    say = lambda text: print(text, flush=True)  # noqa: E731
    try:
        say(f"server pid {proc.pid}, RSS at start {rss_mb(proc.pid):.0f} MB")
        for name in args.rounds.split(","):
            if name == "patch":
                errors, closes = asyncio.run(patch_clients(ws_url, args.clients, args.seconds, proc.pid, say))
                asyncio.run(wait_sessions(ws_url, 0))
                say(f"patch: {args.clients} clients x {args.seconds:g} s: {errors} errors, {closes} closes, "
                    f"RSS after {rss_mb(proc.pid):.0f} MB")
            elif name == "churn":
                for r in range(args.churn_rounds):
                    errors = asyncio.run(churn(ws_url, args.churn))
                    say(f"churn round {r + 1}: {args.churn} cycles, {errors} errors, RSS after {rss_mb(proc.pid):.0f} MB")
            elif name == "largest":
                for r in range(args.largest_rounds):
                    before = rss_mb(proc.pid)
                    peak, after = asyncio.run(largest_round(ws_url, proc.pid, args.largest))
                    say(f"largest round {r + 1}: RSS {before:.0f} -> {peak:.0f} MB with {args.largest} open "
                        f"({(peak - before) / args.largest:.0f} MB each) -> {after:.0f} MB closed")
            elif name == "deaf":
                before = rss_mb(proc.pid)
                sock = deaf_client(port)
                started = time.monotonic()
                dropped = seconds_until_dropped(url, sock, 300)
                sock.close()
                time.sleep(2)
                say(f"deaf client: dropped {'never' if dropped is None else f'after {dropped:.1f} s'} "
                    f"({time.monotonic() - started:.0f} s after its last request); RSS {before:.0f} -> "
                    f"{rss_mb(proc.pid):.0f} MB after it left")
            else:
                raise SystemExit(f"unknown round {name!r}")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
