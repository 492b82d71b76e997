"""The FastAPI application: routers for the page and the API, the live-session socket,
static files, and the per-process hub whose scheduler runs for the app's lifetime."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import __version__, pages, ws
from .hub import Hub
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; without `settings` they come from the NNP_* environment (workers)."""
    settings = settings or Settings.from_env()
    hub = Hub(settings)

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
    app.include_router(ws.router)
    app.mount("/static", StaticFiles(directory=str(pages.ROOT / "static"), check_dir=False), name="static")
    return app
