"""The FastAPI application: routers for the page and the API (schema, CSV upload, lessons,
activation curves), the live-session socket, static files, and the per-process hub (with the
lessons, loaded once) whose scheduler runs for the app's lifetime. Every request first passes
the Host check and gets the security headers (server.routes.guard); the API description is
served only with --api-docs."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI

from engine.lessons import load_lessons

from . import __version__
from .live import allocator
from .live.hub import Hub
from .routes import classes, pages, reference, socket, teacher, uploads
from .routes.guard import AllowedHosts, HostGuard, SecurityHeaders, api_docs_routes, origin_hosts
from .routes.static_files import CachedStaticFiles
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; without `settings` they come from the NNP_* environment (workers)."""
    settings = settings or Settings.from_env()
    allocator.tune()  # before any worker thread exists: the arena limit applies to new threads
    # Loaded and checked once: an invalid lesson file raises LessonError (naming the file and
    # key) here, so the server does not start with a lesson that would do something else.
    hub = Hub(settings, load_lessons(settings.lessons_dir))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub.start()
        yield
        await hub.stop()

    # FastAPI's own docs pages load Swagger UI from a CDN with inline script: never served.
    app = FastAPI(title="NN Playground", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.hub = hub
    app.include_router(pages.router)
    app.include_router(uploads.router)
    app.include_router(reference.router)
    app.include_router(socket.router)
    app.include_router(classes.router)
    app.include_router(teacher.router)
    app.mount("/static", CachedStaticFiles(str(pages.ROOT / "static")), name="static")
    if settings.api_docs:
        api_docs_routes(app)
    allowed = AllowedHosts(settings.host, [*settings.allowed_hosts, *origin_hosts(settings.allowed_origins)])
    app.add_middleware(HostGuard, allowed=allowed)
    app.add_middleware(SecurityHeaders)  # added last, so outermost: refusals carry the headers too
    return app
