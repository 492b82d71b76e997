"""Batched training across sessions in the server (issue 15 item 3): sessions of one StackKey train
as one stack in the scheduler, and each one's results stay bit for bit those of a lone run."""

from __future__ import annotations

import asyncio
import json

import numpy as np
from test_server_limits import health
from test_server_wire import Client, run

from engine import Trainer
from server.live.batch_losses import MAX_PER_FRAME
from server.live.scheduler import Scheduler
from server.live.session import Session
from server.settings import Settings
from server.wire.numbers import finite

# different seeds and rates (per-session columns of one stack); two play paced, two as fast as possible
CLIENTS = [{"seed": 11, "learning_rate": 0.03, "epochs_per_second": 0},
           {"seed": 12, "learning_rate": 0.1, "epochs_per_second": 0},
           {"seed": 13, "learning_rate": 0.3, "epochs_per_second": 120, "fps": 20},
           {"seed": 11, "learning_rate": 0.03, "epochs_per_second": 60}]
ENGINE_KEYS = ("seed", "learning_rate")


async def play_and_export(c: Client, patch: dict, pause_midway: bool, iterations: int = 60) -> tuple[list, dict]:
    """Configure, play until the frames show `iterations` mini-batches (pausing and playing
    again at half of them: the session leaves its stack and joins again), pause; returns
    (every history point the frames carried, the model)."""
    await c.start()
    await c.send({"type": "config", "patch": patch})
    await c.expect("config")
    await c.send({"type": "play"})
    await c.expect("state", state="playing")
    loop = asyncio.get_running_loop()
    end = loop.time() + 30  # a busy machine trains slowly; the test needs iterations, not speed
    paused_once = not pause_midway
    iteration = 0
    while loop.time() < end and iteration < iterations:
        message = await c.recv()
        iteration = message.get("iteration", iteration) if message["type"] == "frame" else iteration
        if not paused_once and iteration >= iterations // 2:
            paused_once = True
            await c.send({"type": "pause"})
            await c.expect("state", state="paused")
            await asyncio.sleep(0.2)
            await c.send({"type": "play"})
    await c.send({"type": "pause"})
    await c.expect("state", state="paused")
    await c.send({"type": "export", "format": "model"})
    model = json.loads((await c.expect("export", timeout=30))["content"])
    # the frame owed after the pause carries the last steps; replies go before frames, so it
    # may come after the export's reply (a fresh-clone CI run missed its last 6 batch losses)
    while c.frames[-1][0]["iteration"] < model["iteration"]:
        await c.expect("frame", timeout=10)
    history = [point for header, _ in c.frames for point in header["history"]]
    return history, model, [header.get("batch_losses", []) for header, _ in c.frames]


def test_sessions_of_one_shape_train_as_a_stack_and_each_gets_its_lone_results_bit_for_bit(make_server):
    server = make_server("--workers", "1")
    before = health(server)

    async def scenario():
        clients = [Client(server.ws_url) for _ in CLIENTS]
        for c in clients:
            await c.__aenter__()
        try:
            return await asyncio.gather(*(play_and_export(c, patch, pause_midway=i == 1)
                                          for i, (c, patch) in enumerate(zip(clients, CLIENTS))))
        finally:
            for c in clients:
                await c.__aexit__()

    results = run(scenario())
    after = health(server)
    stacked = after["stacked_slices"] - before["stacked_slices"]
    assert stacked > 0  # they did train as stacks, of two sessions or more each
    assert 2 * stacked <= after["stacked_sessions"] - before["stacked_sessions"] <= len(CLIENTS) * stacked
    for patch, (history, model, batch_losses) in zip(CLIENTS, results):
        lone = Trainer({k: patch[k] for k in ENGINE_KEYS})
        assert model["iteration"] >= 60  # past two epoch ends (25 batches each)
        lone_history = lone.step(model["iteration"])
        assert lone.epoch == model["epoch"]
        for mine, theirs in zip(model["weights"] + model["biases"], lone.network.weights + lone.network.biases):
            assert np.array_equal(np.asarray(mine, dtype=np.float64), theirs)  # bit for bit (JSON floats round-trip)
        # the frames' history is the lone run's, epoch for epoch, loss for loss (as the wire rounds them)
        assert history == [[e, finite(tr), finite(te)] for e, tr, te in lone_history]
        # and so are the mini-batch losses, step for step (a stack once kept none: the page's
        # jitter line stayed empty for every student of a class); a busy frame thins its share
        got, want = [v for losses in batch_losses for v in losses], [finite(v) for v in lone.take_batch_losses()]
        if all(len(losses) < MAX_PER_FRAME for losses in batch_losses):
            assert got == want
        else:
            assert len(got) >= MAX_PER_FRAME and set(got) <= set(want)


def test_a_rate_change_keeps_the_session_in_its_stack_and_a_shape_change_moves_it():
    async def scenario():
        scheduler = Scheduler()
        sessions: list[Session] = []
        for i in range(3):  # as the hub wires them: a change puts the session back in the rotation
            sessions.append(Session(Settings(), on_training_change=lambda i=i: scheduler.update(sessions[i])))
            sessions[i].play()
            scheduler.groups.key(sessions[i])  # its turn in the rotation files it
        a, b, c = sessions
        assert set(scheduler.groups.peers(a)) == {b, c}
        await b.apply_config({"learning_rate": 0.3, "reg_rate": 0.01})  # rates: same stack
        assert set(scheduler.groups.peers(a)) == {b, c}
        await c.apply_config({"hidden": [3]})  # another shape: another stack
        assert scheduler.groups.peers(a) == [b] and scheduler.groups.peers(c) == []
        await c.apply_config({"hidden": [5, 2], "optimizer": "adam"})  # another rule: another stack
        assert scheduler.groups.key(c) != scheduler.groups.key(a) and scheduler.groups.peers(c) == []
        await c.apply_config({"hidden": [4, 2], "optimizer": "sgd"})  # back: joins again at its turn
        scheduler.groups.key(c)
        assert set(scheduler.groups.peers(a)) == {b, c}
        scheduler.remove(b)  # paused or closed: gone from its stack
        assert scheduler.groups.peers(a) == [c]

    run(scenario())  # its own thread: the browser tests keep a loop running in this one
