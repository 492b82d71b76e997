"""Numbers as the wire carries them (JSON replies and frame headers)."""

from __future__ import annotations

import math


def finite(value: float) -> float | None:
    """A float for JSON with 7 significant digits (float32's precision, and a third of the
    bytes of repr); NaN and infinities (a diverged network) become null."""
    value = float(value)
    return float(f"{value:.7g}") if math.isfinite(value) else None
