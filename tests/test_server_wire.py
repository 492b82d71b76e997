"""The wire format of docs/protocol.md, checked with the tests' own decoder (tests/support/frames.py,
written from the document, not from the server's encoder)."""

from __future__ import annotations

import numpy as np
from support.client import Client, run
from support.frames import decode_frame

__all__ = ["Client", "decode_frame", "run"]  # older test modules import them from here


def test_frame_layout_and_arrays_decode_as_documented(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            hello = await c.start()
            header, arrays = c.frames[-1]
            assert header["type"] == "frame" and header["version"] == hello["version"] == 0
            assert header["output_kind"] == "binary"
            for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy", "dead_fraction",
                        "dead_units", "grad_norms", "penalty", "class_accuracy"):
                assert key in header["metrics"], key
            entries = {e["name"]: e for e in header["arrays"]}
            assert entries["output"]["shape"] == [100, 100] and entries["output"]["dtype"] == "uint8"
            assert (entries["output"]["lo"], entries["output"]["hi"]) == (-1.0, 1.0)
            assert -1.0 <= arrays["output"].min() <= arrays["output"].max() <= 1.0
            units = arrays["units"]
            assert units.shape[0] == sum(hello["config"]["hidden"]) and units.shape[1] == units.shape[2]
            assert arrays["features"].shape[0] == len(hello["config"]["features"])
            sizes = [len(hello["config"]["features"]), *hello["config"]["hidden"], 1]
            for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
                assert arrays[f"weights.{layer}"].shape == (fan_in, fan_out)
                assert arrays[f"biases.{layer}"].shape == (fan_out,)
                assert arrays[f"weights.{layer}"].dtype == np.float32
            offsets = [e["offset"] for e in header["arrays"]]
            assert offsets == sorted(offsets) and offsets[0] == 0

    run(scenario())


def test_grid_orientation_row0_is_top_and_col0_is_left(server):
    """A network without hidden layers whose output is tanh(5·x2) (then tanh(5·x1))."""
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "config", "patch": {"hidden": [], "features": ["x1", "x2"]}})
            await c.expect("config")
            for message in ({"type": "set_weight", "layer": 0, "i": 0, "j": 0, "value": 0.0},
                            {"type": "set_weight", "layer": 0, "i": 1, "j": 0, "value": 5.0},
                            {"type": "set_bias", "layer": 0, "j": 0, "value": 0.0}):
                await c.send(message)
            header = await c.expect("frame", version=4)
            out = c.frames[-1][1]["output"]
            assert out[0].mean() > 0.9 and out[-1].mean() < -0.9  # row 0 is y = +6
            assert np.ptp(out[:, 0] - out[:, -1]) < 0.05  # no dependence on x
            await c.send({"type": "set_weight", "layer": 0, "i": 0, "j": 0, "value": 5.0})
            await c.send({"type": "set_weight", "layer": 0, "i": 1, "j": 0, "value": 0.0})
            await c.expect("frame", version=header["version"] + 2)
            out = c.frames[-1][1]["output"]
            assert out[:, 0].mean() < -0.9 and out[:, -1].mean() > 0.9  # column 0 is x = −6

    run(scenario())
