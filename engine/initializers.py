"""Weight initializations, all seeded: name -> function (rng, fan_in, fan_out) -> (W, b).

- tf_uniform: W ~ U(-0.5, 0.5), b = 0.1 (the TensorFlow Playground's);
- small: 0.001·randn, b = 0 (the notes' "small random numbers");
- xavier: randn / √fan_in, b = 0 (variance 1/fan_in keeps the output scale);
- he: randn · √(2 / fan_in), b = 0 (for ReLU, which zeroes half of its inputs);
- zeros: everything 0, to show the symmetry the notes warn about: every unit of a layer gets
  the same gradient and stays identical forever.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .errors import ConfigError

Init = Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray]]

INITIALIZERS: dict[str, Init] = {
    "tf_uniform": lambda rng, fan_in, fan_out: (rng.uniform(-0.5, 0.5, (fan_in, fan_out)), np.full(fan_out, 0.1)),
    "small": lambda rng, fan_in, fan_out: (0.001 * rng.standard_normal((fan_in, fan_out)), np.zeros(fan_out)),
    "xavier": lambda rng, fan_in, fan_out: (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in),
                                            np.zeros(fan_out)),
    "he": lambda rng, fan_in, fan_out: (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in),
                                        np.zeros(fan_out)),
    "zeros": lambda rng, fan_in, fan_out: (np.zeros((fan_in, fan_out)), np.zeros(fan_out)),
}


def initialize(name: str, rng: np.random.Generator, fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
    """(W (fan_in, fan_out), b (fan_out,)) drawn with initialization `name` from `rng`."""
    try:
        init = INITIALIZERS[name]
    except KeyError:
        raise ConfigError("init", f"{name!r} is not allowed; allowed: {', '.join(INITIALIZERS)}",
                          allowed=", ".join(INITIALIZERS)) from None
    return init(rng, fan_in, fan_out)
