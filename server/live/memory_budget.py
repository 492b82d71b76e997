"""The process's memory budget (--max-memory-mb): config changes that would exceed it are refused.

Before a patch that makes a session's trainer bigger is applied, the trainer the new config
would build is estimated (engine.memory.trainer_bytes: its workspaces, from the network
shape, batch size and points) and added to what the process holds now (its RSS). Past the
budget, the patch is refused as a whole with `invalid_config` naming the key that grew it,
before anything is built. Point edits (`check_points`) and whole new trainers (a loaded model,
a lesson, a resumed run: `within_budget`) are checked the same way and refused by name. Patches that do not grow the trainer (a learning rate, a smaller
network) always pass, so a session can always get back under the budget. Paused sessions of
big networks drop their workspaces (release_if_big), so the budget is mostly spent by the
sessions that train.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping

from engine import ConfigError, Trainer
from engine import datasets
from engine.config import apply_patch
from engine.memory import trainer_bytes

from . import allocator

MB = 1024 * 1024
RELEASE_ABOVE_BYTES = 16 * MB  # below, rebuilding a paused trainer's workspaces costs more than it saves
# The keys that size a trainer, in the order the error names them (the first one in the patch).
SIZING_KEYS = ("hidden", "activation", "features", "batch_size", "n_samples", "train_ratio", "dataset",
               "problem", "n_classes")


def machine_ram_mb() -> int:
    """Physical memory of this machine in MB (0 if unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // MB
    except (ValueError, OSError, AttributeError):
        return 0


def default_budget_mb() -> int:
    """A quarter of the machine's memory (at least 256 MB)."""
    return max(256, machine_ram_mb() // 4)


def process_rss_bytes() -> int:
    """This process's resident memory (Linux /proc; 0 where unknown)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def estimate(config: Mapping[str, Any], points: int, n_classes: int) -> int:
    """Bytes a trainer with `config` holds on `points` points (train_ratio of them training)."""
    n_train = min(points, max(0, round(points * config["train_ratio"] / 100)))
    return trainer_bytes(config, points, n_train, 1 if n_classes <= 2 else n_classes)


def check_patch(trainer: Trainer, patch: Mapping[str, Any], budget_mb: int) -> None:
    """Raise ConfigError (sent as `invalid_config`) if applying `patch` to `trainer` would take the
    process past `budget_mb`. An invalid patch passes here (Trainer.update names its error)."""
    sizing = [key for key in SIZING_KEYS if key in patch]
    if not sizing:
        return
    try:
        new, _ = apply_patch(trainer.config, patch)
    except ConfigError:
        return
    old_points = len(trainer.points.label)
    new_points = old_points if new["dataset"] == "custom" else new["n_samples"]
    check_growth(sizing[0], trainer_estimate(trainer), estimate(new, new_points, datasets.n_classes(new)), budget_mb,
                 "choose a smaller network, batch or data set")


def check_points(trainer: Trainer, n_points: int, budget_mb: int) -> None:
    """Raise ConfigError("points") if `trainer` holding `n_points` points (after an edit) would take
    the process past `budget_mb`."""
    check_growth("points", trainer_estimate(trainer), estimate(trainer.config, n_points, trainer.n_classes), budget_mb,
                 "add fewer points, or choose a smaller network or batch")


def check_replacement(live: Trainer, new: Trainer, budget_mb: int, key: str) -> None:
    """Raise ConfigError(`key`) if `new` (built aside, its workspaces not yet made) would take the
    process past `budget_mb` once it replaces `live` and trains."""
    check_growth(key, trainer_estimate(live), trainer_estimate(new), budget_mb, "choose a smaller network or data set")


def within_budget(build: Callable[[Trainer], tuple[Trainer, list[str]]], budget_mb: int,
                  key: str) -> Callable[[Trainer], tuple[Trainer, list[str]]]:
    """`build` (a Session.replace_trainer build: a loaded model, a lesson, a resumed run) refused
    with ConfigError(`key`) when what it builds does not fit the budget."""
    def checked(live: Trainer) -> tuple[Trainer, list[str]]:
        new, reset = build(live)
        check_replacement(live, new, budget_mb, key)
        return new, reset
    return checked


def check_growth(key: str, before: int, after: int, budget_mb: int, advice: str) -> None:
    """Raise ConfigError(`key`) if growing a trainer from `before` to `after` bytes would take the
    process past `budget_mb`; shrinking (or staying) always passes, so a session can get back under."""
    if after <= before:
        return
    in_use = process_rss_bytes()
    if in_use + after > budget_mb * MB:
        raise ConfigError(key, f"this change needs about {after // MB} MB for its network and data, and the "
                               f"server already uses {in_use // MB} MB of its {budget_mb} MB budget "
                               f"(--max-memory-mb); {advice}")


def trainer_estimate(trainer: Trainer) -> int:
    """Bytes `trainer` holds while it trains (estimate)."""
    return estimate(trainer.config, len(trainer.points.label), trainer.n_classes)


def release_if_big(trainer: Trainer) -> None:
    """Drop a paused trainer's workspaces when they are big (Trainer.release_memory: the same
    results after), and hand the memory back to the system."""
    if trainer_estimate(trainer) > RELEASE_ABOVE_BYTES:
        trainer.release_memory()
        allocator.trim()
