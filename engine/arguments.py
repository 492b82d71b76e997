"""Checks of the plain arguments of engine methods (grid sizes, layer indices, values):
a ConfigError that names the argument and what is allowed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .config import ConfigError


def whole(name: str, value: Any, lo: int, hi: int) -> int:
    """`value` as an int if it is a whole number lo..hi; ConfigError(name) otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        allowed = f"{lo}..{hi}"
        raise ConfigError(name, f"expected a whole number {allowed}, got {value!r}", allowed=allowed)
    return int(value)


def count(name: str, value: Any) -> int:
    """A positive count (epochs, batches)."""
    return whole(name, value, 1, 10**9)


def finite(name: str, value: Any) -> float:
    """`value` as a float if it is a finite number; ConfigError(name) otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not math.isfinite(value):
        raise ConfigError(name, f"expected a finite number, got {value!r}")
    return float(value)
