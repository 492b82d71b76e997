"""A run that can be taken up again: the model file plus what training needs to go on exactly.

`resume_state(trainer)` is a model file (engine.export.model_to_dict: config, weights, biases,
counters, custom points) with the rest of the run beside it: the optimizer's state arrays and
step count, the trainer's random stream (epoch orders, dropout masks, input noise) and the
epoch under way (its order of the training points, the next batch's start, and the parameters
the last epoch ended with, whose losses a frame shows until the epoch ends). A trainer rebuilt
from it by `trainer_from_resume` shows the same losses and trains on bit for bit as the
original would have.

The config travels whole, as the model file carries it (validated by engine.config, so new keys
need nothing here); the optimizer's state is whatever arrays its class keeps beside its scratch
buffers. Big integers (the 128-bit generator state) are hex strings, so JavaScript, which keeps
every number as a double, hands them back unchanged. Every field is checked; errors are
ConfigError("state", "<where>: <what>").
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .errors import ConfigError
from .export import model_to_dict, trainer_from_model
from .float_range import ALLOWED, outside_float32_range
from .optimizers import Optimizer
from .trainer import Trainer

FORMAT = "nn-playground-resume"
FORMAT_VERSION = 1
KEYS = ("format", "format_version", "model", "optimizer", "random", "epoch_under_way")
SCRATCH = ("g", "tmp")  # optimizer buffers rewritten on every step: not state
MAX_HEX_DIGITS = 32  # a 128-bit number


def _fail(message: str) -> ConfigError:
    return ConfigError("state", message)


def optimizer_arrays(optimizer: Optimizer) -> dict[str, np.ndarray]:
    """The state arrays of `optimizer` by name (velocity, caches, moments), without scratch buffers."""
    return {name: value for name, value in sorted(vars(optimizer).items())
            if isinstance(value, np.ndarray) and name not in SCRATCH}


def resume_state(trainer: Trainer) -> dict[str, Any]:
    """The run as JSON-ready data (see the module docstring); ConfigError("model") when the
    network diverged (non-finite weights cannot be written, and there is nothing to go on with)."""
    opt = trainer.optimizer
    generator = trainer.random_stream.bit_generator.state
    under_way = trainer.epoch_under_way()
    shown = trainer.evaluate(epoch_end_will_do=True)  # mid-epoch: the last epoch end's evaluation
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model_to_dict(trainer),
        "optimizer": {"t": int(opt.t), **{name: a.tolist() for name, a in optimizer_arrays(opt).items()}},
        "random": {"bit_generator": generator["bit_generator"],
                   "state": format(generator["state"]["state"], "x"), "inc": format(generator["state"]["inc"], "x"),
                   "has_uint32": int(generator["has_uint32"]), "uinteger": int(generator["uinteger"])},
        "epoch_under_way": None if under_way is None else {"order": under_way[0].tolist(), "start": under_way[1],
                                                           "evaluated": shown.params.tolist()},
    }


def trainer_from_resume(data: Any, *, max_points: int = 5000) -> Trainer:
    """A new Trainer from `resume_state` data, checked whole: nothing else is touched, so a
    server swaps it in only when it is complete. ConfigError("state", ...) names the field."""
    if not isinstance(data, Mapping):
        raise _fail("expected an object as the checkpoint reply carried it")
    if data.get("format") != FORMAT:
        raise _fail(f"format: expected {FORMAT!r}, got {str(data.get('format'))[:40]!r}")
    if data.get("format_version") != FORMAT_VERSION:
        raise _fail(f"format_version: {str(data.get('format_version'))[:20]} is not supported; allowed: {FORMAT_VERSION}")
    unknown = sorted(set(data) - set(KEYS))
    missing = [key for key in KEYS if key not in data]
    if unknown or missing:
        what = f"{unknown[0][:40]}: unknown key" if unknown else f"{missing[0]}: missing"
        raise _fail(f"{what}; keys: {', '.join(KEYS)}")
    try:
        trainer = trainer_from_model(data["model"], max_points=max_points)
    except ConfigError as e:
        raise ConfigError("state", f"model.{e.message}", code=e.code, allowed=e.allowed) from None
    _restore_optimizer(trainer.optimizer, data["optimizer"])
    _restore_random(trainer.random_stream, data["random"])
    _restore_epoch(trainer, data["epoch_under_way"])
    return trainer


def _restore_optimizer(optimizer: Optimizer, raw: Any) -> None:
    arrays = optimizer_arrays(optimizer)
    keys = ["t", *arrays]
    if not isinstance(raw, Mapping) or sorted(raw) != sorted(keys):
        raise _fail(f"optimizer: expected an object with exactly {', '.join(keys)} for this optimizer")
    t = raw["t"]
    if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t <= 2**53:
        raise _fail(f"optimizer.t: expected a whole number in 0..{2**53}")
    values = {}
    for name, target in arrays.items():
        try:
            values[name] = np.asarray(raw[name], dtype=np.float64)
        except (TypeError, ValueError):
            values[name] = None
        if values[name] is None or values[name].shape != target.shape:
            raise _fail(f"optimizer.{name}: expected {target.size} numbers")
        if outside_float32_range(values[name]).any():
            raise _fail(f"optimizer.{name}: values must be {ALLOWED}")
    if any((v < 0).any() for name, v in values.items() if name == "cache"):
        raise _fail("optimizer.cache: a sum of squares cannot be negative")
    optimizer.t = t
    for name, value in values.items():
        np.copyto(arrays[name], value)  # in place: prebuilt steps hold the optimizer's arrays


def _hex(raw: Mapping[str, Any], key: str) -> int:
    value = raw.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= MAX_HEX_DIGITS:
        raise _fail(f"random.{key}: expected a hexadecimal string of 1..{MAX_HEX_DIGITS} digits")
    try:
        return int(value, 16)
    except ValueError:
        raise _fail(f"random.{key}: expected a hexadecimal string of 1..{MAX_HEX_DIGITS} digits") from None


def _restore_random(stream: np.random.Generator, raw: Any) -> None:
    keys = ["bit_generator", "has_uint32", "inc", "state", "uinteger"]
    if not isinstance(raw, Mapping) or sorted(raw) != keys:
        raise _fail(f"random: expected an object with exactly {', '.join(keys)}")
    kind = stream.bit_generator.state["bit_generator"]
    if raw["bit_generator"] != kind:
        raise _fail(f"random.bit_generator: expected {kind!r}")
    state, inc = _hex(raw, "state"), _hex(raw, "inc")
    if inc % 2 == 0:
        raise _fail("random.inc: a PCG increment is odd")
    has_uint32, uinteger = raw["has_uint32"], raw["uinteger"]
    if has_uint32 not in (0, 1) or isinstance(has_uint32, bool):
        raise _fail("random.has_uint32: expected 0 or 1")
    if isinstance(uinteger, bool) or not isinstance(uinteger, int) or not 0 <= uinteger < 2**32:
        raise _fail(f"random.uinteger: expected a whole number in 0..{2**32 - 1}")
    stream.bit_generator.state = {"bit_generator": kind, "state": {"state": state, "inc": inc},
                                  "has_uint32": has_uint32, "uinteger": uinteger}


def _restore_epoch(trainer: Trainer, raw: Any) -> None:
    if raw is None:
        return
    n_train = trainer.training_data.n_train
    if not isinstance(raw, Mapping) or sorted(raw) != ["evaluated", "order", "start"]:
        raise _fail("epoch_under_way: expected null or an object with order, start and evaluated")
    start, order = raw["start"], raw["order"]
    if isinstance(start, bool) or not isinstance(start, int) or not 0 < start < n_train:
        raise _fail(f"epoch_under_way.start: expected a whole number in 1..{max(1, n_train - 1)}")
    if (not isinstance(order, list) or len(order) != n_train
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in order)
            or sorted(order) != list(range(n_train))):
        raise _fail(f"epoch_under_way.order: expected each of 0..{n_train - 1} once")
    params = trainer.network.params
    try:
        evaluated = np.asarray(raw["evaluated"], dtype=np.float64)
    except (TypeError, ValueError):
        evaluated = None
    if evaluated is None or evaluated.shape != params.shape or outside_float32_range(evaluated).any():
        raise _fail(f"epoch_under_way.evaluated: expected {params.size} numbers, each {ALLOWED}")
    # The losses a frame shows mid-epoch are the last epoch end's: evaluate those parameters
    # (the trainer keeps that evaluation), then go on from the current ones.
    current = params.copy()
    np.copyto(params, evaluated)
    trainer.evaluate()
    np.copyto(params, current)
    trainer.continue_epoch(np.array(order, dtype=np.intp), start)
