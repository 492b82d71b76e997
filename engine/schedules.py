"""Learning-rate schedules: name -> function of the epoch (one table, as the activations).

Each takes the epochs completed so far and the config, and gives the factor the configured
`learning_rate` is multiplied by for every step of the next epoch:

- constant: 1;
- step: lr_decay ** (epoch // lr_step): × lr_decay every lr_step epochs (epochs 0..lr_step−1
  at the full rate, the next lr_step at lr_decay times it, ...);
- exponential: lr_decay ** epoch: a little less every epoch;
- cosine: ½(1 + cos(π·epoch / lr_period)) over lr_period epochs, from the full rate down to 0,
  where it stays (Loshchilov & Hutter's annealing, without restarts: slow down at the end).

The rate changes only between epochs (the trainer relists its steps then), so a step's call
list bakes it in as it bakes in a constant rate.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

Schedule = Callable[[int, Mapping[str, Any]], float]


def _constant(epoch: int, cfg: Mapping[str, Any]) -> float:
    return 1.0


def _step(epoch: int, cfg: Mapping[str, Any]) -> float:
    return float(cfg["lr_decay"]) ** (epoch // int(cfg["lr_step"]))


def _exponential(epoch: int, cfg: Mapping[str, Any]) -> float:
    return float(cfg["lr_decay"]) ** epoch


def _cosine(epoch: int, cfg: Mapping[str, Any]) -> float:
    period = int(cfg["lr_period"])
    return 0.5 * (1.0 + math.cos(math.pi * min(epoch, period) / period))


SCHEDULES: dict[str, Schedule] = {
    "constant": _constant, "step": _step, "exponential": _exponential, "cosine": _cosine,
}


def current_rate(cfg: Mapping[str, Any], epoch: int) -> float:
    """The learning rate of the steps of epoch `epoch` (0 = the first) under `cfg`'s schedule."""
    rate = float(cfg["learning_rate"])
    name = cfg.get("lr_schedule", "constant")
    return rate if name == "constant" else rate * SCHEDULES[name](epoch, cfg)
