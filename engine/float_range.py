"""The range of values the engine accepts from outside: finite and within float32's.

The frames carry every weight, output and loss as float32 (server/frames.py), and the float32
evaluation passes square and sum them; a value past float32's largest (about 3.4e38) set by a
client, a lesson, a model file or an uploaded regression target would turn into infinity there,
with NumPy overflow warnings in the server's log. Refusing such a value where it enters, with
its name and this range, keeps the state the engine trains on representable everywhere.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .config import ConfigError

FLOAT32_MAX = float(np.finfo(np.float32).max)  # 3.4028234663852886e38
ALLOWED = "finite numbers from -3.4e38 to 3.4e38 (float32's range)"


def in_float32_range(value: float) -> bool:
    """True for a finite number whose magnitude float32 can hold (any int or float)."""
    try:
        return abs(float(value)) <= FLOAT32_MAX  # False for NaN and infinities
    except OverflowError:  # an int past float64's range
        return False


def outside_float32_range(values: np.ndarray) -> np.ndarray:
    """Element-wise: True where a value is NaN, infinite or beyond float32's range."""
    with np.errstate(invalid="ignore"):  # NaN compares False without a warning
        return ~(np.abs(values) <= FLOAT32_MAX)


def float32_value(name: str, value: Any) -> float:
    """`value` as a float if it is a number in float32's range; else ConfigError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ConfigError(name, f"expected a number, got {value!r}; allowed: {ALLOWED}")
    if not in_float32_range(value):
        raise ConfigError(name, f"{_show(value)} is out of range; allowed: {ALLOWED}")
    return float(value)


def _show(value: Any) -> str:
    """A value for a message: a huge integer by its length, not its 5,000 digits."""
    if isinstance(value, int) and abs(value) >= 10**20:  # str() refuses ints past 4,300 digits
        return f"a {int(value.bit_length() * math.log10(2)) + 1}-digit number"
    return f"{float(value):g}" if isinstance(value, (float, np.floating)) else repr(value)
