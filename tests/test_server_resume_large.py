"""The largest allowed network's run survives a restart too: its checkpoint (megabytes) goes back
as a `resume` within --max-resume-bytes, while every other message keeps --max-message-bytes
(issue 12). Real servers, real sockets, default size limits unless a test says otherwise."""

from __future__ import annotations

import json

import numpy as np
from support.client import Client, run

from bench.soak import LARGEST

BIG_RUN = {**LARGEST, "optimizer": "adam"}  # adam keeps the most optimizer state


async def _resume_message(c: Client) -> dict:
    """A resume of the run as the session has it now."""
    await c.send({"type": "checkpoint"})
    saved = await c.expect("checkpoint", timeout=120)
    return {"type": "resume", "state": saved["state"], "session": saved["session"], "history": []}


def test_the_largest_network_resumed_on_a_restarted_server_goes_on_exactly(make_server):
    srv = make_server()  # default limits: the checkpoint is far over max_message_bytes

    async def before() -> tuple[dict, dict, list, dict]:
        async with Client(srv.ws_url) as c:
            hello = await c.start()
            await c.send({"type": "config", "patch": BIG_RUN})
            await c.expect("config", timeout=60)
            await c.send({"type": "step", "epochs": 3})
            frame = await c.expect("frame", epoch=3, timeout=120)
            message = await _resume_message(c)
            message["history"] = frame["history"]
            await c.send({"type": "step", "epochs": 2})  # what the uninterrupted run does next
            going_on = await c.expect("frame", epoch=5, timeout=120)
            return hello["limits"], message, c.frames[-1][1]["output"], going_on

    limits, message, output, going_on = run(before())
    size = len(json.dumps(message))
    assert limits["max_message_bytes"] < size <= limits["max_resume_bytes"], (size, limits)
    srv.stop()
    srv.start(timeout=60)

    async def after() -> None:
        async with Client(srv.ws_url) as c:
            await c.start()
            await c.send(message)
            config = await c.expect("config", timeout=120)
            assert config["reset"] == [] and config["config"]["hidden"] == [64] * 16
            assert (await c.expect("state"))["epoch"] == 3
            assert (await c.expect("frame", timeout=60))["epoch"] == 3
            await c.send({"type": "step", "epochs": 2})
            resumed = await c.expect("frame", epoch=5, timeout=120)
            assert resumed["history"] == going_on["history"]  # bit for bit, epoch by epoch
            assert np.array_equal(c.frames[-1][1]["output"], output)

    run(after())


def test_only_a_resume_may_pass_the_message_limit(make_server):
    srv = make_server("--max-message-bytes", "100000", "--max-resume-bytes", "1000000",
                      "--max-frame-bytes", "8000000")
    padding = "x" * 200_000

    async def scenario() -> None:
        async with Client(srv.ws_url) as c:
            hello = await c.start()
            assert hello["limits"]["max_resume_bytes"] == 1_000_000
            over = [{"type": "config", "patch": {"noise": 5}, "pad": padding},  # not parsed at all
                    {"type": "load_model", "model": {"note": "resume", "pad": padding}},  # parsed, not a resume
                    '{"pad": "' + padding + '", "type": "resume"',  # not even JSON
                    ]
            for message in over:
                await c.send(message)
                error = await c.expect("error")
                assert error["code"] == "too_large" and error["field"] is None, error
                assert "allowed: at most 100000 bytes" in error["message"], error
                assert "--max-resume-bytes" in error["message"], error
            # a resume over the message limit is read and checked like any resume
            await c.send({"type": "resume", "state": {"format": "x", "pad": padding}})
            error = await c.expect("error")
            assert (error["code"], error["field"]) == ("invalid_resume", "state") and "format" in error["message"]
            await c.send({"type": "resume", "state": {"pad": "x" * 1_100_000}})  # over the resume limit
            error = await c.expect("error")
            assert error["code"] == "too_large" and "a resume: at most 1000000 bytes" in error["message"]
            await c.send({"type": "config", "patch": {"noise": 5}})  # the session lives on
            assert (await c.expect("config"))["config"]["noise"] == 5

    run(scenario())


def test_a_big_run_over_the_resume_limit_is_refused_by_name(make_server):
    # the resume limit set below the largest network's checkpoint: refused, the session goes on
    srv = make_server("--max-resume-bytes", "1048576", "--max-frame-bytes", "16000000")

    async def scenario() -> None:
        async with Client(srv.ws_url) as c:
            hello = await c.start()
            await c.send({"type": "config", "patch": BIG_RUN})
            await c.expect("config", timeout=60)
            message = await _resume_message(c)
            await c.send(message)
            error = await c.expect("error", timeout=60)
            assert error["code"] == "too_large" and "a resume: at most 1048576 bytes" in error["message"]
            await c.send({"type": "snapshot"})
            frame = await c.expect("frame", timeout=60)
            assert frame["version"] > hello["version"] and frame["epoch"] == 0  # still the session's own run

    run(scenario())
