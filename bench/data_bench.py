"""Medians for the data paths: generating data sets, features over the frame grid, CSV in and out.

    python bench/data_bench.py

Not a test (the machine is shared and noisy): it prints milliseconds, medians of 7 repeats.
"""

from __future__ import annotations

import statistics
import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.config import FEATURES, validate_config  # noqa: E402
from engine.csvdata import parse_csv, to_csv  # noqa: E402
from engine.datasets import PointSet, generate, grid_points  # noqa: E402
from engine.features import transform  # noqa: E402


def median_ms(fn, number: int) -> float:
    return statistics.median(timeit.repeat(fn, number=number, repeat=7)) / number * 1e3


def main() -> None:
    for name in ("circle", "spiral", "blobs", "gaussians"):
        problem = "regression" if name == "gaussians" else "classification"
        cfg = validate_config({"dataset": name, "problem": problem, "n_samples": 2000, "n_classes": 5, "seed": 1})
        print(f"generate {name:<10} 2000 points        {median_ms(lambda: generate(cfg), 30):8.3f} ms")
    grid = grid_points(100)
    out64 = np.empty((len(grid), len(FEATURES)))
    out32 = np.empty((len(grid), 2), np.float32)
    print(f"transform 100x100 grid, 9 features, float64 out {median_ms(lambda: transform(grid, FEATURES, out=out64), 100):8.3f} ms")
    print(f"transform 100x100 grid, x1 x2, float32 out      {median_ms(lambda: transform(grid, ['x1', 'x2'], out=out32), 100):8.3f} ms")
    points = PointSet.empty(50, seed=0)
    rng = np.random.default_rng(0)
    points.add(np.column_stack([rng.uniform(-6, 6, (5000, 2)), rng.integers(0, 3, 5000)]), n_classes=3)
    text = to_csv(points, "classification")
    data = text.encode()
    print(f"to_csv    5000 points ({len(data):,} bytes)      {median_ms(lambda: to_csv(points, 'classification'), 3):8.1f} ms")
    print(f"parse_csv 5000 rows                           {median_ms(lambda: parse_csv(data, problem='classification'), 3):8.1f} ms")


if __name__ == "__main__":
    main()
