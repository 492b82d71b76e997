"""`--workers 2` (server.process.balancer): sessions spread evenly, a dead worker is replaced, a
frozen one gets no new connections and is replaced, and stopping the server stops every worker.
Real processes, real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
import urllib.request

import pytest
from support.client import Client, run
from support.server import ServerProcess

from server.process import balancer

pytestmark = [pytest.mark.skipif(not balancer.supported(), reason="this platform cannot pass sockets"),
              pytest.mark.slow]  # several server processes each


def sessions_by_worker(server, probes: int = 30) -> dict[int, int]:
    """pid -> sessions, from /healthz answered by whichever worker each probe reaches."""
    seen: dict[int, int] = {}
    for _ in range(probes):
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=5) as r:
                h = json.loads(r.read())
        except OSError:  # handed to a worker that had just been killed
            continue
        seen[h["pid"]] = h["sessions"]
    return seen


def both_workers(server, sessions: int | None = None) -> dict[int, int] | None:
    """sessions_by_worker once two workers answer (holding `sessions` in all), else None."""
    seen = sessions_by_worker(server)
    ok = len(seen) == 2 and (sessions is None or sum(seen.values()) == sessions)
    return seen if ok else None


def wait_until(condition, timeout: float = 30.0):
    """Poll `condition()` until it returns something true; that value, or the last one."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def two_workers(make_server_module):
    """One `--workers 2` server for the tests that leave it serving with two workers (a killed or
    frozen one is replaced): each waits for two answering workers and no sessions first, so a
    server start (seconds on a loaded machine) is paid once, not per test."""
    return make_server_module("--workers", "2")


def serving_two_idle_workers(server) -> dict[int, int]:
    """Wait until two workers answer and hold no session; pid -> sessions."""
    pids = wait_until(lambda: both_workers(server, 0))
    assert pids, f"two idle workers should answer: {sessions_by_worker(server)}"
    return pids


def test_sessions_are_spread_evenly_over_the_workers(two_workers):
    server = two_workers
    # Until both workers serve, the later one's queued start-up probes count as its load (on a
    # loaded machine it took seconds to start and every session went to the other one)
    serving_two_idle_workers(server)

    async def scenario() -> dict[int, int]:
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(8):  # one after another, each playing: the order a classroom arrives in
                client = await stack.enter_async_context(Client(server.ws_url))
                await client.start()
                await client.send({"type": "play"})
            return wait_until(lambda: both_workers(server, 8))

    counts = run(scenario())
    assert counts is not None and sorted(counts.values()) == [4, 4], counts
    assert wait_until(lambda: sum(sessions_by_worker(server).values()) == 0, 10)  # closed sessions are freed


def test_a_worker_that_dies_is_replaced_and_the_server_goes_on(two_workers):
    server = two_workers
    pids = serving_two_idle_workers(server)
    victim = min(pids)
    os.kill(victim, signal.SIGKILL)
    now = wait_until(lambda: (seen := both_workers(server)) and victim not in seen and seen)
    assert now and victim not in now, now

    async def scenario() -> dict:
        async with Client(server.ws_url) as client:
            return await client.start()

    assert run(scenario())["type"] == "hello"


def test_stopping_the_server_stops_its_workers(make_server):
    server = make_server("--workers", "2")
    pids = wait_until(lambda: both_workers(server))
    assert pids and all(alive(pid) for pid in pids)
    server.stop()  # SIGTERM to the parent only, as a service manager sends it
    assert wait_until(lambda: not any(alive(pid) for pid in pids), 15), "workers outlived the server"


def test_a_frozen_worker_gets_no_new_connections_and_is_replaced(two_workers):
    server = two_workers
    pids = serving_two_idle_workers(server)
    victim = min(pids)
    os.kill(victim, signal.SIGSTOP)  # alive to the kernel, deaf to everyone
    frozen_at = time.monotonic()
    try:
        # the parent pings every PING_SECONDS; unanswered for UNRESPONSIVE_SECONDS, it is passed over
        time.sleep(balancer.UNRESPONSIVE_SECONDS + 4 * balancer.PING_SECONDS)

        async def hello() -> str:
            async with Client(server.ws_url) as client:
                return (await client.start())["type"]

        async def connect_once() -> tuple[str, float]:
            start = time.monotonic()
            try:
                kind = await asyncio.wait_for(hello(), 5)
            except Exception as exc:  # noqa: BLE001 - a hang or a drop, reported with the rest
                kind = f"failed: {exc!r}"
            return kind, time.monotonic() - start

        async def ten_clients() -> list[tuple[str, float]]:
            return await asyncio.gather(*(connect_once() for _ in range(10)))

        results = run(ten_clients())
        assert [kind for kind, _ in results] == ["hello"] * 10, results
        assert max(seconds for _, seconds in results) < 3.0, results
        assert time.monotonic() - frozen_at < balancer.REPLACE_SECONDS, "too slow to tell the cases apart"

        # silent for REPLACE_SECONDS: killed and replaced, and the server goes on with two workers
        now = wait_until(lambda: (seen := both_workers(server)) and victim not in seen and seen,
                         balancer.REPLACE_SECONDS + 30)
        assert now and victim not in now, now
        assert not alive(victim), "the frozen worker was left running"
        assert time.monotonic() - frozen_at >= balancer.REPLACE_SECONDS - 1, "replaced before its time"

        assert run(hello()) == "hello"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


def test_the_per_client_limit_counts_a_client_across_the_workers():
    # Bound to every interface, so this loopback client is not exempt (its workers can take a
    # while to start on a busy machine).
    server = ServerProcess("--workers", "2", "--host", "0.0.0.0", "--max-sessions-per-client", "3")
    server.start(timeout=90)
    try:
        assert wait_until(lambda: both_workers(server))
        _one_client_on_two_workers(server)
    finally:
        server.stop()


def _one_client_on_two_workers(server) -> None:

    async def scenario() -> None:
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(3):
                client = await stack.enter_async_context(Client(server.ws_url))
                await client.start()
                await asyncio.sleep(0.3)  # the workers hear each other's counts within milliseconds
            spread = wait_until(lambda: both_workers(server, 3))
            assert spread and sorted(spread.values()) == [1, 2], spread  # the pages are on both workers
            for _ in range(2):  # whichever worker a fourth page reaches, the client already has three
                async with Client(server.ws_url) as extra:
                    error = await extra.expect("error")
                    assert error["code"] == "client_full" and "3" in error["message"]
        await asyncio.sleep(0.5)
        async with Client(server.ws_url) as again:  # places free again once those closed
            await again.start()

    run(scenario())


def test_pages_opened_at_once_on_two_workers_get_exactly_the_clients_share():
    # Many pages of one client at the same moment, spread over both workers: counting and taking
    # a place is one step across the workers, so exactly the limit are admitted, every round.
    limit = 3
    server = ServerProcess("--workers", "2", "--host", "0.0.0.0", "--max-sessions-per-client", str(limit))
    server.start(timeout=90)
    try:
        assert wait_until(lambda: both_workers(server))
        for _ in range(3):  # closing the admitted pages frees their places for the next round
            outcomes = run(_open_at_once(server.ws_url, 12))
            assert sorted(outcomes) == ["client_full"] * (12 - limit) + ["hello"] * limit, outcomes
            assert wait_until(lambda: sum(sessions_by_worker(server).values()) == 0, 10)
    finally:
        server.stop()


async def _open_at_once(url: str, n: int) -> list[str]:
    """Open `n` connections together; each one's first message type ("hello" or an error's code),
    once all have answered (the admitted ones are held open until then, then closed)."""
    async with contextlib.AsyncExitStack() as stack:
        clients = [Client(url) for _ in range(n)]
        await asyncio.gather(*(stack.enter_async_context(c) for c in clients))

        async def first(c: Client) -> str:
            message = await c.recv(timeout=30)
            return message["code"] if message["type"] == "error" else message["type"]
        return await asyncio.gather(*(first(c) for c in clients))
