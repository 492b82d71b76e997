"""Shared fixtures: a real uvicorn server on a free loopback port, started as its own process.

Tests talk to it over real HTTP and WebSocket connections, exactly as a browser would.
"""

from __future__ import annotations

import pytest
from support.server import ROOT, ServerProcess, free_port

__all__ = ["ROOT", "ServerProcess", "free_port"]


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


def _server_factory():
    """A factory for private servers with their own flags, and a way to stop them all."""
    started: list[ServerProcess] = []

    def make(*args: str, wait: bool = True, **kwargs) -> ServerProcess:
        """A started server; wait=False only launches it (call .wait_ready(), e.g. after launching
        the others a test needs, so that their start-ups overlap)."""
        proc = ServerProcess(*args, **kwargs).launch()
        started.append(proc)
        return proc.wait_ready() if wait else proc

    def stop_all() -> None:
        for proc in started:
            proc.stop()

    return make, stop_all


@pytest.fixture
def make_server():
    """Private servers with their own flags; all are stopped after the test."""
    make, stop_all = _server_factory()
    yield make
    stop_all()


@pytest.fixture(scope="module")
def make_server_module():
    """Like make_server, for a server a whole test module shares (stopped after the module)."""
    make, stop_all = _server_factory()
    yield make
    stop_all()


def pytest_collection_modifyitems(items):
    """A test that starts servers of its own waits seconds for them: it counts as slow."""
    for item in items:
        if {"make_server", "make_server_module", "server_process"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
