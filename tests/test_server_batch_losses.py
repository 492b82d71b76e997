"""Frames carry every mini-batch step's loss since the previous frame (docs/protocol.md)."""

from __future__ import annotations

import numpy as np
from test_server_wire import Client, run

from server.live.batch_losses import MAX_PER_FRAME, BatchLosses, thinned


def test_up_to_the_limit_every_loss_goes_out_as_is():
    losses = np.linspace(1, 0, MAX_PER_FRAME)
    assert np.array_equal(thinned(losses), losses)


def test_thinning_keeps_each_runs_extremes_in_order():
    rng = np.random.default_rng(0)
    losses = rng.random(10_000)
    losses[1234] = 5.0  # a spike must survive
    out = thinned(losses)
    assert out.size == MAX_PER_FRAME and 5.0 in out
    assert out.max() == losses.max() and out.min() == losses.min()
    smooth = thinned(np.linspace(1, 0, 10_000))
    assert np.all(np.diff(smooth) <= 0)  # a falling curve stays falling


def test_the_store_empties_when_taken_and_on_a_new_run():
    store = BatchLosses()
    store.record(np.array([0.5, np.nan]))
    assert store.take() == [0.5, None] and store.take() == []
    store.record(np.array([0.5]))
    store.clear()
    assert store.take() == []


def test_batch_size_one_sends_every_step_and_jitters_full_batch_falls(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            hello = await c.start()
            n_train = round(hello["config"]["n_samples"] * hello["config"]["train_ratio"] / 100)
            await c.send({"type": "config", "patch": {"batch_size": 1, "seed": 4}})
            await c.expect("config")
            await c.send({"type": "step", "epochs": 1})
            frame = await c.expect("frame", epoch=1)
            one = frame["batch_losses"]
            assert len(one) == n_train <= MAX_PER_FRAME
            assert np.mean(np.diff(one) > 0) > 0.3  # goes up about as often as down
            await c.send({"type": "config", "patch": {"batch_size": 2000}})
            await c.expect("config")
            await c.send({"type": "step", "epochs": 5})
            frame = await c.expect("frame", epoch=6)
            full = frame["batch_losses"]
            assert len(full) == 5 and np.all(np.diff(full) < 0)

    run(scenario())
