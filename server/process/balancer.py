"""`--workers N` on Unix: one process accepts the connections and hands each to the worker
that holds the fewest open connections (a live session is one).

Why not uvicorn's own workers: they share one listening socket and whichever process wakes
first accepts. With 100 clients over 2 workers that gave splits from 29/71 to 44/56
(measured), and a session's frame rate is its worker's CPU shared by that worker's
sessions: the fuller worker's clients got 15 frames a second while the other core had time
to spare. Here the parent accepts, picks the worker with the lowest load (the open
connections it last reported plus those handed over that it had not yet taken; ties take
turns) and passes the socket over a Unix socket pair (SCM_RIGHTS). The worker's uvicorn
serves it as if it had accepted it itself. A worker that dies is started again; a worker
whose parent is gone shuts down. Windows cannot pass sockets this way, so there uvicorn's
workers serve (server.cli).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import selectors
import signal
import socket
import struct
import time
from typing import Any

import uvicorn


log = logging.getLogger("nn_playground.balancer")

_REPORT = struct.Struct("<II")  # worker -> parent: open connections, connections taken so far
REPORT_SECONDS = 0.25  # a worker also reports this often when its count changed (closes)
ACCEPTS_PER_WAKEUP = 64  # a classroom connecting at once is served in bursts, not one per select
STOP_SECONDS = 10.0  # how long workers get to close their sessions before they are killed


def supported() -> bool:
    """Whether this platform can pass sockets between processes."""
    return hasattr(socket, "send_fds") and hasattr(socket, "recv_fds")


def serve(options: dict[str, Any], workers: int) -> None:
    """Run `workers` uvicorn workers behind one accepting parent until SIGINT or SIGTERM.

    `options` are uvicorn.Config's keyword arguments with `app` an import string and
    `factory=True`; the parent uses them only to bind the socket the way uvicorn does."""
    config = uvicorn.Config(**options)
    listener = config.bind_socket()
    listener.listen(config.backlog)
    listener.setblocking(False)
    context = multiprocessing.get_context("spawn")
    pool = [_Worker(context, options) for _ in range(workers)]
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    for worker in pool:
        selector.register(worker.channel, selectors.EVENT_READ, worker)
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    turn = 0
    try:
        while not stopping:
            for key, _ in selector.select(timeout=0.5):
                if key.data is None:
                    turn = _accept(listener, pool, turn)
                elif not key.data.read_reports():  # its end closed: it died, or is dying
                    selector.unregister(key.data.channel)
                    key.data.gone = True
            for i, worker in enumerate(pool):
                if not stopping and (worker.gone or not worker.process.is_alive()):
                    worker.process.kill()  # no-op if it has exited; a worker that lost its end cannot serve
                    worker.process.join()
                    log.warning("worker %s exited (code %s); starting another", worker.process.pid,
                                worker.process.exitcode)
                    if not worker.gone:
                        selector.unregister(worker.channel)
                    worker.channel.close()
                    pool[i] = _Worker(context, options)
                    selector.register(pool[i].channel, selectors.EVENT_READ, pool[i])
    finally:
        listener.close()
        for worker in pool:
            worker.channel.close()  # end of file: the worker shuts down gracefully
        for worker in pool:
            worker.process.join(STOP_SECONDS)
            if worker.process.is_alive():
                worker.process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
            order = pool[turn % len(pool):] + pool[:turn % len(pool)]
            turn += 1
            for worker in sorted(order, key=lambda w: w.load):  # stable: ties keep the turn order
                if not worker.gone and worker.hand(conn):
                    break
            else:
                log.warning("no worker took a connection; closed it")
    return turn


class _Worker:
    """One worker process, seen from the parent: its socket pair end and its load."""

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
        self._partial = b""

    @property
    def load(self) -> int:
        """Its open connections: a session is one, and a page's HTTP requests are short."""
        return self.open + (self.handed - self.taken) % 2**32  # the worker counts modulo 2**32

    def hand(self, conn: socket.socket) -> bool:
        """Pass `conn` to the worker (the parent's copy is closed by the caller)."""
        try:
            socket.send_fds(self.channel, [b"c"], [conn.fileno()])
        except OSError:  # its buffer is full (stuck) or it has gone
            return False
        self.handed += 1
        return True

    def read_reports(self) -> bool:
        """Take the counts the worker sent; False once it has gone."""
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
    _HandedServer(uvicorn.Config(create_app(), **worker_options), channel).run(sockets=[])


class _HandedServer(uvicorn.Server):
    """uvicorn's server with no listening socket of its own: connections arrive over `channel`."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket):
        super().__init__(config)
        self.channel = channel
        self._starting: set[asyncio.Task[Any]] = set()  # taken, not yet connected to a protocol
        self._taken = 0
        self._reported = (-1, -1)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])
        # what uvicorn's startup builds for its listeners, for the sockets handed to us
        self._protocol = functools.partial(self.config.http_protocol_class, config=self.config,
                                           server_state=self.server_state, app_state=self.lifespan.state)
        self.channel.setblocking(False)
        asyncio.get_running_loop().add_reader(self.channel.fileno(), self._take)

    async def on_tick(self, counter: int) -> bool:
        """uvicorn's main loop calls this every 0.1 s: report closed connections too."""
        if counter % round(REPORT_SECONDS * 10) == 0:
            self._report()
        return await super().on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        loop = asyncio.get_running_loop()
        if self.channel.fileno() >= 0:
            loop.remove_reader(self.channel.fileno())
        await super().shutdown(sockets=sockets)

    def _take(self) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(ACCEPTS_PER_WAKEUP):
            try:
                message, fds, _, _ = socket.recv_fds(self.channel, 1, 1)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                message, fds = b"", []
            if not message and not fds:  # the parent has gone: stop taking and shut down
                loop.remove_reader(self.channel.fileno())
                self.should_exit = True
                return
            for fd in fds:
                conn = socket.socket(fileno=fd)
                conn.setblocking(False)
                task = loop.create_task(loop.connect_accepted_socket(self._protocol, conn))
                self._starting.add(task)
                task.add_done_callback(self._starting.discard)
                self._taken += 1
        self._report()  # at once: the parent counts what it handed over until then

    def _report(self) -> None:
        counts = (len(self.server_state.connections) + len(self._starting), self._taken % 2**32)
        if counts == self._reported:
            return
        try:
            self.channel.send(_REPORT.pack(*counts))
            self._reported = counts
        except OSError:  # the parent is not reading (or gone): the next report will do
            pass
