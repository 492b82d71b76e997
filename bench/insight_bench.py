"""How long the lesson and insight helpers take, as the server would call them (medians, ms).

    python bench/insight_bench.py

hidden_space runs on demand (a frame at most), activation_curves once per page load and
load_lessons once per server start; none may stall a session's training slice.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import Trainer  # noqa: E402
from engine.insight import activation_curves, hidden_space  # noqa: E402
from engine.lessons import load_lessons  # noqa: E402


def median_ms(work: Callable[[], object], repeats: int = 50) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    default = Trainer({"seed": 1})
    big = Trainer({"dataset": "spiral", "n_samples": 2000, "hidden": [8] * 6, "seed": 1})
    for trainer in (default, big):
        trainer.train(5)
    view = hidden_space(big, 5, 0, 1)
    rows = [
        ("hidden_space, default (250 points, 13x60 grid lines)", lambda: hidden_space(default, 0, 0, 1)),
        ("hidden_space, 2000 points through 6 layers", lambda: hidden_space(big, 5, 0, 1)),
        ("activation_curves, all 7, 121 points", activation_curves),
        ("load_lessons, all files", load_lessons),
    ]
    for name, work in rows:
        print(f"{name:55s} {median_ms(work):8.2f} ms")
    print(f"{'hidden_space JSON, 2000 points':55s} {len(json.dumps(view)) / 1024:8.1f} KB")


if __name__ == "__main__":
    main()
