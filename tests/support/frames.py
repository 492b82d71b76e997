"""The binary frame format of docs/protocol.md, decoded independently of the server's encoder, so
a change of the format breaks the tests in one place."""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import numpy as np


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
