"""HTTP routes: the page, health, and the config schema the page builds its controls from."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates

from engine.config import describe_schema

from . import PROTOCOL, __version__
from .session_config import describe_session_schema
from .hub import Hub, get_hub
from .settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
router = APIRouter()
templates = Jinja2Templates(directory=str(TEMPLATES))


def schema_document(settings: Settings) -> dict[str, Any]:
    """What /api/schema serves and the page receives inline as `schema_json`."""
    return {"protocol": PROTOCOL, "server_version": __version__, "config": _config_schema(),
            "session": describe_session_schema(), "limits": settings.limits()}


@lru_cache(maxsize=1)
def _config_schema() -> dict[str, Any]:
    return describe_schema()


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    if not (TEMPLATES / "index.html").is_file():
        return PlainTextResponse("templates/index.html is missing from this installation", status_code=503)
    context = {"version": __version__, "protocol": PROTOCOL,
               # "</" escaped: the JSON is embedded in a <script> element
               "schema_json": json.dumps(schema_document(settings), separators=(",", ":")).replace("</", "<\\/")}
    return templates.TemplateResponse(request, "index.html", context)


@router.get("/healthz")
async def healthz(hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    """Liveness and load of the worker that answers (tests use sessions and tasks)."""
    return {"ok": True, "version": __version__, **hub.health()}


@router.get("/api/schema")
async def api_schema(settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """Every config key's kind, default, range, choices, doc and what it resets."""
    return schema_document(settings)
