"""Taking results away and bringing a model back: the `export` and `load_model` messages.

Exports are built from the session's trainer under its lock, in a thread (a big network's
weights as text take a while), and go back as one `export` reply whose `content` the page
turns into a download. `load_model` replaces the session's trainer with the one
engine.export.trainer_from_model builds from a model file (nothing changes unless it is complete).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from engine.csvdata import to_csv
from engine.export import model_to_dict, numpy_script, pytorch_code, trainer_from_model
from engine.export_notebook import notebook
from engine.export_training import numpy_training_script, pytorch_training_script

from ..live.memory_budget import within_budget
from ..live.session import Session
from ..wire import replies
from ..wire.messages import ExportMessage

# format -> (file name, MIME type, builder of the text from the session and the `export` message)
FORMATS: dict[str, tuple[str, str, Callable[[Session, ExportMessage], str]]] = {
    "model": ("nn-playground-model.json", "application/json",
              lambda s, _: json.dumps(model_to_dict(s.trainer), separators=(",", ":"), allow_nan=False)),
    "numpy": ("nn_playground_model.py", "text/x-python", lambda s, _: numpy_script(s.trainer)),
    "pytorch": ("nn_playground_torch.py", "text/x-python", lambda s, _: pytorch_code(s.trainer)),
    "numpy_training": ("nn_playground_train.py", "text/x-python",
                       lambda s, m: numpy_training_script(s.trainer, start=m.start)),
    "pytorch_training": ("nn_playground_train_torch.py", "text/x-python",
                         lambda s, m: pytorch_training_script(s.trainer, start=m.start)),
    "notebook": ("nn_playground.ipynb", "application/x-ipynb+json", lambda s, m: notebook(s.trainer, start=m.start)),
    "data_csv": ("nn-playground-data.csv", "text/csv",
                 lambda s, m: to_csv(s.trainer.points, s.trainer.config["problem"], m.class_names)),
    "history_csv": ("nn-playground-loss.csv", "text/csv", lambda s, _: s.run.history_csv()),
}


async def export(session: Session, message: ExportMessage) -> None:
    """Reply `export` with the file for `message.format`; ConfigError("model") if the network diverged."""
    filename, mime, build = FORMATS[message.format]
    async with session.lock:
        content = await session.in_thread(lambda: build(session, message))  # charged to its client
    session.post(replies.export(message.format, filename=filename, mime=mime, content=content))


async def load(session: Session, model: dict[str, Any]) -> None:
    """Replace the session's trainer with a model file's; ConfigError("model", ...) if invalid.

    The run continues from the file's epoch; playing or paused stays as it was.
    """
    await session.replace_trainer(within_budget(
        lambda live: (trainer_from_model(model, max_points=live.max_points), ["data", "network", "optimizer"]),
        session.max_memory_mb, "model"))
