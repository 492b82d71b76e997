"""What the teacher sees of a student's frames: the header's numbers, a thumbnail (the frame's
output grid under a small header of its own), and a spotlit student's whole frame tagged with
the student's id. All in the binary frame format of docs/protocol.md; nothing is decoded or
re-encoded but the JSON header, so a thumbnail costs no snapshot."""

from __future__ import annotations

import json
import struct
from typing import Any

from ..wire.frames import EncodedArray, encode_frame

_LENGTH = struct.Struct("<I")


def split_frame(frame: bytes) -> tuple[dict[str, Any], bytes]:
    """(header, the arrays' bytes) of an encoded frame."""
    (n,) = _LENGTH.unpack_from(frame)
    return json.loads(frame[4:4 + n]), frame[4 + n:]


def summary(header: dict[str, Any]) -> dict[str, Any]:
    """The roster's numbers from a frame header."""
    metrics = header.get("metrics") or {}
    return {"epoch": header.get("epoch", 0), "train_loss": metrics.get("train_loss"),
            "test_loss": metrics.get("test_loss"), "test_accuracy": metrics.get("test_accuracy")}


def thumbnail(header: dict[str, Any], blobs: bytes, student: str) -> bytes | None:
    """A `thumbnail` frame: the student's output grid, its kind and epoch; None without one."""
    for entry in header.get("arrays", ()):
        if entry["name"] == "output":
            data = blobs[entry["offset"]:entry["offset"] + entry["nbytes"]]
            array = EncodedArray("output", data, entry["dtype"], tuple(entry["shape"]), entry["encoding"],
                                 entry.get("lo"), entry.get("hi"))
            return encode_frame({"type": "thumbnail", "student": student, "epoch": header.get("epoch", 0),
                                 "output_kind": header.get("output_kind"), "n_classes": header.get("n_classes"),
                                 "problem": header.get("problem")}, [array])
    return None


def spotlight_frame(frame: bytes, student: str) -> bytes:
    """The student's own frame, its header tagged `"student": id` (type stays `frame`)."""
    header, blobs = split_frame(frame)
    header["student"] = student
    head = json.dumps(header, separators=(",", ":")).encode()
    return _LENGTH.pack(len(head)) + head + blobs
