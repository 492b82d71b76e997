"""engine.resume: a run written out mid-epoch and read back trains on bit for bit; bad fields are named."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from engine import ConfigError, Trainer
from engine.resume import resume_state, trainer_from_resume

CONFIGS = [
    {"optimizer": "adam", "dropout": 0.2, "input_noise": 0.1, "batch_size": 7, "hidden": [5, 3]},
    {"optimizer": "momentum", "nesterov": True, "batch_size": 10, "regularization": "l1", "reg_rate": 0.001},
    {"optimizer": "rmsprop", "dataset": "spiral", "n_classes": 3, "batch_size": 16},
    {"optimizer": "sgd", "problem": "regression", "dataset": "plane", "batch_size": 9},
]


@pytest.mark.parametrize("config", CONFIGS)
def test_a_resumed_run_goes_on_exactly_as_the_original(config):
    original = Trainer(config)
    original.train(epochs=3)
    original.step(batches=4)  # mid-epoch
    assert original.epoch_under_way() is not None
    state = json.loads(json.dumps(resume_state(original)))  # through JSON, as the page keeps it
    resumed = trainer_from_resume(state)
    assert (resumed.epoch, resumed.iteration) == (original.epoch, original.iteration)
    a, b = original.train(epochs=4), resumed.train(epochs=4)
    assert a == b
    assert np.array_equal(original.network.params, resumed.network.params)


def test_custom_points_and_an_epoch_boundary_resume_too():
    original = Trainer({"batch_size": 4})
    original.set_points([[1, 1, 0], [-1, -1, 1], [2, -2, 1], [0.5, 3, 0], [-3, 1, 1]],
                        [True, True, True, True, False])
    original.train(epochs=5)
    state = resume_state(original)
    assert state["epoch_under_way"] is None
    resumed = trainer_from_resume(json.loads(json.dumps(state)))
    assert resumed.data() == original.data()
    assert original.train(epochs=3) == resumed.train(epochs=3)


def _state() -> dict:
    trainer = Trainer({"optimizer": "adam", "batch_size": 10})
    trainer.step(batches=3)
    return json.loads(json.dumps(resume_state(trainer)))


@pytest.mark.parametrize("path, value, where", [
    ((), [], "expected an object"),
    (("format",), "x", "format"),
    (("format_version",), 2, "format_version"),
    (("extra",), 1, "extra: unknown key"),
    (("model", "config", "hidden"), [100000], "model.config.hidden"),
    (("model", "weights"), [], "model.weights"),
    (("optimizer", "t"), -1, "optimizer.t"),
    (("optimizer", "m"), [1.0], "optimizer.m"),
    (("optimizer", "v"), "x", "optimizer.v"),
    (("optimizer", "velocity"), [], "optimizer: expected"),
    (("random", "state"), "zz", "random.state"),
    (("random", "inc"), "2", "random.inc"),
    (("random", "state"), "f" * 33, "random.state"),
    (("random", "bit_generator"), "MT19937", "random.bit_generator"),
    (("random", "uinteger"), 2**40, "random.uinteger"),
    (("epoch_under_way", "start"), 0, "epoch_under_way.start"),
    (("epoch_under_way", "order"), [0] * 10, "epoch_under_way.order"),
    (("epoch_under_way", "evaluated"), [0.0], "epoch_under_way.evaluated"),
])
def test_every_bad_field_is_refused_by_name(path, value, where):
    state = _state()
    if not path:
        state = value
    else:
        target = state
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    with pytest.raises(ConfigError) as err:
        trainer_from_resume(state)
    assert err.value.key == "state"
    assert where in err.value.message


def test_missing_keys_are_named():
    state = _state()
    del state["random"]
    with pytest.raises(ConfigError, match="random: missing"):
        trainer_from_resume(state)
    bad = copy.deepcopy(_state())
    bad["optimizer"]["m"][0] = 1e300
    with pytest.raises(ConfigError, match="optimizer.m: values must be"):
        trainer_from_resume(bad)


def test_mid_epoch_the_resumed_trainer_shows_the_last_epoch_ends_losses():
    original = Trainer({"optimizer": "adam", "batch_size": 10})
    original.train(epochs=4)
    original.step(batches=5)
    shown = original.snapshot(grid=2, unit_grid=2)
    resumed = trainer_from_resume(json.loads(json.dumps(resume_state(original))))
    again = resumed.snapshot(grid=2, unit_grid=2)
    assert (again.epoch, again.train_loss, again.test_loss) == (shown.epoch, shown.train_loss, shown.test_loss)
    assert original.train(epochs=2) == resumed.train(epochs=2)
