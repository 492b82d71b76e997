"""Batched pictures benchmark (issue 15, item 3's second half): is drawing the pictures of S
same-shape networks as one batched pass over the shared grid cheaper than S passes?

"alone" is the engine's own drawing pass (engine.snapshot.Snapshotter), once per network.
"batched" is the same arithmetic for all S networks at once, in preallocated float32 arrays of
shape (S, units, n): the first layer as one matrix product over the shared grid inputs, later
layers as one batched product each, activations with the same picture functions, in place.
Both draw the default config's grids (100×100 output, 25×25 units). They take turns, `rounds`
times; the medians of CPU time per network are reported (this machine is shared).

    python bench/picture_batch_bench.py [--sizes 1 5 20 50] [--rounds 30]
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
import numpy as np  # noqa: E402

from engine import Trainer  # noqa: E402
from engine.activations import ACTIVATIONS  # noqa: E402
from engine.snapshot import Snapshotter, _grid_inputs  # noqa: E402


class BatchedDrawing:
    """One batched float32 forward pass of S networks of one shape over the grid inputs `x`."""

    def __init__(self, trainers: list[Trainer], x: np.ndarray):
        net = trainers[0].network
        self.x = x
        # weights (S, fan_out, fan_in + 1): the bias as the last input column (x's last row is ones)
        self.weights = [np.stack([np.vstack([t.network.weights[l], t.network.biases[l][None]]).T
                                  for t in trainers]).astype(np.float32) for l in range(len(net.weights))]
        self.first = self.weights[0].reshape(-1, self.weights[0].shape[2])  # (S·fan_out, inputs + 1)
        s, n = len(trainers), x.shape[1]
        self.z = [np.empty((s, w.shape[1], n), np.float32) for w in self.weights]
        self.a = [np.ones((s, w.shape[1] + 1, n), np.float32) for w in self.weights]  # + a row of ones
        self.scratch = [(np.empty_like(z), np.empty_like(z)) for z in self.z]
        self.pictures = [ACTIVATIONS[name].picture or _forward(name) for name in [*net.activations, "tanh"]]

    def draw(self) -> np.ndarray:
        np.matmul(self.first, self.x, out=self.z[0].reshape(-1, self.x.shape[1]))
        for layer, picture in enumerate(self.pictures):
            z, a = self.z[layer], self.a[layer]
            if layer:
                np.matmul(self.weights[layer], self.a[layer - 1], out=z)
            picture(z, a[:, :-1], 0.0, *self.scratch[layer])
        return self.a[-1][:, :-1]


def _forward(name: str):
    forward = ACTIVATIONS[name].forward
    return lambda z, out, slope, s, q: forward(z, out, slope)


def cpu_ms(run, networks: int) -> float:
    start = time.process_time()
    run()
    return 1000 * (time.process_time() - start) / networks


def measure(size: int, rounds: int) -> tuple[float, float]:
    """(alone, batched) median CPU ms per network for `size` default networks."""
    trainers = [Trainer({"seed": i}) for i in range(size)]
    for t in trainers:
        t.step(batches=30)  # weights of their own, as a class's networks have
    net = trainers[0].network
    assert net.head.output == "tanh", "the batched pass here draws the default (tanh) output"
    x = _grid_inputs(100, 25, tuple(trainers[0].config["features"]))
    drawers = [Snapshotter(t.network) for t in trainers]
    params32 = [t.network.params.astype(np.float32) for t in trainers]
    batched = BatchedDrawing(trainers, x)
    # the same pictures, to float32 rounding: the comparison is of one computation done two ways
    alone_out = [d._draw(x, p)[0].copy() for d, p in zip(drawers, params32)]
    np.testing.assert_allclose(batched.draw()[:, 0], np.vstack(alone_out), atol=1e-3)
    alone, stacked = [], []
    for _ in range(rounds):
        alone.append(cpu_ms(lambda: [d._draw(x, p) for d, p in zip(drawers, params32)], size))
        stacked.append(cpu_ms(batched.draw, size))
    return statistics.median(alone), statistics.median(stacked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 20, 50])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    print("networks  alone ms/network  batched ms/network  batched ÷ alone")
    for size in args.sizes:
        alone, batched = measure(size, args.rounds)
        print(f"{size:8d}  {alone:16.3f}  {batched:18.3f}  {batched / alone:15.2f}")


if __name__ == "__main__":
    main()
