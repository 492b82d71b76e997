"""The wire format of docs/protocol.md, decoded independently of the server's encoder.

Also home of the small client the other server tests use (`Client`, `decode_frame`), so a
change of the format breaks these tests in one place.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import struct
import zlib
from typing import Any

import numpy as np
from websockets.asyncio.client import connect

TIMEOUT = 10.0


def decode_frame(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(header, {name: values}) from a binary frame, following docs/protocol.md literally."""
    (n,) = struct.unpack("<I", data[:4])
    header = json.loads(data[4:4 + n].decode("utf-8"))
    body = data[4 + n:]
    arrays = {}
    for entry in header["arrays"]:
        raw = body[entry["offset"]:entry["offset"] + entry["nbytes"]]
        assert entry["encoding"] in ("raw", "deflate", "deflate-rows"), entry
        if entry["encoding"] != "raw":
            raw = zlib.decompress(raw)
        values = np.frombuffer(raw, dtype=np.dtype(entry["dtype"]).newbyteorder("<")).reshape(entry["shape"])
        if entry["encoding"] == "deflate-rows":  # running sum along each row, mod 256
            values = np.cumsum(values, axis=-1, dtype=np.uint8)
        if entry["dtype"] == "uint8":
            values = entry["lo"] + values.astype(np.float64) / 255.0 * (entry["hi"] - entry["lo"])
        arrays[entry["name"]] = values
    assert sum(e["nbytes"] for e in header["arrays"]) == len(body)
    return header, arrays


class Client:
    """A WebSocket client speaking the protocol: JSON messages out, JSON or frames in."""

    def __init__(self, url: str, **connect_args: Any):
        self.url = url
        self.connect_args = {"max_size": None, "compression": None, **connect_args}
        self.ws = None
        self.frames: list[tuple[dict[str, Any], dict[str, np.ndarray]]] = []  # every frame seen

    async def __aenter__(self) -> "Client":
        self.ws = await connect(self.url, **self.connect_args)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.ws.close()

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(json.dumps(message) if isinstance(message, dict) else message)

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next message; a frame comes back as its header (arrays in `self.frames`)."""
        data = await asyncio.wait_for(self.ws.recv(), timeout)
        if isinstance(data, bytes):
            header, arrays = decode_frame(data)
            self.frames.append((header, arrays))
            return header
        return json.loads(data)

    async def expect(self, kind: str, timeout: float = TIMEOUT, **match: Any) -> dict[str, Any]:
        """Read until a message of type `kind` (with the given field values) arrives."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.recv(max(0.01, deadline - loop.time()))
            if message["type"] == kind and all(message.get(k) == v for k, v in match.items()):
                return message

    async def start(self) -> dict[str, Any]:
        """hello, then data, then a first frame; returns hello."""
        hello = await self.expect("hello")
        await self.expect("data")
        await self.expect("frame")
        return hello


def run(coro):
    """Run a client scenario to completion in its own thread and event loop (the browser
    tests' Playwright keeps a loop running in the main thread, where asyncio.run refuses)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


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
