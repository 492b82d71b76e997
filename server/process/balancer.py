"""`--workers N` on Unix: one process accepts the connections and hands each to the worker
that holds the fewest open connections (a live session is one).

Why not uvicorn's own workers: they share one listening socket and whichever process wakes
first accepts. With 100 clients over 2 workers that gave splits from 29/71 to 44/56
(measured), and a session's frame rate is its worker's CPU shared by that worker's
sessions: the fuller worker's clients got 15 frames a second while the other core had time
to spare. Here the parent accepts, picks the worker with the lowest load (the open
connections it last reported plus those handed over that it had not yet taken; ties take
turns) and passes the socket over a Unix socket pair (SCM_RIGHTS). The worker's uvicorn
serves it as if it had accepted it itself (server.process.uvicorn_glue.HandedServer).

Health, as uvicorn's own supervisor keeps it: the parent pings each worker over the same
socket pair every PING_SECONDS, and the worker answers from its event loop with its counts
(so one answer is both its load and its sign of life). A worker whose ping has gone
unanswered for UNRESPONSIVE_SECONDS (frozen, or its loop blocked) gets no new connections;
one silent for REPLACE_SECONDS is killed and started again, as is a worker that dies. A
worker whose parent is gone shuts down. Windows cannot pass sockets this way, so there
uvicorn's workers serve (server.cli).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import selectors
import signal
import socket
import struct
import time
from typing import Any

from . import uvicorn_glue

log = logging.getLogger("nn_playground.balancer")

_REPORT = struct.Struct("<II")  # worker -> parent: open connections, connections taken so far
HAND = b"c"  # parent -> worker, carrying one connection's descriptor
PING = b"p"  # parent -> worker: answer with your counts
PING_SECONDS = 0.25  # how often the parent asks; also how fresh the loads it balances by are
UNRESPONSIVE_SECONDS = 2.0  # a ping unanswered this long: no new connections for that worker
REPLACE_SECONDS = 10.0  # unanswered this long: the worker is killed and another started
STARTUP_SECONDS = 60.0  # a new worker answers once its app has started; a slow machine gets this long
ACCEPTS_PER_WAKEUP = 64  # a classroom connecting at once is served in bursts, not one per select
STOP_SECONDS = 10.0  # how long the workers get to close their sessions before they are killed


def supported() -> bool:
    """Whether this platform can pass sockets between processes."""
    return hasattr(socket, "send_fds") and hasattr(socket, "recv_fds")


def serve(options: dict[str, Any], workers: int) -> None:
    """Run `workers` uvicorn workers behind one accepting parent until SIGINT or SIGTERM.

    `options` are uvicorn.Config's keyword arguments with `app` an import string and
    `factory=True`; the parent uses them only to bind the socket the way uvicorn does."""
    listener = uvicorn_glue.bind_listener(options)
    context = multiprocessing.get_context("spawn")
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    pool: list[_Worker] = []
    for _ in range(workers):
        pool.append(_Worker(context, options))
        selector.register(pool[-1].channel, selectors.EVENT_READ, pool[-1])
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    turn = 0
    try:
        while not stopping:
            events = selector.select(timeout=PING_SECONDS)
            # the workers' answers first: who gets a connection is judged by them
            for key, _ in sorted(events, key=lambda event: event[0].data is None):
                if key.data is None:
                    turn = _accept(listener, pool, turn)
                elif not key.data.read_reports():  # its end closed: it died, or is dying
                    selector.unregister(key.data.channel)
                    key.data.gone = True
            now = time.monotonic()
            for i, worker in enumerate(pool):
                if stopping:
                    break
                if worker.gone or not worker.process.is_alive() or worker.hung(now):
                    pool[i] = _replace(worker, selector, context, options, now)
                else:
                    worker.check(now)
    finally:
        listener.close()
        for worker in pool:
            worker.channel.close()  # end of file: the worker shuts down gracefully
        now = time.monotonic()
        deadline = now + STOP_SECONDS
        for worker in pool:
            if worker.responsive(now):  # a frozen worker would only make us wait
                worker.process.join(max(0.0, deadline - time.monotonic()))
            worker.process.kill()  # no-op once it has exited
            worker.process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _replace(worker: "_Worker", selector: selectors.BaseSelector, context: Any,
             options: dict[str, Any], now: float) -> "_Worker":
    """Kill `worker` (a no-op if it has exited: one that lost its end cannot serve) and start
    another in its place; returns the new one, registered with `selector`."""
    hung = not worker.gone and worker.process.is_alive() and worker.hung(now)
    worker.process.kill()
    worker.process.join()
    if hung:
        log.warning("worker %s did not answer for %.0f s; killed it and started another",
                    worker.process.pid, worker.silent_for(now))
    else:
        log.warning("worker %s exited (code %s); starting another", worker.process.pid,
                    worker.process.exitcode)
    if not worker.gone:
        selector.unregister(worker.channel)
    worker.channel.close()
    fresh = _Worker(context, options)
    selector.register(fresh.channel, selectors.EVENT_READ, fresh)
    return fresh


def _accept(listener: socket.socket, pool: list["_Worker"], turn: int) -> int:
    """Accept what is waiting and hand each connection out; returns the next tie-breaking turn."""
    for _ in range(ACCEPTS_PER_WAKEUP):
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            break
        except OSError as exc:  # out of file descriptors, ...: let the workers close some first
            log.warning("accept failed: %s", exc)
            time.sleep(0.1)
            break
        with conn:
            now = time.monotonic()
            order = pool[turn % len(pool):] + pool[:turn % len(pool)]
            turn += 1
            # Only workers that answer (or are starting); if none does, any that is there: its
            # connection then waits in the socket pair, and is served if the worker recovers.
            candidates = [w for w in order if w.responsive(now)] or [w for w in order if not w.gone]
            for worker in sorted(candidates, key=lambda w: w.load):  # stable: ties keep the turn order
                if worker.hand(conn):
                    break
            else:
                log.warning("no worker took a connection; closed it")
    return turn


class _Worker:
    """One worker process, seen from the parent: its socket pair end, its load and its health."""

    def __init__(self, context: Any, options: dict[str, Any]):
        self.channel, child = socket.socketpair()
        self.process = context.Process(target=_worker_main, args=(child, options), name="nn-playground worker")
        self.process.start()
        child.close()
        self.channel.setblocking(False)
        self.open = 0  # connections open in the worker, as last reported
        self.taken = 0  # connections the worker had taken by then
        self.handed = 0  # connections handed over in all
        self.gone = False  # its end of the pair closed
        self.answered = False  # it has reported at least once: its app is serving
        self.asked_at: float | None = None  # when the ping it has not answered yet was sent
        self.last_ping = float("-inf")
        self.flagged = False  # reported as unresponsive in the log
        self._partial = b""
        self.check(time.monotonic())  # the first ping waits in the pair until its app has started

    @property
    def load(self) -> int:
        """Its open connections: a session is one, and a page's HTTP requests are short."""
        return self.open + (self.handed - self.taken) % 2**32  # the worker counts modulo 2**32

    def silent_for(self, now: float) -> float:
        """Seconds since the ping it has not answered (0 when it has answered them all)."""
        return 0.0 if self.asked_at is None else now - self.asked_at

    def responsive(self, now: float) -> bool:
        """Whether it gets new connections: it answers its pings in time, or is still starting.
        (A starting worker takes what it is handed once its app runs; passing it over would
        leave the worker that started first with more than its share for good.)"""
        return not self.gone and (not self.answered or self.silent_for(now) < UNRESPONSIVE_SECONDS)

    def hung(self, now: float) -> bool:
        """Silent for so long that it is replaced (a starting worker has longer)."""
        return self.silent_for(now) >= (REPLACE_SECONDS if self.answered else STARTUP_SECONDS)

    def check(self, now: float) -> None:
        """Ping it when its last ping was answered and PING_SECONDS have passed; log changes
        of health once each."""
        if self.asked_at is None and now - self.last_ping >= PING_SECONDS:
            try:
                self.channel.send(PING)
            except OSError:  # its buffer is full: it is not reading, which the silence shows
                pass
            self.asked_at = self.last_ping = now
        if self.answered and not self.responsive(now) and not self.flagged:
            log.warning("worker %s has not answered for %.0f s; it gets no new connections",
                        self.process.pid, self.silent_for(now))
            self.flagged = True

    def hand(self, conn: socket.socket) -> bool:
        """Pass `conn` to the worker (the parent's copy is closed by the caller)."""
        try:
            socket.send_fds(self.channel, [HAND], [conn.fileno()])
        except OSError:  # its buffer is full (stuck) or it has gone
            return False
        self.handed += 1
        return True

    def read_reports(self) -> bool:
        """Take the counts the worker sent (its answer to a ping); False once it has gone."""
        try:
            data = self.channel.recv(4096)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            return False
        if not data:
            return False
        data = self._partial + data
        whole = len(data) - len(data) % _REPORT.size
        if whole:
            self.open, self.taken = _REPORT.unpack_from(data, whole - _REPORT.size)  # only the newest matters
            self.answered, self.asked_at = True, None
            if self.flagged:
                log.warning("worker %s answers again; it gets new connections", self.process.pid)
                self.flagged = False
        self._partial = data[whole:]
        return True


def _worker_main(channel: socket.socket, options: dict[str, Any]) -> None:
    """A worker process: the app (settings from the NNP_* environment) served over handed sockets."""
    from ..app import create_app

    # Ctrl-C reaches every process of the terminal: uvicorn shuts the worker down gracefully
    # either way, and with SIGINT ignored outside its handler it does not then re-raise it as
    # a KeyboardInterrupt traceback per worker. The parent's stop ends the worker too.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker_options = {k: v for k, v in options.items() if k not in ("app", "factory")}
    server = uvicorn_glue.HandedServer(create_app(), worker_options)
    link = _ParentLink(channel, server)
    server.run(on_start=link.start, on_stop=link.stop)


class _ParentLink:
    """The worker's end of the socket pair: takes the connections handed to it and answers
    every wakeup (a ping, or connections) with its counts."""

    def __init__(self, channel: socket.socket, server: uvicorn_glue.HandedServer):
        self.channel = channel
        self.server = server
        self.taken = 0

    def start(self) -> None:
        """Listen to the parent (called in the server's event loop once the app has started)."""
        self.channel.setblocking(False)
        asyncio.get_running_loop().add_reader(self.channel.fileno(), self._read)

    def stop(self) -> None:
        """Stop listening (the server is shutting down)."""
        if self.channel.fileno() >= 0:
            asyncio.get_running_loop().remove_reader(self.channel.fileno())

    def _read(self) -> None:
        for _ in range(ACCEPTS_PER_WAKEUP):
            try:
                message, fds, _, _ = socket.recv_fds(self.channel, 1, 1)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                message, fds = b"", []
            if not message and not fds:  # the parent has gone: stop taking and shut down
                self.stop()
                self.server.stop()
                return
            for fd in fds:
                self.server.serve_connection(socket.socket(fileno=fd))
                self.taken += 1
        self._report()  # at once: the parent counts what it handed over until then, and waits

    def _report(self) -> None:
        counts = (self.server.open_connections(), self.taken % 2**32)
        try:
            self.channel.send(_REPORT.pack(*counts))
        except OSError:  # the parent is not reading (or gone): the next ping asks again
            pass
