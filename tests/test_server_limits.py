"""Limits and safety over real connections: flooding, huge frames, capacity, Origin,
disconnects freeing their session, and many clients at once."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest
from support.client import Client, closed_code, run
from websockets.exceptions import ConnectionClosed, InvalidStatus


def health(server) -> dict:
    with urllib.request.urlopen(server.url + "/healthz", timeout=5) as r:
        return json.loads(r.read())


def wait_for_health(server, **expected) -> dict:
    """Poll /healthz until it shows `expected` (the server cleans up asynchronously)."""
    deadline = time.monotonic() + 10
    while True:
        h = health(server)
        if all(h[k] == v for k, v in expected.items()) or time.monotonic() > deadline:
            return h
        time.sleep(0.05)




@pytest.mark.slow
def test_flood_closes_that_connection_with_1008_and_others_go_on(make_server):
    srv = make_server("--messages-per-second", "20", "--message-burst", "40")

    async def scenario():
        async with Client(srv.ws_url) as calm, Client(srv.ws_url) as flood:
            await calm.start()
            await flood.start()
            await calm.send({"type": "play"})
            try:
                for _ in range(400):
                    await flood.send({"type": "snapshot"})
            except ConnectionClosed:
                pass
            assert await closed_code(flood) == 1008
            errors = [m for h, _ in flood.frames for m in [h] if m.get("code")]
            assert errors == []  # errors are JSON, not frames
            # the calm client still gets frames and answers
            await calm.expect("frame")
            await calm.send({"type": "config", "patch": {"noise": 5}})
            assert (await calm.expect("config"))["version"] == 1

    run(scenario())


@pytest.mark.slow
def test_a_short_burst_over_the_rate_is_refused_politely_not_closed(make_server):
    srv = make_server("--messages-per-second", "5", "--message-burst", "10")

    async def scenario():
        async with Client(srv.ws_url) as c:
            await c.start()
            for _ in range(15):  # 10 allowed, 5 refused: fewer strikes than the burst
                await c.send({"type": "snapshot"})
            error = await c.expect("error")
            assert error["code"] == "rate_limited"
            await asyncio.sleep(2.5)  # tokens come back
            await c.send({"type": "config", "patch": {"noise": 5}})
            assert (await c.expect("config"))["config"]["noise"] == 5

    run(scenario())


def test_a_message_over_the_frame_limit_closes_with_1009(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            hello = await c.start()
            try:
                await c.send("x" * (hello["limits"]["max_frame_bytes"] + 1))
            except ConnectionClosed as exc:  # closed while the client was still sending
                assert exc.rcvd is not None and exc.rcvd.code == 1009
            else:
                assert await closed_code(c) == 1009

    run(scenario())
    assert wait_for_health(server, sessions=0)["sessions"] == 0


def test_disconnect_mid_play_frees_the_session_and_its_tasks(server):
    async def scenario():
        c = Client(server.ws_url)
        await c.__aenter__()
        await c.start()
        await c.send({"type": "play"})
        await c.expect("frame")
        await c.expect("frame")
        busy = health(server)
        assert busy["sessions"] >= 1 and busy["tasks"] >= 1 and busy["training"] >= 1
        c.ws.transport.abort()  # vanish without a closing handshake, as a crashed tab does

    run(scenario())
    h = wait_for_health(server, sessions=0, tasks=0, training=0)
    assert (h["sessions"], h["tasks"], h["training"]) == (0, 0, 0)


@pytest.mark.slow
def test_max_sessions_refuses_the_next_client_with_a_reason_and_1013(make_server):
    srv = make_server("--max-sessions", "2")

    async def scenario():
        async with Client(srv.ws_url) as a, Client(srv.ws_url) as b:
            await a.start()
            await b.start()
            async with Client(srv.ws_url) as third:
                error = await third.expect("error")
                assert error["code"] == "server_full" and "--max-sessions" in error["message"]
                assert await closed_code(third) == 1013
            await a.send({"type": "snapshot"})
            await a.expect("frame")
        # the places are free again
        async with Client(srv.ws_url) as again:
            await again.start()

    run(scenario())


def test_cross_site_origin_is_refused_and_same_origin_accepted(server):
    async def scenario():
        with pytest.raises(InvalidStatus) as refused:
            async with Client(server.ws_url, origin="http://evil.example"):
                pass
        assert refused.value.response.status_code == 403
        with pytest.raises(InvalidStatus):
            async with Client(server.ws_url, origin="null"):
                pass
        async with Client(server.ws_url, origin=f"http://127.0.0.1:{server.port}") as c:
            await c.start()

    run(scenario())


@pytest.mark.slow
def test_allowed_origins_flag_admits_a_named_proxy_origin(make_server):
    srv = make_server("--allowed-origins", "https://class.example.org")

    async def scenario():
        async with Client(srv.ws_url, origin="https://class.example.org") as c:
            await c.start()

    run(scenario())


@pytest.mark.slow
def test_fifty_concurrent_clients_all_receive_frames(server):
    async def one(i: int) -> int:
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "play"})
            for _ in range(5):
                await c.expect("frame", timeout=30)
            await c.send({"type": "pause"})
            return len(c.frames)

    async def scenario():
        return await asyncio.gather(*(one(i) for i in range(50)))

    counts = run(scenario())
    assert len(counts) == 50 and min(counts) >= 6
    assert wait_for_health(server, sessions=0)["sessions"] == 0


@pytest.mark.slow
def test_invalid_settings_are_refused_at_startup_naming_the_flag(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-m", "server", "--max-sessions", "0"], cwd=root,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "max_sessions" in result.stderr and "1..100000" in result.stderr
    result = subprocess.run([sys.executable, "-m", "server"], cwd=root, capture_output=True, text=True,
                            timeout=60, env={**os.environ, "NNP_MESSAGE_BURST": "many"})
    assert result.returncode != 0 and "NNP_MESSAGE_BURST" in result.stderr


@pytest.mark.slow
def test_a_paused_session_costs_no_training_and_sends_no_frames(make_server):
    srv = make_server()

    async def scenario():
        async with Client(srv.ws_url) as c:
            await c.start()
            await c.send({"type": "play"})
            await c.expect("frame")
            await c.send({"type": "pause"})
            await c.expect("state", state="paused")
            await c.expect("frame")
            before = health(srv)
            with pytest.raises(asyncio.TimeoutError):
                await c.recv(timeout=1.0)
            after = health(srv)
            assert after["training"] == 0 and after["slices"] == before["slices"] > 0

    run(scenario())


@pytest.mark.slow
def test_a_client_that_stops_reading_loses_no_history(server):
    async def scenario():
        c = Client(server.ws_url, max_queue=2)  # the client library stops reading when 2 wait
        await c.__aenter__()
        await c.start()
        await c.send({"type": "play"})
        await c.expect("frame")
        await asyncio.sleep(1.5)  # not reading: the server's sends block, history accumulates
        epochs = []
        for _ in range(10):
            frame = await c.expect("frame")
            epochs += [h[0] for h in frame["history"]]
        previous = c.frames[-11][0]["epoch"]  # the frame read before the pause in reading
        assert epochs == list(range(previous + 1, epochs[-1] + 1))
        c.ws.transport.abort()  # a closing handshake would queue behind the unread frames

    run(scenario())
    wait_for_health(server, sessions=0)


@pytest.mark.slow
def test_custom_points_limit_and_a_large_import(make_server):
    srv = make_server("--max-points", "3000")

    async def scenario():
        async with Client(srv.ws_url) as c:
            await c.start()
            grid = [[-6 + 12 * (i % 60) / 59, -6 + 12 * (i // 60) / 49, i % 2] for i in range(3000)]
            await c.send({"type": "points", "clear": True, "add": grid})  # a CSV import's size
            data = await c.expect("data", version=1)
            assert len(data["train"]) + len(data["test"]) == 3000
            await c.send({"type": "points", "add": [[0.0, 0.0, 1]]})
            error = await c.expect("error")
            assert error["code"] == "too_many_points" and "3000" in error["message"]
            await c.send({"type": "points", "remove": [[0.0, 0.0]], "add": [[0.0, 0.0, 1]]})
            reply = await c.expect("config")
            assert reply["version"] == 2  # one removed, one added: fits

    run(scenario())


@pytest.mark.slow
def test_playing_on_an_empty_plane_costs_nothing_until_points_come(make_server):
    srv = make_server()

    async def scenario():
        async with Client(srv.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": {"dataset": "custom", "epochs_per_second": 0}})
            await c.expect("config")
            await c.send({"type": "points", "clear": True})
            await c.expect("data")
            await c.send({"type": "play"})
            await c.expect("state", state="playing")
            await asyncio.sleep(0.3)
            before = health(srv)
            await asyncio.sleep(1.0)
            after = health(srv)
            assert after["training"] == 0 and after["slices"] == before["slices"]
            # drawn points wake it up: training starts without another play
            await c.send({"type": "points", "add": [[1, 1, 0], [-1, -1, 1], [2, 2, 0], [-2, -2, 1]]})
            frame = await c.expect("frame", timeout=10)
            while frame["epoch"] < 1:
                frame = await c.expect("frame", timeout=10)
            assert health(srv)["slices"] > after["slices"]

    run(scenario())
