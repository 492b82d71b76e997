"""Input features: what the network sees of a point (x1, x2).

`FEATURE_FUNCS` maps a feature name to a ufunc-style function `f(x1, x2, out=None)`; adding a
feature is one entry here (and its name in engine.config.FEATURES). Every function is built from
NumPy ufuncs so that, given `out`, it writes in place and allocates nothing: `transform` is called
on the 100×100 grid every frame.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .config import ConfigError, FEATURES

FeatureFunc = Callable[..., np.ndarray]

FEATURE_FUNCS: dict[str, FeatureFunc] = {
    "x1": lambda x1, x2, out=None: np.positive(x1, out=out),
    "x2": lambda x1, x2, out=None: np.positive(x2, out=out),
    "x1_sq": lambda x1, x2, out=None: np.multiply(x1, x1, out=out),
    "x2_sq": lambda x1, x2, out=None: np.multiply(x2, x2, out=out),
    "x1x2": lambda x1, x2, out=None: np.multiply(x1, x2, out=out),
    "sin_x1": lambda x1, x2, out=None: np.sin(x1, out=out),
    "sin_x2": lambda x1, x2, out=None: np.sin(x2, out=out),
    "cos_x1": lambda x1, x2, out=None: np.cos(x1, out=out),
    "cos_x2": lambda x1, x2, out=None: np.cos(x2, out=out),
}

# How the page and exported code label each feature (the Playground's notation).
FEATURE_LABELS: dict[str, str] = {
    "x1": "X₁", "x2": "X₂", "x1_sq": "X₁²", "x2_sq": "X₂²", "x1x2": "X₁X₂",
    "sin_x1": "sin(X₁)", "sin_x2": "sin(X₂)", "cos_x1": "cos(X₁)", "cos_x2": "cos(X₂)",
}

# Plain NumPy expressions of the features in terms of `x1` and `x2`, used by the exporters
# (engine/export.py) so the generated code computes exactly what `transform` computes.
FEATURE_EXPRESSIONS: dict[str, str] = {
    "x1": "x1", "x2": "x2", "x1_sq": "x1 * x1", "x2_sq": "x2 * x2", "x1x2": "x1 * x2",
    "sin_x1": "sin(x1)", "sin_x2": "sin(x2)", "cos_x1": "cos(x1)", "cos_x2": "cos(x2)",
}

assert set(FEATURE_FUNCS) == set(FEATURES) == set(FEATURE_LABELS) == set(FEATURE_EXPRESSIONS)


def transform(xy: np.ndarray, names: Sequence[str], out: np.ndarray | None = None) -> np.ndarray:
    """The features `names` of the points `xy` (n, 2), as an (n, len(names)) array.

    With `out` (shape (n, F), any float dtype) the result is written there and nothing is
    allocated; the hot path (grids every frame) passes a preallocated buffer.
    """
    for name in names:
        if name not in FEATURE_FUNCS:
            raise ConfigError("features", f"{name!r} is not allowed; allowed: {', '.join(FEATURE_FUNCS)}")
    xy = np.asarray(xy)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"xy must have shape (n, 2), got {xy.shape}")
    shape = (xy.shape[0], len(names))
    if out is None:
        out = np.empty(shape, dtype=np.float64)
    elif out.shape != shape:
        raise ValueError(f"out must have shape {shape}, got {out.shape}")
    x1, x2 = xy[:, 0], xy[:, 1]
    for column, name in enumerate(names):
        FEATURE_FUNCS[name](x1, x2, out=out[:, column])
    return out
