"""`POST /api/classes`: a teacher (holding the key the server printed at startup) starts a class;
`GET /teach`: the dashboard page (templates/teach.html, static/js/teach/)."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ..live.hub import Hub, get_hub
from ..settings import Settings, get_settings
from ..wire import replies
from .module_graph import module_urls
from .pages import ROOT, templates

router = APIRouter()


def join_url(base: str, code: str) -> str:
    """The link students open (the page joins the class from `?class=`)."""
    return f"{base.rstrip('/')}/?class={code}"


def teacher_url(base: str, code: str, token: str) -> str:
    """The dashboard's link; the token rides in the fragment, which no request or log carries."""
    return f"{base.rstrip('/')}/teach?class={code}#token={token}"


def key_error(settings: Settings, authorization: str | None) -> JSONResponse | None:
    """401 without a bearer key, 403 with a wrong one (or when the server has none); else None."""
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return JSONResponse(replies.upload_error("unauthorized", "Authorization", "send Authorization: Bearer "
                                                 "<teacher key>; the server prints it at startup"),
                            status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if not settings.teacher_key or not hmac.compare_digest(key.strip().encode(), settings.teacher_key.encode()):
        return JSONResponse(replies.upload_error("forbidden", "Authorization", "not this server's teacher key"),
                            status_code=403)
    return None


@router.post("/api/classes")
async def create_class(request: Request, settings: Settings = Depends(get_settings),
                       hub: Hub = Depends(get_hub)) -> Any:
    """A new class: its code, the teacher token (shown once) and the students' join link."""
    refused = key_error(settings, request.headers.get("authorization"))
    if refused is not None:
        return refused
    record, token = await hub.classroom.store.create()
    base = str(request.base_url)
    return {"code": record.code, "teacher_token": token, "join_url": join_url(base, record.code),
            "teacher_url": teacher_url(base, record.code, token)}


@router.get("/teach", response_class=HTMLResponse)
async def teach(request: Request) -> Response:
    """The teacher dashboard; the key or the class token travel in the URL's fragment."""
    modules = module_urls(ROOT / "static", "js/teach/main.js")  # preloaded at once, as the page's
    return templates.TemplateResponse(request, "teach.html", {"modules": modules})
