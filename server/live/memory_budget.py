"""The process's memory budget (--max-memory-mb): config changes that would exceed it are refused.

Before a patch that makes a session's trainer bigger is applied, the trainer the new config
would build is estimated (engine.memory.trainer_bytes: its workspaces, from the network
shape, batch size and points) and added to what the process holds now (its RSS). Past the
budget, the patch is refused as a whole with `invalid_config` naming the key that grew it,
before anything is built. Patches that do not grow the trainer (a learning rate, a smaller
network) always pass, so a session can always get back under the budget. Paused sessions of
big networks drop their workspaces (release_if_big), so the budget is mostly spent by the
sessions that train.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

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
    before = estimate(trainer.config, old_points, trainer.n_classes)
    after = estimate(new, new_points, datasets.n_classes(new))
    if after <= before:
        return
    in_use = process_rss_bytes()
    if in_use + after > budget_mb * MB:
        raise ConfigError(sizing[0], f"this change needs about {after // MB} MB for its network and data, and the "
                                     f"server already uses {in_use // MB} MB of its {budget_mb} MB budget "
                                     f"(--max-memory-mb); choose a smaller network, batch or data set")  # the config route replies invalid_config


def release_if_big(trainer: Trainer) -> None:
    """Drop a paused trainer's workspaces when they are big (Trainer.release_memory: the same
    results after), and hand the memory back to the system."""
    if estimate(trainer.config, len(trainer.points.label), trainer.n_classes) > RELEASE_ABOVE_BYTES:
        trainer.release_memory()
        allocator.trim()
