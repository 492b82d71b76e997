"""What one server process shares between its connections: sessions, tasks, the scheduler.

Sessions are per connection and per process; each worker admits its share of `max_sessions`
(Settings.sessions_per_worker). Only the per-client limit is shared, through the broker
(server.live.shared_clients).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any, Coroutine, Hashable

from starlette.requests import HTTPConnection

from ..classroom.broker import open_broker
from ..classroom.room import Classroom
from ..settings import Settings
from . import allocator
from .clients import ClientKey, ClientLimit
from .shared_clients import SharedClientCounts
from .fairshare import FairShare
from .loop_lag import LoopLag
from .scheduler import Scheduler
from .session import Session


class Hub:
    """The live sessions of this process and the tasks that serve them."""

    def __init__(self, settings: Settings, lessons: list[dict[str, Any]] | None = None):
        self.settings = settings
        self.lessons: list[dict[str, Any]] = list(lessons or [])  # engine.lessons, in picker order
        self._lessons_by_id = {lesson["id"]: lesson for lesson in self.lessons}
        self.sessions: set[Session] = set()
        self.tasks: set[asyncio.Task[Any]] = set()
        # this process's fair part of the machine: a core each while there are cores enough
        self.cpu = FairShare(time.monotonic, capacity=min(1.0, (os.cpu_count() or 1) / settings.workers))
        self.scheduler = Scheduler(cpu=self.cpu)
        self.clients = ClientLimit(settings.max_sessions_per_client)
        self._places: dict[Session, object] = {}  # session -> its place in self.clients
        self._scheduler_task: asyncio.Task[None] | None = None
        broker = open_broker(settings)
        self.classroom = Classroom(broker)  # classroom mode (server.classroom)
        # the per-client limit across workers: only a shared broker has others to hear
        self.shared_clients = SharedClientCounts(broker, self.clients.open_pages) if (
            settings.broker or settings.redis) else None
        self._shared_task: asyncio.Task[None] | None = None
        self.loop_lag = LoopLag()  # how late this process's timers fire (/healthz)
        self._lag_task: asyncio.Task[None] | None = None

    @property
    def full(self) -> bool:
        return len(self.sessions) >= self.settings.sessions_per_worker

    async def reserve(self, client: ClientKey) -> object | None:
        """A place for one more session of `client` (its pages in every process sharing the
        broker count), taken in one step with the count (server.live.shared_clients), or None
        when it has none left. Pass it to `open_session`."""
        place = object()

        def take() -> bool:
            elsewhere = self.shared_clients.elsewhere(client.address) if self.shared_clients else None
            if not self.clients.admits(client, elsewhere):
                return False
            self.clients.add(place, client)
            return True
        if self.shared_clients is None:
            return place if take() else None
        return place if await self.shared_clients.admit(client.address, take) else None

    def open_session(self, place: object | None = None, address: str = "",
                     share_key: Hashable | None = None) -> Session:
        """A new session; `place` (from `reserve`; None: exempt from the per-client limit) stays
        taken until it closes; `address` is the client's (classroom joins are limited per
        address). Sessions with the same `share_key` (the page, see ClientKey) share one CPU
        account (server.live.fairshare); None: an account of its own."""
        account = self.cpu.account(share_key if share_key is not None else object())
        session = Session(self.settings, on_training_change=lambda: self.scheduler.update(session),
                          on_frame_sent=lambda: self.scheduler.needs_progress(session),
                          lessons=self._lessons_by_id, classroom=self.classroom, address=address,
                          account=account, frame_budget=self.scheduler.frames)
        self.sessions.add(session)
        if place is not None:
            self._places[session] = place
        return session

    def close_session(self, session: Session) -> None:
        session.close()
        self.classroom.leave(session)
        self.scheduler.remove(session)
        self.sessions.discard(session)
        self.clients.discard(self._places.pop(session, None))
        if self.shared_clients is not None:
            self.shared_clients.changed()
        self.cpu.release(session.account)
        session.trainer.release_memory()  # the session object may live on a little (tasks ending)
        allocator.trim(force=True)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Start a session task that /healthz counts until it ends."""
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def start(self) -> None:
        """Start the scheduler (app startup)."""
        self._scheduler_task = asyncio.get_running_loop().create_task(self.scheduler.run())
        self._lag_task = asyncio.get_running_loop().create_task(self.loop_lag.run())
        if self.shared_clients is not None:
            self._shared_task = asyncio.get_running_loop().create_task(self.shared_clients.run())
        self.classroom.start()

    async def stop(self) -> None:
        """Stop the scheduler and every session task (app shutdown)."""
        pending = [*self.tasks, *self.scheduler.jobs,
                   *(task for task in (self._scheduler_task, self._shared_task, self._lag_task) if task is not None)]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self.classroom.stop()

    def health(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "sessions": len(self.sessions),
                "tasks": len(self.tasks) + len(self.scheduler.jobs), "training": self.scheduler.active,
                "slices": self.scheduler.slices, "stacked_slices": self.scheduler.stacked_slices,
                "stacked_sessions": self.scheduler.stacked_sessions,
                "scheduler_backoff": self.scheduler.backoff,
                "frame_stretch": round(self.scheduler.frames.stretch, 3),
                "frame_cpu_share": round(self.scheduler.frames.frame_share, 3),
                "cpu_share_level": round(self.cpu.level(time.monotonic()), 4),
                "cpu_capacity": round(self.cpu.capacity, 4), "loop_lag": self.loop_lag.figures()}


def get_hub(connection: HTTPConnection) -> Hub:
    """FastAPI dependency: this process's hub (HTTP and WebSocket routes)."""
    return connection.app.state.hub
