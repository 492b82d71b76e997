"""HTTP routes: the page, health, and the config schema the page builds its controls from."""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates

from engine.config import FEATURES, describe_config_rules, describe_schema
from engine.datasets import grid_points
from engine.features import FEATURE_LABELS, transform

from .. import PROTOCOL, __version__
from ..live.hub import Hub, get_hub
from ..live.session_config import describe_session_schema
from ..settings import Settings, get_settings
from ..wire.frames import quantize, value_range
from .module_graph import module_urls

FEATURE_PREVIEW_GRID = 25
ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
router = APIRouter()
templates = Jinja2Templates(directory=str(TEMPLATES))


def schema_document(settings: Settings) -> dict[str, Any]:
    """What /api/schema serves and the page receives inline as `schema_json`."""
    return {"protocol": PROTOCOL, "server_version": __version__, "config": _config_schema(),
            "session": describe_session_schema(), "rules": describe_config_rules(),
            "limits": settings.limits(), "features": _features()}


@lru_cache(maxsize=1)
def _config_schema() -> dict[str, Any]:
    return describe_schema()


@lru_cache(maxsize=1)
def _features() -> dict[str, Any]:
    """Every input feature's label and picture (for the FEATURES column before the session has
    sent grids of its own): the engine's functions over the unit grid, quantised to uint8 over a
    symmetric range and base64-encoded (~7 KB for all nine), so the page computes nothing."""
    values = transform(grid_points(FEATURE_PREVIEW_GRID), FEATURES)
    previews = {}
    for k, name in enumerate(FEATURES):
        span = float(abs(values[:, k]).max()) or 1.0
        lo, hi = value_range(values[:, k], -span, span)
        q = quantize(values[:, k].astype("float32"), lo, hi)
        previews[name] = {"data": base64.b64encode(q.tobytes()).decode("ascii"), "lo": lo, "hi": hi}
    return {"grid": FEATURE_PREVIEW_GRID, "labels": dict(FEATURE_LABELS), "previews": previews}


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    if not (TEMPLATES / "index.html").is_file():
        return PlainTextResponse("templates/index.html is missing from this installation", status_code=503)
    context = {"version": __version__, "protocol": PROTOCOL, "modules": module_urls(ROOT / "static"),
               # "</" escaped: the JSON is embedded in a <script> element
               "schema_json": json.dumps(schema_document(settings), separators=(",", ":")).replace("</", "<\\/")}
    return templates.TemplateResponse(request, "index.html", context)


@router.get("/healthz")
async def healthz(hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    """Liveness and load of the worker that answers (tests use sessions and tasks)."""
    return {"ok": True, "version": __version__, **hub.health()}


@router.get("/api/schema")
async def api_schema(settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """Every config key's kind, default, range, choices, presets, doc and what it resets, and the
    rules between keys."""
    return schema_document(settings)
