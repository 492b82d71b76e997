"""One `points` message applied to a trainer: clear, then remove, then add.

The engine refuses an addition that does not fit, but only after a clear or a removal in
the same message ran; `check_room` checks first, so that usually nothing changes. An edit
remembers which steps ran, so that a refusal midway is still reported to the client.
"""

from __future__ import annotations

from typing import Any

from engine import ConfigError, Trainer

from .memory_budget import check_points

POINTS_INLINE = 200  # edits larger than this run in a thread


class PointEdit:
    """Clear, remove and add, as one `points` message asks."""

    def __init__(self, add: list | None, remove: list | None, clear: bool, train: list[bool] | None = None):
        self.add, self.remove, self.clear, self.train = add, remove, clear, train
        self.done: list[str] = []  # the steps that ran ("clear", "remove", "add")
        self._reset: list[str] = []

    @property
    def large(self) -> bool:
        """Whether it should run in a thread: removing n points searches all m for each."""
        return len(self.add or ()) + len(self.remove or ()) > POINTS_INLINE

    @property
    def reset(self) -> list[str]:
        """The parts the steps that ran rebuilt, in the order a `config` reply lists them."""
        return [part for part in ("data", "network", "optimizer") if part in self._reset]

    def check_room(self, trainer: Trainer, max_points: int, budget_mb: int) -> None:
        """ConfigError("points") if the additions would not fit after the clear and removals: past
        `max_points`, or past the process's memory budget (server.live.memory_budget)."""
        if not self.add:
            return
        have = 0 if self.clear else max(0, len(trainer.points) - len(self.remove or []))
        if have + len(self.add) > max_points:
            raise ConfigError("points", f"too many points: {have} + {len(self.add)} would exceed the limit "
                                        f"of {max_points} points per session", code="too_many_points",
                              allowed=f"0..{max_points}")
        check_points(trainer, have + len(self.add), budget_mb)

    def apply(self, trainer: Trainer) -> None:
        """Run the steps in order; ConfigError (points, label...) stops at the refused one."""
        steps: tuple[tuple[str, Any, Any], ...] = (
            ("clear", self.clear, trainer.clear_points),
            ("remove", self.remove, lambda: trainer.remove_points(self.remove)),
            ("add", self.add, lambda: trainer.add_points(self.add, self.train)))
        for name, wanted, call in steps:
            if wanted:
                self._reset.extend(call() or [])
                self.done.append(name)
