"""Give freed memory back to the system (glibc's malloc; elsewhere these do nothing).

A big network's workspaces are tens of MB of NumPy arrays. glibc serves blocks above its
mmap threshold with mmap and unmaps them on free, but the threshold *rises* to the size of
every such block freed (up to 32 MB), so after the first big session closes, later ones
come from the heap and arenas, which keep freed memory: measured, 8 largest sessions opened
and closed three times left RSS at 2.1, 3.3 and 4.6 GB with no session open. A fixed
threshold keeps big blocks mmapped (returned at once on free); `trim` returns what the
heap and the worker threads' arenas hold free after a session closes or drops its workspaces.

The threshold is 1 MB, above the few hundred kB the deflater (ISA-L, server.wire.frames)
allocates and frees on every call: at 256 kB each frame's deflate mapped fresh memory and
page-faulted through it (6 faults a call), which doubled its time (56 -> 113 us for an output
grid) and at 100 students took ~10 % of a worker (py-spy).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time

log = logging.getLogger("nn_playground.memory")

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 1024 * 1024  # see the module docstring: above the deflater's per-call buffers
TRIM_THRESHOLD_BYTES = 4 * 1024 * 1024
ARENAS = 2  # the event loop's and one shared by the training/snapshot threads
TRIM_INTERVAL_SECONDS = 1.0  # trimming walks every arena: not on every frame of every session

_libc = None
_lock = threading.Lock()
_last_trim = 0.0


def _glibc():
    global _libc
    if _libc is None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
            libc.malloc_trim.argtypes = (ctypes.c_size_t,)
            _libc = libc
        except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
            _libc = False
    return _libc


def tune() -> bool:
    """Fix the allocator's thresholds for this process (call once at startup, before threads).
    Returns whether it could (glibc)."""
    libc = _glibc()
    if not libc:
        return False
    ok = all(libc.mallopt(option, value) == 1 for option, value in (
        (M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES), (M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES), (M_ARENA_MAX, ARENAS)))
    if not ok:
        log.warning("mallopt refused a setting; freed memory may stay with the process")
    return ok


def trim(force: bool = False) -> None:
    """Return free heap memory to the system; at most once per TRIM_INTERVAL_SECONDS unless
    `force` (a session closed)."""
    global _last_trim
    libc = _glibc()
    if not libc:
        return
    now = time.monotonic()
    with _lock:
        if not force and now - _last_trim < TRIM_INTERVAL_SECONDS:
            return
        _last_trim = now
    libc.malloc_trim(0)
