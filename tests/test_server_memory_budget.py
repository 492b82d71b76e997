"""--max-memory-mb holds for everything that grows a session, not only config patches: point
edits, a loaded model and a resumed run are refused by name when they would pass the budget,
with nothing applied (issue 12's memory budget)."""

from __future__ import annotations

import json

import numpy as np
from support.client import Client, run

from bench.soak import LARGEST

BIG_MESSAGES = ("--max-message-bytes", "16000000", "--max-frame-bytes", "16000000")
SMALL_DATA = {**LARGEST, "n_samples": 100, "batch_size": 2000}  # the largest network on 100 points


def test_points_that_would_pass_the_budget_are_refused_whole(make_server):
    server = make_server("--max-memory-mb", "300", *BIG_MESSAGES)

    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": SMALL_DATA})
            await c.expect("config", timeout=60)
            await c.send({"type": "snapshot"})
            before = await c.expect("frame", timeout=60)
            rng = np.random.default_rng(1)
            add = [[float(x), float(y), int(x * y > 0)] for x, y in rng.uniform(-5, 5, (1900, 2))]
            await c.send({"type": "points", "clear": True, "add": add})
            error = await c.expect("error", timeout=60)
            assert (error["code"], error["field"]) == ("invalid_value", "points")
            assert "--max-memory-mb" in error["message"] and "300 MB" in error["message"]
            await c.send({"type": "snapshot"})
            frame = await c.expect("frame", timeout=60)
            assert frame["version"] == before["version"]  # not even the clear ran
            await c.send({"type": "points", "add": add[:20]})  # a few more points fit
            assert (await c.expect("config", timeout=60))["config"]["dataset"] == "custom"

    run(scenario())


def test_a_model_that_would_pass_the_budget_is_refused(make_server):
    source = make_server(*BIG_MESSAGES)
    target = make_server("--max-memory-mb", "150", *BIG_MESSAGES)

    async def scenario():
        async with Client(source.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": SMALL_DATA})
            await c.expect("config", timeout=60)
            await c.send({"type": "export", "format": "model"})
            model = json.loads((await c.expect("export", timeout=60))["content"])
        async with Client(target.ws_url) as c:
            hello = await c.start()
            await c.send({"type": "load_model", "model": model})
            error = await c.expect("error", timeout=60)
            assert (error["code"], error["field"]) == ("invalid_model", "model")
            assert "--max-memory-mb" in error["message"]
            await c.send({"type": "snapshot"})
            assert (await c.expect("frame"))["version"] == hello["version"]
            # the session goes on as it was
            await c.send({"type": "step", "epochs": 2})
            assert (await c.expect("frame", epoch=2))["version"] == hello["version"]

    run(scenario())
