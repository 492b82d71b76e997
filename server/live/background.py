"""Threads for long work, at a lower OS priority than the event loop.

What runs in a thread is what is predicted to take long: a huge network's slices and frames, and
expensive messages (exports, gradient checks, model loads). Fair shares (server.live.fairshare)
charge it to its client, but a slice that has started cannot be interrupted, and while it runs
the OS shares the cores among the threads that want them: two 80 ms maxout steps in threads left
the event loop, which trains and draws every light session of the process, a third of a core.
Run at a lower priority (Linux: each thread has its own nice value), that work takes the CPU the
loop leaves, so a light session still gets what it needs whatever its neighbours run; with no
contention the priority changes nothing. Elsewhere the threads keep the process's priority
(there setpriority would lower the whole process).
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")

NICE_STEP = 10  # how much lower than the loop (Linux nice values: 0 normal, 19 lowest)

_pool: ThreadPoolExecutor | None = None
_pool_pid = 0


def _lower_priority() -> None:
    """Each pool thread, as it starts: its own nice value NICE_STEP above the process's."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + NICE_STEP))
    except OSError:  # a sandbox without the call: normal priority, as elsewhere
        pass


def _executor() -> ThreadPoolExecutor:
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():  # one pool per worker process
        _pool = ThreadPoolExecutor(max_workers=min(32, (os.cpu_count() or 1) + 4),
                                   thread_name_prefix="nnp-background", initializer=_lower_priority)
        _pool_pid = os.getpid()
    return _pool


async def in_background(work: Callable[..., T], *args: object) -> T:
    """Run work(*args) in a background thread (lower priority) and return its result."""
    return await asyncio.get_running_loop().run_in_executor(_executor(), functools.partial(work, *args))
