"""Scratch memory that every picture pass of one thread shares.

A server holds many trainers and draws them one after another. If each owns its picture
buffers (about 1 MB for the Playground's default network over a 100×100 grid), every draw
starts with all of them cold in the cache, and a worker serving 50 students spends much of a
snapshot waiting for memory (docs/benchmarks.md). Passes that run one at a time on a thread can use the same memory instead, which
then stays warm. Each thread has its own, so a draw running in a worker thread never
shares with the event loop's. Only passes up to MAX_BYTES share: a huge network's pass is
bound by memory bandwidth anyway, and sharing it would keep that much memory per thread for
good (a 16×64 network's picture pass needs ~90 MB).
"""

from __future__ import annotations

import threading
from typing import Any, Optional

import numpy as np

MAX_BYTES = 8 << 20

_local = threading.local()


def buffer(size: int, dtype: Any) -> np.ndarray:
    """This thread's flat scratch array of `dtype`, at least `size` long (grown when needed;
    arrays handed out before keep the old memory alive and stay valid)."""
    dtype = np.dtype(dtype)
    buffers = _buffers()
    buf = buffers.get(dtype)
    if buf is None or buf.size < size:
        buf = buffers[dtype] = np.empty(size, dtype)
    return buf


def current(dtype: Any) -> Optional[np.ndarray]:
    """This thread's scratch array of `dtype` as it is now (None before the first `buffer`)."""
    return _buffers().get(np.dtype(dtype))


def _buffers() -> dict[np.dtype, np.ndarray]:
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    return buffers
