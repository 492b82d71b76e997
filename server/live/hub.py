"""What one server process shares between its connections: sessions, tasks, the scheduler.

Sessions are per connection and per process, so `--workers N` needs no shared state; each
worker admits its share of `max_sessions` (Settings.sessions_per_worker).
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
        self._scheduler_task: asyncio.Task[None] | None = None
        broker = open_broker(settings)
        self.classroom = Classroom(broker)  # classroom mode (server.classroom)
        # the per-client limit across workers: only a shared broker has others to hear
        self.shared_clients = SharedClientCounts(broker, self.clients.open_pages) if (
            settings.broker or settings.redis) else None
        self._shared_task: asyncio.Task[None] | None = None

    @property
    def full(self) -> bool:
        return len(self.sessions) >= self.settings.sessions_per_worker

    def admits(self, client: ClientKey) -> bool:
        """Whether `client` may open one more session (its pages in every process sharing the broker)."""
        elsewhere = self.shared_clients.elsewhere(client.address) if self.shared_clients else None
        return self.clients.admits(client, elsewhere)

    def _clients_changed(self) -> None:
        if self.shared_clients is not None:
            self.shared_clients.changed()

    def open_session(self, client: ClientKey | None = None, address: str = "",
                     share_key: Hashable | None = None) -> Session:
        """A new session; `client` (None: exempt from the per-client limit) is counted until it
        closes; `address` is the client's (classroom joins are limited per address). Sessions
        with the same `share_key` (the page, see ClientKey) share one CPU account
        (server.live.fairshare); None: an account of its own."""
        account = self.cpu.account(share_key if share_key is not None else object())
        session = Session(self.settings, on_training_change=lambda: self.scheduler.update(session),
                          on_frame_sent=lambda: self.scheduler.needs_progress(session),
                          lessons=self._lessons_by_id, classroom=self.classroom, address=address,
                          account=account, frame_budget=self.scheduler.frames)
        self.sessions.add(session)
        if client is not None:
            self.clients.add(session, client)
            self._clients_changed()
        return session

    def close_session(self, session: Session) -> None:
        session.close()
        self.classroom.leave(session)
        self.scheduler.remove(session)
        self.sessions.discard(session)
        self.clients.discard(session)
        self._clients_changed()
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
        if self.shared_clients is not None:
            self._shared_task = asyncio.get_running_loop().create_task(self.shared_clients.run())
        self.classroom.start()

    async def stop(self) -> None:
        """Stop the scheduler and every session task (app shutdown)."""
        pending = [*self.tasks, *self.scheduler.jobs,
                   *(task for task in (self._scheduler_task, self._shared_task) if task is not None)]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self.classroom.stop()

    def health(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "sessions": len(self.sessions),
                "tasks": len(self.tasks) + len(self.scheduler.jobs), "training": self.scheduler.active,
                "slices": self.scheduler.slices, "stacked_slices": self.scheduler.stacked_slices,
                "scheduler_backoff": self.scheduler.backoff,
                "frame_stretch": round(self.scheduler.frames.stretch, 3),
                "frame_cpu_share": round(self.scheduler.frames.frame_share, 3),
                "cpu_share_level": round(self.cpu.level(time.monotonic()), 4),
                "cpu_capacity": round(self.cpu.capacity, 4)}


def get_hub(connection: HTTPConnection) -> Hub:
    """FastAPI dependency: this process's hub (HTTP and WebSocket routes)."""
    return connection.app.state.hub
