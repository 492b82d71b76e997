"""How much memory a trainer of a given config needs while it trains and draws.

A trainer's large arrays are its workspaces (engine.network.Workspace): one for training
(float64, batch-size columns, with derivative buffers), one for the epoch-end evaluation
(float32, one column per point) and one for pictures (float32, one column per grid cell;
small ones live in the thread's shared scratch, engine.scratch), besides the last pictures
drawn (kept for the next snapshot while the network does not change). Everything else (parameters,
optimizer state, the data) is small beside them. The estimate follows the workspaces' shapes,
so it is a function of the network shape, the batch size and the number of points; the
server refuses configs whose estimate would take it past its memory budget.
tests/test_engine_memory.py checks it against measured allocations.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .activations import ACTIVATIONS
from .scratch import MAX_BYTES as SHARED_SCRATCH_BYTES

GRID_CELLS, UNIT_GRID_CELLS = 100 * 100, 25 * 25  # a frame's output grid and unit grid (Trainer.snapshot)
PICTURE_COLUMNS = GRID_CELLS + UNIT_GRID_CELLS
FLOAT64, FLOAT32 = 8, 4
# Per point and parameter: data copies (float64 and float32, shuffled copies, targets) and the
# parameters with gradient, optimizer moments and float32 copy.
BYTES_PER_POINT_INPUT = 40
BYTES_PER_PARAMETER = 48


def layer_rows(sizes: Sequence[int], pieces: Sequence[int]) -> list[int]:
    """Rows of each layer's pre-activation z: units × pieces (maxout: 2), the output's as is."""
    return [u * p for u, p in zip(sizes[1:-1], pieces)] + [sizes[-1]]


def workspace_bytes(sizes: Sequence[int], pieces: Sequence[int], n: int, itemsize: int, *,
                    train: bool = False, picture: bool = False) -> int:
    """Bytes of one Workspace over `n` points for layer sizes [inputs, hidden..., outputs]."""
    hidden = list(sizes[1:-1])
    z_rows = layer_rows(sizes, pieces)
    stack = sum(u + 1 for u in hidden) + sizes[-1]
    rows = stack + sum(z_rows)
    if picture:
        rows += 2 * max(z_rows)
    if train:
        rows += stack + sum(r + 1 for r in z_rows) + sum(u + 1 for u in hidden) + sizes[-1]
    return rows * n * itemsize


def deep_bytes(sizes: Sequence[int], pieces: Sequence[int], n: int, itemsize: int, normalization: str, *,
                train: bool = False) -> int:
    """Bytes of engine.deep's buffers beside a workspace over `n` points: with normalization,
    each hidden layer's h and ẑ (and for training dE/dh); for training, dE/da."""
    z_rows = sum(layer_rows(sizes, pieces)[:-1])
    rows = 2 * z_rows if normalization != "none" else 0
    if train:
        rows += (z_rows if normalization != "none" else 0) + sum(u + 1 for u in sizes[1:-1])
    return rows * n * itemsize


def parameter_count(sizes: Sequence[int], pieces: Sequence[int]) -> int:
    """Weights and biases of the network (maxout units have two pieces' worth)."""
    rows = layer_rows(sizes, pieces)
    return sum(r * (fan_in + 1) for r, fan_in in zip(rows, sizes[:-1]))


def trainer_bytes(config: Mapping[str, Any], n_points: int, n_train: int, n_outputs: int) -> int:
    """The memory a trainer with `config` on `n_points` points (`n_train` for training) holds
    while it trains and draws frames; `n_outputs` is 1, or the class count beyond two classes."""
    hidden = list(config["hidden"])
    activation = config["activation"]
    names = [activation] * len(hidden) if isinstance(activation, str) else list(activation)
    pieces = [ACTIVATIONS[name].pieces for name in names]
    sizes = [len(config["features"]), *hidden, n_outputs]
    batch = max(1, min(int(config["batch_size"]), n_train)) if n_train else 0
    total = workspace_bytes(sizes, pieces, batch, FLOAT64, train=True) if batch else 0
    total += workspace_bytes(sizes, pieces, n_points, FLOAT32)
    picture = workspace_bytes(sizes, pieces, PICTURE_COLUMNS, FLOAT32, picture=True)
    if picture > SHARED_SCRATCH_BYTES:  # smaller ones share the thread's scratch memory
        total += picture
    norm = config.get("normalization", "none")
    if norm != "none" or config.get("residual"):  # engine.deep's own buffers (never in shared scratch)
        total += deep_bytes(sizes, pieces, batch, FLOAT64, norm, train=True) if batch else 0
        total += deep_bytes(sizes, pieces, n_points, FLOAT32, norm)
        total += deep_bytes(sizes, pieces, PICTURE_COLUMNS, FLOAT32, norm)
    total += n_points * (sizes[0] + 1 + n_outputs) * BYTES_PER_POINT_INPUT
    total += (n_outputs * GRID_CELLS + sum(hidden) * UNIT_GRID_CELLS) * FLOAT32  # the last pictures, kept
    total += parameter_count(sizes, pieces) * BYTES_PER_PARAMETER
    return total
