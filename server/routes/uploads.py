"""`POST /api/csv`: parse an uploaded CSV of x,y,label rows into points for the page.

Stateless on purpose: with several uvicorn workers an HTTP request may reach another process
than the page's WebSocket, so this only parses (engine.csvdata.parse_csv) and answers the
points; the page then sends them to its session as a `points` message. The body is read in
chunks and refused with 413 as soon as it passes `max_upload_bytes`, so a huge upload never
sits in memory whole.
"""

from __future__ import annotations

import logging
import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from engine import ConfigError
from engine.config import check_value
from engine.csvdata import MAX_CLASSES, parse_csv

from ..live.background import in_background
from ..settings import Settings, get_settings
from ..wire import replies

log = logging.getLogger("nn_playground.uploads")
router = APIRouter()



def error_response(status: int, code: str, field: str, message: str, line: int | None = None) -> JSONResponse:
    """`{"error": {code, field, line, message}}` (server.wire.replies) with an HTTP status."""
    return JSONResponse(replies.upload_error(code, field, message, line), status_code=status)


def _query(request: Request) -> tuple[str, int | None]:
    """(problem, n_classes) from the query string; ConfigError naming the parameter."""
    problem = check_value("problem", request.query_params.get("problem"))  # the schema's choices
    raw = request.query_params.get("n_classes")
    if raw is None or problem == "regression":  # a regression target is a number, not a class
        return problem, None
    if not re.fullmatch(r"\d{1,2}", raw) or not 2 <= int(raw) <= MAX_CLASSES:
        raise ConfigError("n_classes", f"{raw!r} is not allowed; allowed: a whole number 2..{MAX_CLASSES}")
    return problem, int(raw)


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is longer than `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/api/csv")
async def upload_csv(request: Request, settings: Settings = Depends(get_settings)) -> JSONResponse:
    """Parse the uploaded file; 200 with the points, 400 for a bad file or query, 413 if too big."""
    try:
        problem, n_classes = _query(request)
    except ConfigError as exc:
        return error_response(400, exc.code, exc.key, str(exc))
    limit = settings.max_upload_bytes
    try:
        data = await _read_body(request, limit)
    except ClientDisconnect:  # a closed tab or a dropped network: nobody is left to answer
        client = request.client.host if request.client else "?"
        log.warning("CSV upload from %s aborted by the client before its body was complete", client)
        return Response(status_code=400)
    if data is None:
        return error_response(413, "too_large", "csv", f"the file is too large; allowed: at most {limit:,} bytes")
    try:
        # up to a megabyte of rows: parsed in a thread so the training and frames go on
        parsed = await in_background(lambda: parse_csv(data, problem=problem, n_classes=n_classes,
                                                       max_bytes=limit, max_points=settings.max_points))
    except ConfigError as exc:
        return error_response(400, exc.code, exc.key, exc.message, exc.line)
    return JSONResponse(replies.uploaded_points(
        points=parsed.points.tolist(), problem=problem, n_classes=parsed.n_classes, class_names=parsed.class_names,
        scale=parsed.scale, messages=parsed.messages, split=None if parsed.split is None else parsed.split.tolist()))
