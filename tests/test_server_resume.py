"""`checkpoint` and `resume` on a real server: a run handed to a restarted process goes on
exactly where it was (weights, optimizer, random stream, epoch, loss history), and every bad
field of a resume is refused by name with nothing changed (issue 12's restart row)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from support.client import Client, run

from bench.soak import LARGEST

RUN = {"hidden": [5, 3], "optimizer": "adam", "dropout": 0.1, "batch_size": 7, "dataset": "xor"}


async def _checkpoint(c: Client) -> dict:
    await c.send({"type": "checkpoint"})
    return await c.expect("checkpoint")


def test_a_run_resumed_on_a_restarted_server_goes_on_exactly(make_server):
    srv = make_server()

    async def before() -> tuple[dict, list, dict, list]:
        async with Client(srv.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": {**RUN, "epochs_per_second": 250, "early_stopping": 50}})
            await c.expect("config")
            await c.send({"type": "step", "epochs": 30})
            frame = await c.expect("frame", epoch=30, timeout=30)
            history = frame["history"]
            saved = await _checkpoint(c)
            assert saved["epoch"] == 30 and saved["state"]["model"]["epoch"] == 30
            assert saved["session"] == {"epochs_per_second": 250, "fps": 30, "early_stopping": 50}
            await c.send({"type": "step", "epochs": 5})  # what the uninterrupted run does next
            going_on = await c.expect("frame", epoch=35, timeout=30)
            return saved, history, going_on, c.frames[-1][1]["output"]

    saved, history, going_on, output = run(before())
    srv.stop()
    srv.start(timeout=60)  # a busy machine can take a while to start a server

    async def after() -> None:
        async with Client(srv.ws_url) as c:
            await c.start()
            await c.send({"type": "resume", "state": saved["state"], "session": saved["session"],
                          "history": history})
            config = await c.expect("config")
            assert config["reset"] == [] and config["config"]["hidden"] == [5, 3]
            await c.expect("data")
            assert (await c.expect("state"))["epoch"] == 30
            keys = await c.expect("config")  # the session keys follow
            assert keys["config"]["early_stopping"] == 50 and keys["config"]["epochs_per_second"] == 250
            assert (await c.expect("frame"))["epoch"] == 30
            await c.send({"type": "step", "epochs": 5})
            resumed = await c.expect("frame", epoch=35, timeout=30)
            assert resumed["metrics"]["train_loss"] == going_on["metrics"]["train_loss"]
            assert resumed["history"] == going_on["history"]  # bit for bit: the same losses epoch by epoch
            assert np.array_equal(c.frames[-1][1]["output"], output)
            await c.send({"type": "export", "format": "history_csv"})
            csv = (await c.expect("export"))["content"].splitlines()
            assert len(csv) == 1 + 35 and csv[1].startswith("1,") and csv[-1].startswith("35,")

    run(after())


def _bad(state: dict, path: tuple, value) -> dict:
    state = copy.deepcopy(state)
    target = state
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return state


@pytest.mark.parametrize("change, code, field, words", [
    ({"state": {"format": "x"}}, "invalid_resume", "state", "format"),
    ({"state": ("optimizer", "t"), "value": -1}, "invalid_resume", "state", "optimizer.t"),
    ({"state": ("model", "config", "hidden"), "value": [3, 0]}, "invalid_resume", "state", "model.config.hidden"),
    ({"state": ("random", "state"), "value": 12}, "invalid_resume", "state", "random.state"),
    ({"session": {"fps": 0}}, "invalid_resume", "session", "fps"),
    ({"session": {"hidden": [2]}}, "invalid_resume", "session", "hidden"),
    ({"history": [[3, 0.1, 0.2], [2, 0.1, 0.2]]}, "invalid_resume", "history", "history[1]"),
    ({"history": [[99, 0.1, 0.2]]}, "invalid_resume", "history", "at most"),
    ({"history": [[1.5, 0.1, 0.2]]}, "invalid_resume", "history", "whole number"),
    ({"history": [["1", 0.1, 0.2]]}, "bad_message", "history", "history.0.0"),
    ({"history": [[1, 0.1]]}, "bad_message", "history", "history.0"),
    ({"extra": 1}, "bad_message", "extra", "unknown field"),
])
def test_a_bad_resume_is_refused_by_name_and_changes_nothing(server, change, code, field, words):
    async def scenario():
        async with Client(server.ws_url) as c:
            hello = await c.start()
            await c.send({"type": "step", "epochs": 3})
            await c.expect("frame", epoch=3)
            saved = await _checkpoint(c)
            message = {"type": "resume", "state": saved["state"], "session": saved["session"], "history": []}
            if isinstance(change.get("state"), tuple):
                message["state"] = _bad(saved["state"], change["state"], change["value"])
            elif "state" in change:
                message["state"] = {**saved["state"], **change["state"]}
            else:
                message.update(change)
            await c.send(message)
            error = await c.expect("error")
            assert (error["code"], error["field"]) == (code, field) and words in error["message"]
            await c.send({"type": "snapshot"})
            frame = await c.expect("frame")
            assert frame["epoch"] == 3 and frame["version"] == hello["version"]  # nothing changed

    run(scenario())


def test_a_resume_past_the_memory_budget_is_refused(make_server):
    # the largest network's checkpoint is megabytes: both servers take messages that big
    limits = ("--max-message-bytes", "16000000", "--max-frame-bytes", "16000000")
    big = make_server("--max-memory-mb", "150", *limits)
    small = make_server(*limits)

    async def scenario():
        async with Client(small.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": LARGEST})
            await c.expect("config", timeout=60)
            await c.send({"type": "checkpoint"})
            saved = await c.expect("checkpoint", timeout=60)
        async with Client(big.ws_url) as c:
            await c.start()
            await c.send({"type": "resume", "state": saved["state"]})
            error = await c.expect("error", timeout=60)
            assert (error["code"], error["field"]) == ("invalid_resume", "state")
            assert "--max-memory-mb" in error["message"]

    run(scenario())


def test_a_diverged_run_has_no_checkpoint(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": {"learning_rate": 10, "problem": "regression",
                                                      "dataset": "plane"}})
            await c.expect("config")
            await c.send({"type": "step", "epochs": 200})
            await c.expect("state", state="diverged", timeout=30)
            saved = await _checkpoint(c)
            assert saved["state"] is None and saved["reason"] == "diverged"

    run(scenario())
