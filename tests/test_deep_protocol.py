"""The deeper-network keys (issue 18) beyond the engine: config patches, frame metrics (the
current rate, the scale/shift gradients), model files, insight views."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import Trainer
from engine.backprop_steps import check_inspectable
from engine.errors import ConfigError
from engine.export import model_to_dict, trainer_from_model
from engine.insight import hidden_activations
from engine.reference import forward
from server.live.frame_content import metrics
from server.live.session_config import split_patch

DEEP = {"hidden": [4, 4, 4], "residual": True, "normalization": "batch", "seed": 3}


def test_the_keys_route_to_the_engine_and_bad_values_name_the_key():
    engine_part, session_part = split_patch({"residual": True, "lr_schedule": "cosine", "clip_norm": 1, "fps": 10})
    assert engine_part == {"residual": True, "lr_schedule": "cosine", "clip_norm": 1} and session_part == {"fps": 10}
    trainer = Trainer({"seed": 1})
    assert trainer.update({"normalization": "layer"}) == ["network", "optimizer"]
    assert trainer.update({"lr_schedule": "step", "lr_step": 2, "clip_norm": 0.5}) == []
    with pytest.raises(ConfigError) as err:
        trainer.update({"lr_period": 0})
    assert err.value.key == "lr_period" and err.value.allowed == "1..10000"


def test_frames_carry_the_current_rate_and_the_scale_and_shift_gradients():
    trainer = Trainer({**DEEP, "lr_schedule": "exponential", "lr_decay": 0.5, "learning_rate": 0.1})
    trainer.train(3)
    m = json.loads(json.dumps(metrics(trainer.snapshot(grid=10, unit_grid=5))))
    assert m["learning_rate"] == pytest.approx(0.1 * 0.5 ** 3)
    assert len(m["norm_grad_norms"]) == 3 and all(len(pair) == 2 and pair[0] > 0 for pair in m["norm_grad_norms"])
    plain = metrics(Trainer({"seed": 1}).snapshot(grid=10, unit_grid=5))
    assert plain["norm_grad_norms"] == [] and plain["learning_rate"] == 0.03


def test_a_model_file_keeps_scale_shift_and_running_averages():
    trainer = Trainer(DEEP)
    trainer.train(4)
    data = json.loads(json.dumps(model_to_dict(trainer)))
    assert len(data["norm"]) == 3 and np.shape(data["norm"][0]) == (4, 4)
    again = trainer_from_model(data)
    assert np.array_equal(again.network.params, trainer.network.params)
    assert again.evaluate().train_loss == trainer.evaluate().train_loss
    broken = {**data, "norm": data["norm"][:2]}
    with pytest.raises(ConfigError, match="norm"):
        trainer_from_model(broken)
    plain = model_to_dict(Trainer({"seed": 1}))
    assert "norm" not in plain
    with pytest.raises(ConfigError, match="norm"):
        trainer_from_model({**plain, "norm": data["norm"]})


def test_insight_views_follow_skips_and_normalization():
    trainer = Trainer(DEEP)
    trainer.train(2)
    X = np.random.default_rng(0).normal(size=(6, 2)) * 3
    expected = forward(trainer.network, X)[1][2]["a"]
    np.testing.assert_allclose(hidden_activations(trainer.network, X, 2), expected)
    np.testing.assert_allclose(trainer.network.forward(X), forward(trainer.network, X)[0], atol=1e-12)
    with pytest.raises(ConfigError) as err:
        check_inspectable(trainer.network)
    assert err.value.key == "residual"
