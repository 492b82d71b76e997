"""Shared fixtures: a real uvicorn server on a free loopback port, started as its own process.

Tests talk to it over real HTTP and WebSocket connections, exactly as a browser would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`python -m server` on loopback, startable and stoppable (restart tests reuse the port)."""

    def __init__(self, *args: str, port: int | None = None, env: dict[str, str] | None = None):
        self.port = port or free_port()
        self.args = list(args)
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.log = ROOT / "test-artifacts" / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self, timeout: float = 20.0) -> "ServerProcess":
        self.log.parent.mkdir(exist_ok=True)
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(self.port), *self.args],
            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
        )
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer /healthz within {timeout}s; see {self.log}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def health(self) -> dict:
        import json
        with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
            return json.loads(r.read())


@pytest.fixture(scope="session")
def server():
    """One shared server for the whole run (tests must not depend on each other's sessions)."""
    proc = ServerProcess().start()
    yield proc
    proc.stop()


@pytest.fixture
def server_process():
    """The ServerProcess class, for a test that starts a server expecting it to fail. (Test
    modules cannot import it: in a full run tests/browser/conftest.py is the `conftest` module.)"""
    return ServerProcess


@pytest.fixture
def make_server():
    """A factory for private servers with their own flags; all are stopped after the test."""
    started: list[ServerProcess] = []

    def make(*args: str, **kwargs) -> ServerProcess:
        proc = ServerProcess(*args, **kwargs).start()
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()


@pytest.fixture(scope="module")
def make_server_module():
    """Like make_server, for a server a whole test module shares (stopped after the module)."""
    started: list[ServerProcess] = []

    def make(*args: str, **kwargs) -> ServerProcess:
        proc = ServerProcess(*args, **kwargs).start()
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()
