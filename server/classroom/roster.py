"""The teacher's view of the class: every worker's roster slice merged into one list."""

from __future__ import annotations

import json
import time
from typing import Any

from ..wire import replies

SLICE_LIFETIME = 2.0  # a worker that stopped reporting (its students left, it died) drops out


class RosterView:
    """Slices in, one roster out (only when something changed, at most as often as asked)."""

    def __init__(self) -> None:
        self._slices: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self._sent: str | None = None

    def take_slice(self, message: bytes) -> None:
        """One worker's students (a broker message on `nnp:roster:CODE`)."""
        data = json.loads(message)
        self._slices[data["worker"]] = (time.monotonic(), data["students"])

    def students(self, now: float) -> list[dict[str, Any]]:
        """Every student reported lately, once each (a student who moved to another worker
        counts where they were seen last), by name."""
        by_id: dict[str, tuple[float, dict[str, Any]]] = {}
        for worker, (seen, students) in list(self._slices.items()):
            if now - seen > SLICE_LIFETIME:
                del self._slices[worker]
                continue
            for student in students:
                if student["id"] not in by_id or by_id[student["id"]][0] < seen:
                    by_id[student["id"]] = (seen, student)
        return sorted((s for _, s in by_id.values()), key=lambda s: (s["name"].lower(), s["id"]))

    def student_ids(self) -> set[str]:
        return {s["id"] for s in self.students(time.monotonic())}

    def roster(self, now: float, ranked: bool) -> dict[str, Any] | None:
        """The `roster` message, or None if it says what the last one said."""
        students = self.students(now)
        ranking = None
        if ranked:
            scored = [s for s in students if s.get("challenge_score") is not None]
            ranking = [s["id"] for s in sorted(scored, key=lambda s: s["challenge_score"])]
        message = replies.roster(students, ranking)
        text = json.dumps(message, sort_keys=True)
        if text == self._sent:
            return None
        self._sent = text
        return message
