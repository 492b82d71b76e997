"""Issue 6 through the server: lessons, compare sessions, run length, early stopping, the
hidden-space view, the gradient check and the activation curves (real uvicorn, real sockets)."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from support.client import Client, run

from engine.lessons import load_lessons

ROOT = Path(__file__).resolve().parent.parent
LESSONS = load_lessons()
COMPARE = [lesson for lesson in LESSONS if lesson["compare"] is not None]
# compare lessons whose right side has no points of its own (AND vs OR has) share the left's data
SHARED = [lesson for lesson in COMPARE if lesson["compare_points"] == lesson["points"]]
PLAIN = [lesson for lesson in LESSONS if lesson["compare"] is None]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.headers["content-type"].startswith("application/json")
        return json.loads(r.read())


def engine_part(config: dict) -> dict:
    return {k: v for k, v in config.items() if k not in ("epochs_per_second", "fps", "early_stopping")}


# ---- GET /api/lessons, GET /api/activations --------------------------------------------------------

def test_lessons_endpoint_lists_every_lesson_in_order_with_both_languages(server):
    lessons = get_json(server.url + "/api/lessons")["lessons"]
    assert len(lessons) == len(LESSONS) >= 15
    assert [l["id"] for l in lessons] == [l["id"] for l in LESSONS]
    assert [l["order"] for l in lessons] == sorted(l["order"] for l in lessons)
    for served, lesson in zip(lessons, LESSONS):
        assert {"id", "order", "title", "explanation", "config", "compare", "play", "epochs", "early_stopping",
                "watch", "keys"} <= set(served)
        assert served["title"]["en"] and served["title"]["zh"] and served["explanation"]["zh"]
        assert served["config"] == lesson["config"] and served["compare"] == lesson["compare"]
    vanishing = next(l for l in lessons if l["id"] == "vanishing_gradient")
    assert vanishing["epochs"] == 100 and vanishing["compare"]["activation"] == "relu"


def test_early_stopping_is_a_session_key_in_the_schema_with_its_range(server):
    schema = get_json(server.url + "/api/schema")
    assert schema["session"]["early_stopping"] == {**schema["session"]["early_stopping"], "kind": "int",
                                                   "default": 0, "lo": 0, "hi": 1000}
    assert schema["limits"]["max_upload_bytes"] == 1_000_000

    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": {"early_stopping": 1001}})
            error = await c.expect("error")
            assert error["field"] == "early_stopping" and "1000" in error["message"]

    run(scenario())


def test_activation_curves_cover_every_schema_activation(server):
    curves = get_json(server.url + "/api/activations")["activations"]
    choices = get_json(server.url + "/api/schema")["config"]["activation"]["choices"]
    assert set(choices) <= set(curves)
    for name in choices:
        assert len(curves[name]["x"]) == len(curves[name]["y"]) == len(curves[name]["dy"]) == 121
    assert curves["sigmoid"]["x"][0] == -6 and curves["sigmoid"]["x"][-1] == 6
    assert max(curves["sigmoid"]["dy"]) == pytest.approx(0.25, abs=1e-9)
    relu_dy = dict(zip(curves["relu"]["x"], curves["relu"]["dy"]))
    assert relu_dy[-3.0] == 0 and relu_dy[3.0] == 1


# ---- the lesson message -----------------------------------------------------------------------------

async def apply(c: Client, lesson_id: str, side: str = "left") -> dict:
    """Send a lesson; check the reply order (lesson, config, data, state); return them."""
    await c.send({"type": "lesson", "id": lesson_id, "side": side})
    ack = await c.recv()
    while ack["type"] == "frame":
        ack = await c.recv()
    assert ack == {"type": "lesson", "id": lesson_id, "side": side}
    config = await c.recv()
    assert config["type"] == "config"
    data = await c.recv()
    assert data["type"] == "data" and data["version"] == config["version"]
    state = await c.recv()
    assert state["type"] == "state" and state["epoch"] == 0
    return {"config": config, "data": data, "state": state}


def test_a_lesson_sets_its_config_both_sides_and_its_pacing(server):
    lesson = next(l for l in LESSONS if l["id"] == "overfitting_regularization")

    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": {"learning_rate": 0.5, "hidden": [7], "fps": 12}})
            await c.expect("config")
            got = await apply(c, lesson["id"])
            assert engine_part(got["config"]["config"]) == lesson["config"]
            assert got["config"]["config"]["early_stopping"] == lesson["early_stopping"] == 1000  # runs its 1000 epochs
            assert got["config"]["config"]["fps"] == 12  # the session's own pace stays
            assert got["config"]["reset"] == ["data", "network", "optimizer"]
            assert got["state"]["state"] == ("playing" if lesson["play"] else "paused")
            frame = await c.expect("frame", version=got["config"]["version"])
            assert frame["early_stopping"]["patience"] == 1000
            got = await apply(c, lesson["id"], "right")
            assert engine_part(got["config"]["config"]) == lesson["compare"]
            assert got["config"]["config"]["regularization"] == "l2"
            # a lesson without early stopping turns it off
            got = await apply(c, "vanishing_gradient")
            assert got["config"]["config"]["early_stopping"] == 0
            assert (await c.expect("frame", version=got["config"]["version"]))["early_stopping"] is None

    run(scenario())


def test_every_lesson_sets_its_config_on_both_sides(server):
    """Every lesson, one after another on one session: its config on the left, its `compare`
    config on the right (a lesson without one refuses the right side). The browser test checks
    the page shows whatever config the server sends, for a few of them."""
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            for lesson in LESSONS:
                got = await apply(c, lesson["id"])
                assert engine_part(got["config"]["config"]) == lesson["config"], lesson["id"]
                assert got["config"]["config"]["early_stopping"] == (lesson["early_stopping"] or 0), lesson["id"]
                assert got["state"]["state"] == ("playing" if lesson["play"] else "paused"), lesson["id"]
                if lesson["compare"] is None:
                    continue
                got = await apply(c, lesson["id"], "right")
                assert engine_part(got["config"]["config"]) == lesson["compare"], lesson["id"]

    run(scenario())


@pytest.mark.parametrize("message, code, field, text", [
    ({"type": "lesson", "id": "no_such_lesson"}, "unknown_lesson", "id", "vanishing_gradient"),
    ({"type": "lesson", "id": PLAIN[0]["id"], "side": "right"}, "invalid_value", "side", "allowed: left"),
    ({"type": "lesson", "id": "vanishing_gradient", "side": "middle"}, "bad_message", "side", "left"),
    ({"type": "lesson"}, "bad_message", "id", "required"),
])
def test_bad_lesson_messages_are_refused_and_change_nothing(server, message, code, field, text):
    async def scenario():
        async with Client(server.ws_url) as c:
            hello = await c.start()
            await c.send(message)
            error = await c.expect("error")
            assert (error["code"], error["field"]) == (code, field) and text in error["message"]
            await c.send({"type": "config", "patch": {}})
            assert (await c.expect("config"))["config"] == hello["config"]

    run(scenario())


@pytest.mark.slow
def test_two_sessions_on_the_two_sides_of_a_compare_lesson_share_one_dataset(server):
    async def scenario():
        assert len(SHARED) >= 8
        for lesson in SHARED:
            async with Client(server.ws_url) as left, Client(server.ws_url) as right:
                await left.start()
                await right.start()
                a = await apply(left, lesson["id"], "left")
                b = await apply(right, lesson["id"], "right")
                assert a["data"]["train"] == b["data"]["train"], lesson["id"]
                assert a["data"]["test"] == b["data"]["test"], lesson["id"]
                assert a["config"]["config"] != b["config"]["config"]

    run(scenario())


@pytest.mark.slow
def test_a_lessons_epochs_pause_training_exactly_there(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": {"epochs_per_second": 0}})
            await c.expect("config")
            got = await apply(c, "vanishing_gradient")
            assert got["state"]["state"] == "playing"
            state = await c.expect("state", timeout=60)
            assert state == {**state, "state": "paused", "reason": "epochs", "epoch": 100}
            frame = await c.expect("frame")
            assert frame["epoch"] == 100 and frame["history"][-1][0] == 100
            # playing again goes on past it: the run length was used up
            await c.send({"type": "play"})
            assert (await c.expect("state"))["reason"] is None
            frame = await c.expect("frame")
            while frame["epoch"] <= 100:
                frame = await c.expect("frame")

    run(scenario())


def test_early_stopping_pauses_a_noisy_overfitting_run_at_its_patience(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": {
                "dataset": "xor", "noise": 50, "n_samples": 40, "train_ratio": 30, "hidden": [16, 16],
                "learning_rate": 0.3, "batch_size": 1, "seed": 3, "epochs_per_second": 0, "early_stopping": 5}})
            assert (await c.expect("config"))["config"]["early_stopping"] == 5
            await c.send({"type": "play"})
            history = []
            while True:
                message = await c.recv(timeout=60)
                if message["type"] == "frame":
                    history += message["history"]
                elif message["type"] == "state" and message["state"] == "paused":
                    break
            assert message["reason"] == "early_stopping"
            frame = await c.expect("frame")
            history += frame["history"]
            stop = frame["early_stopping"]
            assert stop["patience"] == 5 and stop["stopped"] is True
            tests = [h[2] for h in history]
            best = int(np.argmin(tests))
            assert stop["best_epoch"] == history[best][0]
            assert stop["best_loss"] == pytest.approx(tests[best], rel=1e-6)
            assert message["epoch"] - stop["best_epoch"] == 5  # exactly at the patience, not past it
            assert frame["epoch"] == message["epoch"] == history[-1][0]
            assert all(t > stop["best_loss"] for t in tests[best + 1:])
            # a reset forgets the best epoch
            await c.send({"type": "reset"})
            reply = await c.expect("config")
            frame = await c.expect("frame", version=reply["version"])
            assert frame["early_stopping"] == {"patience": 5, "best_epoch": None, "best_loss": None,
                                               "stopped": False}
            # a long `step` stops there too, exactly
            await c.send({"type": "step", "epochs": 1000})
            state = await c.expect("state", timeout=60)
            frame = await c.expect("frame")
            assert state["reason"] == "early_stopping" and state["state"] == "paused"
            assert frame["epoch"] == state["epoch"] == frame["early_stopping"]["best_epoch"] + 5

    run(scenario())


# ---- hidden space -----------------------------------------------------------------------------------

def test_hidden_space_subscription_streams_the_mapped_grid_and_points(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "step", "epochs": 3})
            await c.expect("frame", epoch=3)
            await c.send({"type": "hidden_space", "layer": 0, "units": [1, 3]})
            header = await c.expect("frame")
            while "hidden_space" not in header:
                header = await c.expect("frame")
            arrays = c.frames[-1][1]
            space = header["hidden_space"]
            assert space["layer"] == 0 and space["units"] == [1, 3]
            assert space["lines"] == 13 and space["samples"] == 60
            assert arrays["hidden_lines"].shape == (2, 13, 60, 2) and arrays["hidden_lines"].dtype == np.float32
            points = arrays["hidden_points"]
            assert points.shape == (500, 3) and space["n_train"] == 250
            weights = next(a for _h, a in reversed(c.frames) if "weights.0" in a)
            expected_grid = np.tanh(np.array([[-6.0, -6.0], [6.0, 6.0]]) @ weights["weights.0"] + weights["biases.0"])
            assert np.allclose(arrays["hidden_lines"][0, 0, 0], expected_grid[0, [1, 3]], atol=1e-5)
            assert np.allclose(arrays["hidden_lines"][1, -1, -1], expected_grid[1, [1, 3]], atol=1e-5)
            lo_u, hi_u = space["range"]["u"]
            assert lo_u <= points[:, 0].min() and points[:, 0].max() <= hi_u
            await c.send({"type": "hidden_space", "layer": None})
            assert await c.expect("hidden_space") == {"type": "hidden_space", "layer": None}
            await c.send({"type": "snapshot"})
            frame = await c.expect("frame")
            assert "hidden_space" not in frame and "hidden_points" not in c.frames[-1][1]

    run(scenario())


def test_hidden_space_points_are_the_data_mapped_train_first(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "points", "clear": True, "add": [[1.0, 2.0, 0], [-3.0, 0.5, 1], [4.0, -4.0, 1]]})
            data = await c.expect("data")
            await c.send({"type": "hidden_space", "layer": 1, "units": [0, 1]})
            frame = await c.expect("frame")
            while "hidden_space" not in frame:
                frame = await c.expect("frame")
            weights = next(a for _h, a in reversed(c.frames) if "weights.0" in a)
            rows = np.array(data["train"] + data["test"])
            h = np.tanh(np.tanh(rows[:, :2] @ weights["weights.0"] + weights["biases.0"]) @ weights["weights.1"]
                        + weights["biases.1"])
            got = c.frames[-1][1]["hidden_points"]
            assert frame["hidden_space"]["n_train"] == len(data["train"])
            assert np.allclose(got[:, :2], h, atol=1e-5) and np.array_equal(got[:, 2], rows[:, 2])

    run(scenario())


@pytest.mark.parametrize("message, field, text", [
    ({"type": "hidden_space", "layer": 2, "units": [0, 1]}, "layer", "0..1"),
    ({"type": "hidden_space", "layer": 0, "units": [0, 4]}, "units", "0..3"),
    ({"type": "hidden_space", "layer": 1, "units": [-1, 0]}, "units", "0..1"),
    ({"type": "hidden_space", "layer": 0}, "units", "two unit indices"),
    ({"type": "hidden_space", "layer": 0, "units": [0, 1, 2]}, "units", "at most 2"),
])
def test_bad_hidden_space_subscriptions_name_the_field_and_range(server, message, field, text):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send(message)
            error = await c.expect("error")
            assert error["field"] == field and text in error["message"]

    run(scenario())


def test_a_hidden_space_subscription_ends_when_its_layer_goes_away(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "hidden_space", "layer": 1, "units": [0, 1]})
            frame = await c.expect("frame")
            while "hidden_space" not in frame:
                frame = await c.expect("frame")
            await c.send({"type": "config", "patch": {"hidden": [3]}})
            reply = await c.expect("config")
            assert await c.expect("hidden_space") == {"type": "hidden_space", "layer": None}
            frame = await c.expect("frame", version=reply["version"])
            assert "hidden_space" not in frame

    run(scenario())


def test_a_diverged_network_sends_a_null_hidden_space(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "hidden_space", "layer": 0, "units": [0, 1]})
            await c.send({"type": "config", "patch": {"learning_rate": 10, "hidden": [8, 8], "activation": "relu",
                                                      "problem": "regression", "dataset": "plane"}})
            await c.expect("config")
            await c.send({"type": "step", "epochs": 5})
            state = await c.expect("state", timeout=60)
            assert state["state"] == "diverged"
            frame = await c.expect("frame")
            assert frame["diverged"] and frame["hidden_space"] is None

    run(scenario())


# ---- gradient check ---------------------------------------------------------------------------------

def test_gradient_check_of_the_default_network_passes(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "step", "epochs": 2})
            await c.expect("frame", epoch=2)
            await c.send({"type": "gradient_check"})
            reply = await c.expect("gradient_check", timeout=30)
            assert reply["max_relative_error"] < 1e-6 and reply["passed"] is True
            assert reply["parameters"] == 2 * 4 + 4 + 4 * 2 + 2 + 2 + 1 and reply["points"] == 20
            assert reply["threshold"] == 1e-4

    run(scenario())


# ---- lessons folder -----------------------------------------------------------------------------------

@pytest.mark.slow
def test_lessons_dir_setting_and_an_invalid_lesson_stops_startup(tmp_path, make_server, server_process):
    folder = tmp_path / "lessons"
    folder.mkdir()
    shutil.copy(ROOT / "lessons" / "020_xor_needs_hidden_layer.json", folder)
    proc = make_server(env={"NNP_LESSONS_DIR": str(folder)})
    lessons = get_json(proc.url + "/api/lessons")["lessons"]
    assert [l["id"] for l in lessons] == ["xor_needs_hidden_layer"]
    proc.stop()
    bad = json.loads((folder / "020_xor_needs_hidden_layer.json").read_text())
    bad["config"]["learning_rate"] = 99
    (folder / "030_bad.json").write_text(json.dumps({**bad, "id": "bad_one"}))
    proc = server_process("--lessons-dir", str(folder))
    with pytest.raises(RuntimeError, match="server exited"):
        proc.start()
    assert "030_bad.json: config.learning_rate" in proc.log.read_text()
