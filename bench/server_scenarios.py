"""The classroom scenarios of bench/server_bench.py (issue 15) and the engine's own cost of
the work a round did, measured in the benchmark's process.

- same: every client plays the default config;
- mixed: clients spread evenly over five configs (default, spiral [8,8,8] relu, xor [4] tanh,
  blobs with 4 classes, regression plane);
- lecture: every client opens the same lesson (and opens it again when its run length ends,
  as a student would);
- greedy: client 0 opens four sessions of the largest network (16×64 maxout, 9 features,
  2,000 samples, batch 2,000) as fast as possible on one page; the others play the default.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import Trainer  # noqa: E402
from engine.config import FEATURES  # noqa: E402
from engine.lessons import lesson_trainer, load_lessons  # noqa: E402
from server.live.frame_content import unit_grid_size  # noqa: E402
from engine_bench import drawn_snapshot  # noqa: E402  (bench/ is on sys.path: this file is run from there)

MIXED = {
    "default": {},
    "spiral": {"dataset": "spiral", "hidden": [8, 8, 8], "activation": "relu"},
    "xor": {"dataset": "xor", "hidden": [4], "activation": "tanh"},
    "blobs4": {"dataset": "blobs", "n_classes": 4},
    "plane": {"problem": "regression", "dataset": "plane"},
}
GREEDY = {"features": list(FEATURES), "hidden": [64] * 16, "activation": "maxout", "n_samples": 2000,
          "batch_size": 2000, "epochs_per_second": 0}
GREEDY_SESSIONS = 4
LECTURE_LESSON = "sgd_vs_momentum"  # spiral [8,8,8] tanh, plays 500 epochs
SCENARIOS = ("same", "mixed", "lecture", "greedy")


@dataclass
class Plan:
    """What one benchmark connection does: its page, its setup message and what it counts as."""

    page: str
    kind: str  # a MIXED key, "greedy" or "lesson"
    setup: dict[str, Any] | None  # the message sent after hello (None: none)
    neighbour: bool = True  # counted in the scenario's headline figures
    stats: Any = field(default=None)


def plans(scenario: str, clients: int) -> list[Plan]:
    """One Plan per connection of a round with `clients` clients."""
    if scenario == "same":
        return [Plan(f"c{i}", "default", None) for i in range(clients)]
    if scenario == "mixed":
        names = list(MIXED)
        return [Plan(f"c{i}", names[i % len(names)], config_message(MIXED[names[i % len(names)]]))
                for i in range(clients)]
    if scenario == "lecture":
        return [Plan(f"c{i}", "lesson", {"type": "lesson", "id": LECTURE_LESSON}) for i in range(clients)]
    if scenario == "greedy":
        greedy = [Plan("c0", "greedy", config_message(GREEDY), neighbour=False) for _ in range(GREEDY_SESSIONS)]
        return greedy + [Plan(f"c{i}", "default", None) for i in range(1, clients)]
    raise SystemExit(f"--scenario: {scenario!r}; allowed: {', '.join(SCENARIOS)}")


def config_message(patch: dict[str, Any]) -> dict[str, Any] | None:
    return {"type": "config", "patch": patch} if patch else None


def trainer_for(kind: str) -> Trainer:
    """A trainer set up as the server's session of that kind is (same seed and config keys)."""
    if kind == "lesson":
        lesson = {item["id"]: item for item in load_lessons(str(ROOT / "lessons"))}[LECTURE_LESSON]
        return lesson_trainer(lesson, "left")[0]
    patch = GREEDY if kind == "greedy" else MIXED[kind]
    return Trainer({"seed": 1, **{k: v for k, v in patch.items() if k != "epochs_per_second"}})


def engine_costs(kind: str, repeat: int = 30) -> tuple[float, float, int]:
    """(CPU seconds of one trainer.step batch, of one frame's snapshot, batches per epoch) for
    a session of that kind, measured here in-process."""
    trainer = trainer_for(kind)
    units = sum(trainer.config["hidden"])
    n_train = int(trainer.points.train.sum())
    per_epoch = max(1, math.ceil(n_train / max(1, min(trainer.config["batch_size"], n_train))))
    repeat = max(3, repeat // 10) if kind == "greedy" else repeat
    trainer.step(batches=1)
    trainer.snapshot(grid=100, unit_grid=unit_grid_size(units))
    batches, snapshots = [], []
    for _ in range(5):  # the median of five trials: the machine may be busy meanwhile
        start = time.process_time()
        trainer.step(batches=repeat * 5)
        batches.append((time.process_time() - start) / (repeat * 5))
        start = time.process_time()
        for _ in range(repeat // 5 or 1):  # drawn, as a playing session's frames are
            drawn_snapshot(trainer, grid=100, unit_grid=unit_grid_size(units))
        snapshots.append((time.process_time() - start) / (repeat // 5 or 1))
    batch, snapshot = statistics.median(batches), statistics.median(snapshots)
    return batch, snapshot, per_epoch


def engine_seconds(plans_done: list[Plan], counted_seconds: float) -> float:
    """The engine's CPU seconds for the batches and snapshots the server did in the counted
    part of a round (epochs × batches per epoch, frames), by each plan's kind."""
    costs: dict[str, tuple[float, float, int]] = {}
    total = 0.0
    for plan in plans_done:
        if plan.kind not in costs:
            costs[plan.kind] = engine_costs(plan.kind)
        batch, snapshot, per_epoch = costs[plan.kind]
        total += plan.stats.epochs * per_epoch * batch + plan.stats.frames * snapshot
    return total


def is_text_of(message: str, kind: str) -> bool:
    """Cheaply: is this text reply of that type (replies start with their type)."""
    return message.startswith(f'{{"type":"{kind}"')


def reply_version(message: str) -> int | None:
    """The config version a `config` reply announces."""
    return json.loads(message).get("version")
