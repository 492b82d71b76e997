"""Stacked training benchmark (issue 15, item 3): CPU time per trainer-epoch, S default-config
trainers trained one after another (each alone, `trainer.step`) against the same S trained as
one stack (`engine.stack.TrainerStack`). An epoch is 25 mini-batches plus the epoch-end
evaluation (which the stack leaves per trainer). Alone and stacked take turns, `rounds` times,
and the medians are reported: CPU time, since this machine is shared.

    python bench/stack_bench.py [--sizes 1 10 50 100] [--epochs 4] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine import Trainer  # noqa: E402
from engine.stack import StackKey, TrainerStack  # noqa: E402


def cpu_ms_per_trainer_epoch(run, trainers: int, epochs: int) -> float:
    """CPU milliseconds of run() divided by the trainer-epochs it trains."""
    start = time.process_time()
    run()
    return 1000 * (time.process_time() - start) / (trainers * epochs)


def measure(size: int, epochs: int, rounds: int) -> tuple[float, float]:
    """(alone, stacked) median CPU ms per trainer-epoch for `size` default trainers."""
    alone = [Trainer({"seed": i}) for i in range(size)]
    stacked = [Trainer({"seed": i}) for i in range(size)]
    batches = epochs * alone[0].training_data.n_train // alone[0].batch_length()
    stack = TrainerStack(StackKey.of(stacked[0]))
    owed = {t: batches for t in stacked}

    def run_alone():
        for t in alone:
            t.step(batches)

    run_alone(), stack.step(owed)  # warm-up: call lists and buffers
    times_alone, times_stacked = [], []
    for _ in range(rounds):
        times_alone.append(cpu_ms_per_trainer_epoch(run_alone, size, epochs))
        times_stacked.append(cpu_ms_per_trainer_epoch(lambda: stack.step(owed), size, epochs))
    return statistics.median(times_alone), statistics.median(times_stacked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50, 100])
    parser.add_argument("--epochs", type=int, default=4, help="epochs per trainer per timed call")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print("| trainers S | alone, ms per trainer-epoch | stacked | speedup |")
    print("|---|---|---|---|")
    for size in args.sizes:
        alone, stacked = measure(size, args.epochs, args.rounds)
        print(f"| {size} | {alone:.3f} | {stacked:.3f} | {alone / stacked:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
