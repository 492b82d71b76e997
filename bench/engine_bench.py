"""Engine benchmark: milliseconds per frame, medians of many repetitions (issue 2).

A frame is what the server does for one student each time the picture moves: one training
epoch, train and test loss, the 100×100 output grid and every hidden unit's 25×25 grid, i.e.
`trainer.train(1)` then `trainer.snapshot(grid=100, unit_grid=25)`. Two settings: the
Playground's default and a large one (all nine features, hidden [8]*6), and the large one with
residual connections and batch normalization (engine.deep's per-layer passes). For scale, the
same epoch with scikit-learn's MLPRegressor.partial_fit (same data, shape, batch, tanh, SGD;
not for the residual setting, which it has no counterpart of).

Run on one core (BLAS threads are pinned to 1 here):  python bench/engine_bench.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402  (after the thread settings)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine import Trainer  # noqa: E402
from engine.config import FEATURES  # noqa: E402
from engine.features import transform  # noqa: E402

SETTINGS = {
    "default": {"seed": 1},
    "large": {"seed": 1, "features": list(FEATURES), "hidden": [8] * 6},
    "large+res+bn": {"seed": 1, "features": list(FEATURES), "hidden": [8] * 6, "residual": True,
                     "normalization": "batch"},
}


def median_ms(fn, repeat: int, warmup: int = 20) -> float:
    """Median wall time of fn() in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def drawn_snapshot(trainer: Trainer, grid: int = 100, unit_grid: int = 25) -> None:
    """A snapshot whose pictures are drawn: a snapshot of an unchanged network reuses its last
    drawing (engine.snapshot), so one parameter moves by a float32-visible step first, back and
    forth, as a training step would move them all."""
    params = trainer.network.params
    params[-1] += 1e-3 if params[-1] < 0 else -1e-3  # flips between two values: always a change
    trainer.snapshot(grid=grid, unit_grid=unit_grid)


def frame_ms(config: dict, repeat: int) -> tuple[float, float, float]:
    """(frame, train(1) alone, snapshot alone) in ms."""
    trainer = Trainer(config)

    def frame():
        trainer.train(1)
        trainer.snapshot(grid=100, unit_grid=25)

    return (median_ms(frame, repeat), median_ms(lambda: trainer.train(1), repeat),
            median_ms(lambda: drawn_snapshot(trainer), repeat))


def sklearn_epoch_ms(config: dict, repeat: int) -> float | None:
    """One epoch of MLPRegressor.partial_fit on the same training data (None without sklearn)."""
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPRegressor
    except ImportError:
        return None
    trainer = Trainer(config)
    cfg = trainer.config
    pts = trainer.points
    x = transform(pts.xy[pts.train], cfg["features"])
    y = 2.0 * pts.label[pts.train] - 1.0  # the ±1 targets our tanh output learns
    model = MLPRegressor(hidden_layer_sizes=tuple(cfg["hidden"]), activation="tanh", solver="sgd",
                         batch_size=cfg["batch_size"], learning_rate_init=cfg["learning_rate"], momentum=0.0,
                         alpha=0.0, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return median_ms(lambda: model.partial_fit(x, y), repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=300, help="timed repetitions per figure (default 300)")
    args = parser.parse_args()
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, medians of {args.repeat} runs")
    print(f"{'setting':12} {'frame ms':>9} {'train(1)':>9} {'snapshot':>9} {'sklearn epoch':>14} {'frame/sklearn':>14}")
    for name, config in SETTINGS.items():
        frame, train, snap = frame_ms(config, args.repeat)
        sk = sklearn_epoch_ms(config, args.repeat) if name in ("default", "large") else None
        sk_text = f"{sk:14.3f}" if sk is not None else f"{'n/a':>14}"
        ratio = f"{frame / sk:14.2f}" if sk else f"{'n/a':>14}"
        print(f"{name:12} {frame:9.3f} {train:9.3f} {snap:9.3f} {sk_text} {ratio}")


if __name__ == "__main__":
    main()
