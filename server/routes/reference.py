"""Reference data over HTTP: the lesson list and the activation curves (both fixed while the
server runs, so they are computed once)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends

from engine.insight import activation_curves

from ..live.hub import Hub, get_hub

router = APIRouter()

# What the page needs of a lesson; points and fixed weights reach it through the session.
LESSON_FIELDS = ("id", "order", "title", "explanation", "config", "compare", "play", "epochs", "early_stopping",
                 "watch", "keys", "compare_keys")


def lessons_document(lessons: list[dict[str, Any]]) -> dict[str, Any]:
    """What /api/lessons serves: every lesson in picker order with the fields the page uses."""
    return {"lessons": [{key: lesson[key] for key in LESSON_FIELDS} for lesson in lessons]}


@lru_cache(maxsize=1)
def _curves() -> dict[str, Any]:
    return {"activations": activation_curves()}


@router.get("/api/lessons")
async def api_lessons(hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    """The lessons (titles and explanations in English and 简体中文, full configs)."""
    return lessons_document(hub.lessons)


@router.get("/api/activations")
async def api_activations() -> dict[str, Any]:
    """Every activation and its derivative at 121 points over [-6, 6]."""
    return _curves()
