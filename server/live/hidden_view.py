"""The hidden-space subscription of a session (protocol: `hidden_space`).

While subscribed, every frame carries the input plane's grid lines and the data mapped into
two units of one hidden layer (engine.insight.hidden_space_arrays) as float32 arrays, and a
`hidden_space` header entry describing them.
"""

from __future__ import annotations

from typing import Any

from engine import ConfigError
from engine.insight import hidden_space_arrays

from ..wire import frames

LINES = 13  # grid lines each way over [-6, 6] (one every unit)
SAMPLES = 60  # points along each line: smooth curves, 37 KB a frame at most


class HiddenView:
    """One subscription: a hidden layer and two of its units."""

    def __init__(self, layer: int, units: list[int]):
        self.layer = layer
        self.units = list(units)

    def check(self, trainer: Any) -> None:
        """Raise ConfigError (field `layer` or `units`, with the allowed range) if the current
        network has no such layer or units; a diverged network is not an error here."""
        config = trainer.config
        hidden = config["hidden"]
        if not hidden:
            raise ConfigError("layer", "this network has no hidden layer; add one to see the hidden space")
        if isinstance(self.layer, bool) or not 0 <= self.layer < len(hidden):
            raise ConfigError("layer", f"expected a whole number 0..{len(hidden) - 1}, got {self.layer!r}")
        width = hidden[self.layer]
        for unit in self.units:
            if isinstance(unit, bool) or not 0 <= unit < width:
                raise ConfigError("units", f"layer {self.layer} has {width} units; expected two whole numbers "
                                           f"0..{width - 1}, got {self.units!r}")

    def encode(self, trainer: Any) -> tuple[dict[str, Any] | None, list[frames.EncodedArray]]:
        """(header entry, arrays) for a frame; (None, []) when the network diverged."""
        if trainer.diverged:  # its activations may still be finite, but they mean nothing
            return None, []
        try:
            space = hidden_space_arrays(trainer, self.layer, self.units[0], self.units[1], LINES, SAMPLES)
        except ConfigError:
            # diverged (nothing finite to draw in this frame); a layer that vanished was already
            # unsubscribed by Session.check_hidden_view, so this is the only case in practice
            return None, []
        header = {"layer": space["layer"], "units": space["units"], "range": space["range"],
                  "lines": LINES, "samples": SAMPLES, "n_train": space["n_train"]}
        arrays = [frames.floats("hidden_lines", space["lines"]),
                  frames.floats("hidden_points", space["points"])]
        return header, arrays
