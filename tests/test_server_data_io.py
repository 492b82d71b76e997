"""Issue 5 through the server: CSV upload, point editing while training, exports and loading
a model back (real uvicorn, real HTTP and WebSocket)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import numpy as np
import pytest
from support.client import Client, run

from engine.datasets import grid_points


def post_csv(server, body: bytes, query: str = "problem=classification") -> tuple[int, dict]:
    """(status, JSON body) of POST /api/csv."""
    request = urllib.request.Request(f"{server.url}/api/csv?{query}", data=body, method="POST",
                                     headers={"Content-Type": "text/csv"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        assert e.headers["content-type"].startswith("application/json")
        return e.code, json.loads(e.read())


# ---- POST /api/csv: good files -------------------------------------------------------------------

def test_csv_with_header_and_class_names(server):
    status, body = post_csv(server, b"x,y,label\n1,2,cat\n-1,-2,dog\n3,0.5,cat\n")
    assert status == 200
    assert body["points"] == [[1.0, 2.0, 0.0], [-1.0, -2.0, 1.0], [3.0, 0.5, 0.0]]
    assert body["class_names"] == ["cat", "dog"] and body["n_classes"] == 2
    assert body["problem"] == "classification" and body["rows"] == 3 and body["scale"] == 1.0
    assert any("header" in m for m in body["messages"])


def test_csv_without_header_numeric_labels_three_classes_rescaled(server):
    status, body = post_csv(server, b"12,0,0\n0,-6,1\n-3,3,2\n", "problem=classification&n_classes=3")
    assert status == 200
    assert body["n_classes"] == 3 and body["class_names"] is None and body["scale"] == 0.5
    assert body["points"] == [[6.0, 0.0, 0.0], [0.0, -3.0, 1.0], [-1.5, 1.5, 2.0]]
    assert any("scaled by 0.5" in m for m in body["messages"])


def test_csv_regression_targets_are_real_numbers(server):
    status, body = post_csv(server, b"x,y,value\n0,0,-2.5\n1,1,3.25\n", "problem=regression&n_classes=3")
    assert status == 200
    assert body["problem"] == "regression" and body["n_classes"] == 1
    assert body["points"] == [[0.0, 0.0, -2.5], [1.0, 1.0, 3.25]]


# ---- POST /api/csv: bad files, each with its precise message --------------------------------------

BAD_FILES = [
    (b"", None, "the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "binary file"),
    (b"x,y,label\n1,2,0\n3,4\n", 3, "line 3: expected 3 columns (x, y, label) or 4 (x, y, label, split), found 2"),
    (b"1,2,0\n3,nan,1\n", 2, "line 2: y is 'nan'; values must be finite numbers"),
    (b"1,2,0\n3,4,1\n\xff\xfe,1,0\n", 3, "line 3: not UTF-8 text (byte 0xff)"),
    (b"x,y,label\n1,2,a\n3,4,=HYPERLINK(\"http://evil\")\n", 3, "line 3: label '=HYPERLINK(\"http://evil\")' "
                                                                "looks like a spreadsheet formula"),
    (b"1,2,0\n1,2,7\n", 2, "line 2: label 7 is not a class; allowed: whole numbers 0..4"),
]


@pytest.mark.parametrize("body, line, text", BAD_FILES, ids=["empty", "binary", "columns", "nan", "not-utf8",
                                                             "formula", "label"])
def test_bad_csv_gets_a_400_naming_the_line_and_the_problem(server, body, line, text):
    status, reply = post_csv(server, body)
    assert status == 400
    error = reply["error"]
    assert error["code"] == "bad_csv" and error["field"] == "csv" and error["line"] == line
    assert text in error["message"]


@pytest.mark.slow
def test_csv_too_big_is_refused_with_413(make_server):
    small = make_server("--max-upload-bytes", "2000")
    status, reply = post_csv(small, b"1,2,0\n" * 1000)  # 6000 bytes
    assert status == 413
    assert reply["error"]["code"] == "too_large" and "at most 2,000 bytes" in reply["error"]["message"]
    status, reply = post_csv(small, b"1,2,0\n" * 100)
    assert status == 200 and reply["rows"] == 100


@pytest.mark.parametrize("query, field", [("problem=poetry", "problem"), ("", "problem"),
                                          ("problem=classification&n_classes=9", "n_classes"),
                                          ("problem=classification&n_classes=two", "n_classes")])
def test_bad_query_names_the_parameter(server, query, field):
    status, reply = post_csv(server, b"1,2,0\n", query)
    assert status == 400
    assert reply["error"]["code"] == "invalid_value" and reply["error"]["field"] == field
    assert "allowed" in reply["error"]["message"]


# ---- points while training -----------------------------------------------------------------------

def test_points_can_carry_their_own_train_test_split(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            rows = [[-3.0, 1.0, 0], [3.0, 1.0, 1], [-3.0, -1.0, 0], [3.0, -1.0, 1]]
            await c.send({"type": "points", "clear": True, "add": rows, "train": [True, True, False, False]})
            data = await c.expect("data")
            assert data["train"] == [[-3.0, 1.0, 0.0], [3.0, 1.0, 1.0]]
            assert data["test"] == [[-3.0, -1.0, 0.0], [3.0, -1.0, 1.0]]
            # one flag per added point, or the message is refused and the data stay
            await c.send({"type": "points", "add": [[1.0, 1.0, 0]], "train": [True, False]})
            error = await c.expect("error")
            assert error["code"] == "bad_message" and "one true/false flag per point" in error["message"]
            await c.send({"type": "points", "clear": True, "train": [True]})
            assert "flag per point of add" in (await c.expect("error"))["message"]
            await c.send({"type": "snapshot"})
            await c.expect("frame")
            await c.send({"type": "export", "format": "data_csv"})
            csv_text = (await c.expect("export"))["content"]
            assert csv_text.splitlines()[1:] == ["-3.0,1.0,0,train", "3.0,1.0,1,train", "-3.0,-1.0,0,test", "3.0,-1.0,1,test"]
            # the names an uploaded file had come back in the download (a formula-like one defused)
            await c.send({"type": "export", "format": "data_csv", "class_names": ["cat", "=dog"]})
            named = (await c.expect("export"))["content"].splitlines()
            assert named[1] == "-3.0,1.0,cat,train" and named[2].split(",")[2] == "'=dog"
            await c.send({"type": "export", "format": "data_csv", "class_names": ["only one"]})
            assert (await c.expect("error"))["field"] == "class_names"

    run(scenario())


def test_points_add_remove_clear_while_training_goes_on_on_the_new_data(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": {"epochs_per_second": 0}})
            await c.send({"type": "play"})
            frame = await c.expect("frame")
            while frame["epoch"] == 0:
                frame = await c.expect("frame")
            grid = [[x, y, int(x > 0)] for x in (-4.0, -2.0, 2.0, 4.0) for y in (-3.0, 0.0, 3.0)]
            await c.send({"type": "points", "clear": True, "add": grid})
            reply = await c.expect("config")
            assert reply["config"]["dataset"] == "custom"
            data = await c.expect("data", version=reply["version"])
            assert sorted(map(tuple, data["train"] + data["test"])) == sorted(tuple(map(float, p)) for p in grid)
            after = await c.expect("frame", version=reply["version"])
            later = await c.expect("frame")
            assert later["epoch"] > after["epoch"]  # training goes on, on the new points
            kept = {tuple(p) for p in data["train"]}
            await c.send({"type": "points", "remove": [[-4.1, -3.0]], "add": [[5.0, 5.0, 1]]})
            data = await c.expect("data")
            points = {tuple(p) for p in data["train"] + data["test"]}
            assert (-4.0, -3.0, 0.0) not in points and (5.0, 5.0, 1.0) in points and len(points) == len(grid)
            # the split of points that were already there is kept
            assert kept - {(-4.0, -3.0, 0.0)} <= {tuple(p) for p in data["train"]}
            version = data["version"]
            frame = await c.expect("frame", version=version)
            assert (await c.expect("frame"))["epoch"] > frame["epoch"]
            await c.send({"type": "points", "clear": True})
            data = await c.expect("data")
            assert data["train"] == [] and data["test"] == []
            await c.send({"type": "step", "epochs": 3})  # nothing to train on: must not hang
            await c.send({"type": "pause"})
            assert (await c.expect("state"))["state"] == "paused"

    run(scenario())


def latest(c: Client, name: str) -> np.ndarray:
    """The last `name` array received (weights travel only in some frames; a client keeps them)."""
    return next(arrays[name] for _header, arrays in reversed(c.frames) if name in arrays)


# ---- exports -------------------------------------------------------------------------------------

async def export(c: Client, fmt: str) -> dict:
    await c.send({"type": "export", "format": fmt})
    return await c.expect("export", format=fmt)


EXPECTED = {"model": ("nn-playground-model.json", "application/json"),
            "numpy": ("nn_playground_model.py", "text/x-python"),
            "pytorch": ("nn_playground_torch.py", "text/x-python"),
            "numpy_training": ("nn_playground_train.py", "text/x-python"),
            "pytorch_training": ("nn_playground_train_torch.py", "text/x-python"),
            "notebook": ("nn_playground.ipynb", "application/x-ipynb+json"),
            "data_csv": ("nn-playground-data.csv", "text/csv"),
            "history_csv": ("nn-playground-loss.csv", "text/csv")}


def test_every_export_format_has_its_file_name_type_and_content(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            hello = await c.start()
            await c.send({"type": "step", "epochs": 7})
            frame = await c.expect("frame")
            assert frame["epoch"] == 7
            replies = {fmt: await export(c, fmt) for fmt in EXPECTED}
            for fmt, (filename, mime) in EXPECTED.items():
                assert (replies[fmt]["filename"], replies[fmt]["mime"]) == (filename, mime)
            model = json.loads(replies["model"]["content"])
            assert model["format"] == "nn-playground-model" and model["epoch"] == 7
            assert model["config"]["seed"] == hello["config"]["seed"]
            assert "def predict(xy)" in replies["numpy"]["content"]
            assert "class PlaygroundNet(nn.Module)" in replies["pytorch"]["content"]
            assert "EPOCHS = 7\n" in replies["numpy_training"]["content"]  # retrains as far as the run went
            assert "loss.backward()" in replies["pytorch_training"]["content"]
            assert json.loads(replies["notebook"]["content"])["nbformat"] == 4
            rows = replies["data_csv"]["content"].splitlines()
            assert rows[0] == "x,y,label,split" and len(rows) == 1 + hello["config"]["n_samples"]
            assert {r.rsplit(",", 1)[1] for r in rows[1:]} == {"train", "test"}
            history = replies["history_csv"]["content"].splitlines()
            assert history[0] == "epoch,train_loss,test_loss"
            assert [int(r.split(",")[0]) for r in history[1:]] == [1, 2, 3, 4, 5, 6, 7]
            last = history[-1].split(",")
            assert float(last[1]) == pytest.approx(frame["metrics"]["train_loss"], rel=1e-5)
            # a reset starts a new run: the history download starts over
            await c.send({"type": "reset"})
            await c.expect("config")
            assert (await export(c, "history_csv"))["content"] == "epoch,train_loss,test_loss\n"

    run(scenario())


def test_model_round_trip_through_load_model_gives_identical_predictions(server):
    async def scenario():
        async with Client(server.ws_url) as a, Client(server.ws_url) as b:
            await a.start()
            await b.start()
            await a.send({"type": "config", "patch": {"hidden": [5, 3], "activation": "relu", "dataset": "xor"}})
            await a.expect("config")
            await a.send({"type": "step", "epochs": 12})
            frame_a = await a.expect("frame", epoch=12)
            model = json.loads((await export(a, "model"))["content"])
            await a.send({"type": "snapshot"})
            frame_a = await a.expect("frame")
            arrays_a = a.frames[-1][1]
            await b.send({"type": "load_model", "model": model})
            reply = await b.expect("config")
            assert reply["reset"] == ["data", "network", "optimizer"]
            assert {k: reply["config"][k] for k in model["config"]} == model["config"]
            data_b = await b.expect("data")
            assert (await b.expect("state"))["epoch"] == 12
            frame_b = await b.expect("frame", version=reply["version"])
            arrays_b = b.frames[-1][1]
            assert frame_b["epoch"] == frame_a["epoch"] == 12
            assert np.array_equal(arrays_a["output"], arrays_b["output"])
            for name in ("weights.0", "weights.1", "weights.2", "biases.2"):
                assert np.array_equal(latest(a, name), latest(b, name))
            assert frame_b["metrics"]["train_loss"] == frame_a["metrics"]["train_loss"]
            assert len(data_b["train"]) + len(data_b["test"]) == model["config"]["n_samples"]
            # training resumes from the loaded epoch
            await b.send({"type": "step", "epochs": 2})
            assert (await b.expect("frame", epoch=14))["history"][-1][0] == 14

    run(scenario())


def test_a_bad_model_file_is_refused_and_changes_nothing(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            hello = await c.start()
            model = json.loads((await export(c, "model"))["content"])
            model["weights"][0] = [[1.0]]
            await c.send({"type": "load_model", "model": model})
            error = await c.expect("error")
            assert error["code"] == "invalid_model" and error["field"] == "model"
            assert "weights[0]: expected shape [2, 4]" in error["message"]
            await c.send({"type": "load_model", "model": {"format": "something else"}})
            error = await c.expect("error")
            assert error["code"] == "invalid_model" and "format" in error["message"]
            await c.send({"type": "config", "patch": {}})
            reply = await c.expect("config")
            assert reply["version"] == 1 and reply["config"] == hello["config"]  # the empty patch is change 1

    run(scenario())


@pytest.mark.slow
def test_exported_training_script_retrains_to_the_servers_loss_history(server, tmp_path):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": {"optimizer": "adam", "learning_rate": 0.01, "dropout": 0.1}})
            await c.expect("config")
            await c.send({"type": "step", "epochs": 9})
            await c.expect("frame", epoch=9)
            script = (await export(c, "numpy_training"))["content"]
            history = (await export(c, "history_csv"))["content"]
            await c.send({"type": "export", "format": "numpy_training", "start": "current"})
            continued = (await c.expect("export", format="numpy_training"))["content"]
            await c.send({"type": "export", "format": "notebook", "start": "later"})
            error = await c.expect("error")
            return script, history, continued, error

    script, history, continued, error = run(scenario())
    assert error["field"] == "start" and "initial" in error["message"]
    assert "START = 'current'" in continued and "START = 'initial'" in script
    path = tmp_path / "nn_playground_train.py"
    path.write_text(script)
    printed = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60, check=True)
    got = [[float(v) for v in line.split("train loss ")[1].split(" test loss ")] for line in printed.stdout.splitlines()]
    want = [[float(v) for v in row.split(",")[1:]] for row in history.splitlines()[1:]]
    assert len(got) == len(want) == 9
    np.testing.assert_allclose(got, want, rtol=1e-5)  # the server's history is evaluated in float32


@pytest.mark.slow
def test_exported_numpy_script_prints_the_servers_predictions(server, tmp_path):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "step", "epochs": 20})
            await c.expect("frame", epoch=20)
            script = (await export(c, "numpy"))["content"]
            await c.send({"type": "snapshot"})
            await c.expect("frame", epoch=20)
            weights = {name: latest(c, name) for layer in range(3) for name in (f"weights.{layer}", f"biases.{layer}")}
            return script, c.frames[-1], weights

    script, (header, arrays), weights = run(scenario())
    path = tmp_path / "nn_playground_model.py"
    path.write_text(script)
    printed = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60, check=True)
    lines = printed.stdout.strip().splitlines()
    assert len(lines) == 5
    # what the server's frame says the network computes: its float32 weights, forward in the test
    probes = np.array([[float(v) for v in line.split(" -> ")[0].strip("()").split(", ")] for line in lines])
    outputs = np.array([float(line.split(" -> ")[1]) for line in lines])
    a = probes
    for layer in range(3):
        a = np.tanh(a @ weights[f"weights.{layer}"].astype(np.float64) + weights[f"biases.{layer}"])
    assert np.allclose(outputs, a[:, 0], atol=1e-5)
    # and the frame's output picture agrees with the script's predict() over the whole grid
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import nn_playground_model as m, numpy as np; "
            "print(json.dumps(m.predict(np.array(json.loads(sys.stdin.read())))[:, 0].tolist()))")
    grid = grid_points(100)
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], input=json.dumps(grid.tolist()),
                          capture_output=True, text=True, timeout=60, check=True)
    predicted = np.array(json.loads(done.stdout)).reshape(100, 100)
    assert header["output_kind"] == "binary"
    step = 2.0 / 255  # one quantisation step of the [-1, 1] output grid
    assert np.abs(arrays["output"] - predicted).max() <= step
