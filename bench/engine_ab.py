"""A/B engine benchmark for a busy machine: two engine trees, frames interleaved, CPU time.

`engine_bench.py` measures wall time, which other processes on the machine inflate; when
the machine is shared, two runs minutes apart differ more than the change being measured.
This loads the `engine/` package of two checkouts side by side in one process, times their
frames (`train(1)` + `snapshot(100, 25)`) in alternating rounds with the thread's CPU clock,
and prints both medians and their ratio, so that both see the same conditions (taking turns
at going first in a round, which otherwise favours the second by a few percent).

    git worktree add /tmp/before HEAD~1     # or any checkout with an engine/ folder
    python bench/engine_ab.py /tmp/before .
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

SETTINGS = {
    "default": {"seed": 1},
    "large": {"seed": 1, "features": ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2", "cos_x1", "cos_x2"],
              "hidden": [8] * 6},
}


def load_engine(root: str, name: str):
    """The engine package of the checkout at `root`, imported as module `name`."""
    folder = Path(root).resolve() / "engine"
    spec = importlib.util.spec_from_file_location(name, folder / "__init__.py", submodule_search_locations=[str(folder)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before running it: its relative imports look it up
    spec.loader.exec_module(module)
    return module


def frames(trainer, count: int) -> list[float]:
    """CPU seconds of `count` frames."""
    times = []
    for _ in range(count):
        start = time.thread_time()
        trainer.train(1)
        trainer.snapshot(grid=100, unit_grid=25)
        times.append(time.thread_time() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", help="checkout A (the before)")
    parser.add_argument("b", help="checkout B (the after)")
    parser.add_argument("--rounds", type=int, default=150, help="alternating rounds (default 150)")
    parser.add_argument("--frames", type=int, default=4, help="frames per round (default 4)")
    args = parser.parse_args()
    a, b = load_engine(args.a, "engine_a"), load_engine(args.b, "engine_b")
    for name, config in SETTINGS.items():
        ta, tb = a.Trainer(config), b.Trainer(config)
        frames(ta, 30), frames(tb, 30)  # warm up
        times_a: list[float] = []
        times_b: list[float] = []
        for r in range(args.rounds):
            # whichever runs second in a round measures a few percent faster here: take turns
            if r % 2:
                times_b += frames(tb, args.frames)
                times_a += frames(ta, args.frames)
            else:
                times_a += frames(ta, args.frames)
                times_b += frames(tb, args.frames)
        ma, mb = 1000 * statistics.median(times_a), 1000 * statistics.median(times_b)
        print(f"{name:8} A {ma:.3f} ms  B {mb:.3f} ms  B/A {mb / ma:.3f}  (CPU-time medians of {len(times_a)} frames each)")


if __name__ == "__main__":
    main()
