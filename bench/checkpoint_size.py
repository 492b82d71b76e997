"""How large a `checkpoint` (engine.resume) of the largest allowed network gets, in JSON bytes.

The `resume` message carries it back to a restarted server, so `--max-resume-bytes` must hold
it with room for the loss history (server.settings). This builds the largest network the config
allows (16 hidden layers of 64 maxout units, all 9 features) with each optimizer, stopped in
the middle of an epoch (the checkpoint then also carries the epoch's order and the parameters
the last epoch ended with), once on generated data and once on the most custom points a
session may hold, and prints each checkpoint's size and the largest.

    python bench/checkpoint_size.py                  # default --max-points 5000
    python bench/checkpoint_size.py --max-points 20000
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.config import OPTIMIZERS, validate_config  # noqa: E402
from engine.resume import resume_state  # noqa: E402
from engine.trainer import Trainer  # noqa: E402

LARGEST = {"hidden": [64] * 16, "activation": "maxout", "n_samples": 2000, "train_ratio": 90,
           "features": ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2", "cos_x1", "cos_x2"]}


def checkpoint_bytes(optimizer: str, custom_points: int = 0, max_points: int = 5000) -> int:
    """JSON size of the checkpoint of the largest network trained with `optimizer` for one epoch
    and a half (mid-epoch: the largest form), on `custom_points` drawn points (0: generated data)."""
    config = validate_config({**LARGEST, "optimizer": optimizer, "batch_size": 50})
    trainer = Trainer(config, max_points=max_points)
    if custom_points:
        rng = np.random.default_rng(0)
        xy = rng.uniform(-6, 6, size=(custom_points, 2))
        trainer.set_points([[x, y, int(x * y > 0)] for x, y in xy.tolist()])
    trainer.train(1)
    trainer.step(max(1, trainer.training_data.n_train // (2 * trainer.batch_length())))
    return len(json.dumps(resume_state(trainer)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-points", type=int, default=5000, help="custom points a session may hold")
    args = parser.parse_args()
    largest = 0
    for optimizer in OPTIMIZERS:
        for points in (0, args.max_points):
            size = checkpoint_bytes(optimizer, points, args.max_points)
            largest = max(largest, size)
            data = f"{points} custom points" if points else "generated data"
            print(f"{optimizer:9s} {data:20s} {size:>10,d} bytes")
    print(f"largest: {largest:,d} bytes ({largest / 2**20:.2f} MiB)")


if __name__ == "__main__":
    main()
