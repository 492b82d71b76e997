"""The FastAPI application: routers for the page and the API (schema, CSV upload, lessons,
activation curves), the live-session socket, static files, and the per-process hub (with the
lessons, loaded once) whose scheduler runs for the app's lifetime."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from engine.lessons import load_lessons

from . import __version__
from .live.hub import Hub
from .routes import pages, reference, socket, uploads
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; without `settings` they come from the NNP_* environment (workers)."""
    settings = settings or Settings.from_env()
    # Loaded and checked once: an invalid lesson file raises LessonError (naming the file and
    # key) here, so the server does not start with a lesson that would do something else.
    hub = Hub(settings, load_lessons(settings.lessons_dir))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub.start()
        yield
        await hub.stop()

    app = FastAPI(title="NN Playground", version=__version__, lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.hub = hub
    app.include_router(pages.router)
    app.include_router(uploads.router)
    app.include_router(reference.router)
    app.include_router(socket.router)
    app.mount("/static", StaticFiles(directory=str(pages.ROOT / "static"), check_dir=False), name="static")
    return app
