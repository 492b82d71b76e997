"""The CPU time of a frame that shows a learning-rate patch made with no step since the last
frame (what a student's slider costs the server), for the default network and the lecture
scenario's lesson. Process time, median of 400 frames; pass another checkout's root to
compare trees (its engine and server are imported instead of this one's).

    python bench/patch_frame_bench.py [ROOT]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from server.live.frame_content import FrameContent  # noqa: E402
from server_scenarios import trainer_for  # noqa: E402


def patch_frame_ms(kind: str, frames: int = 400) -> float:
    """Median ms of FrameContent.encode right after a learning-rate patch."""
    trainer, content = trainer_for(kind), FrameContent()
    trainer.step(batches=5)
    content.encode(trainer, version=0, fps=30, early_stopping=None, hidden=None)
    times, rate = [], 0.03
    for version in range(1, frames + 1):
        rate = 0.05 if rate == 0.03 else 0.03
        trainer.update({"learning_rate": rate})
        start = time.process_time()
        content.encode(trainer, version=version, fps=30, early_stopping=None, hidden=None)
        times.append(time.process_time() - start)
    return statistics.median(times) * 1e3


if __name__ == "__main__":
    for kind in ("default", "lesson"):
        print(f"{kind}: a frame after a rate patch, no step since: {patch_frame_ms(kind):.3f} ms")
