"""Taking results away (engine/export.py): model JSON round trip, the NumPy script, PyTorch code."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from engine.config import ConfigError
from engine.export import PROBE_POINTS, model_to_dict, numpy_script, pytorch_code, trainer_from_model
from engine.features import transform
from engine.trainer import Trainer
from support.exported import import_module, run_program

SETTINGS = {
    "tanh binary": {"dataset": "circle", "hidden": [4, 2]},
    "all features, mixed activations": {
        "dataset": "spiral", "features": ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2", "cos_x1",
                                          "cos_x2"],
        "hidden": [5, 4, 3, 3], "activation": ["relu", "leaky_relu", "elu", "sigmoid"], "leaky_slope": 0.2},
    "maxout, cross-entropy": {"dataset": "xor", "hidden": [3, 3], "activation": "maxout", "loss": "cross_entropy"},
    "softmax, 4 classes": {"dataset": "blobs", "n_classes": 4, "hidden": [6], "loss": "cross_entropy"},
    "regression, linear": {"problem": "regression", "dataset": "gaussians", "hidden": [3], "activation": "linear"},
    "no hidden layer, hinge": {"dataset": "gauss", "hidden": [], "loss": "hinge"},
    # issue 18: the pictures' network (batch normalization by its running averages)
    "residual, batch norm": {"dataset": "circle", "hidden": [4, 4, 4], "activation": "relu", "residual": True,
                             "normalization": "batch"},
    "residual, layer norm, maxout": {"dataset": "blobs", "n_classes": 3, "hidden": [3, 3], "activation": "maxout",
                                     "loss": "cross_entropy", "residual": True, "normalization": "layer"},
}


def trained(name: str, epochs: int = 3) -> Trainer:
    trainer = Trainer({"seed": 11, "n_samples": 100, **SETTINGS[name]})
    trainer.train(epochs)
    return trainer


def predict(trainer: Trainer, xy) -> np.ndarray:
    xy = np.asarray(xy, dtype=np.float64)
    return np.asarray(trainer.network.forward(transform(xy, trainer.config["features"])), dtype=np.float64)


def printed(stdout: str) -> np.ndarray:
    """The numbers after '->' on each line the exported code prints."""
    return np.array([[float(v) for v in line.split("->")[1].split()] for line in stdout.strip().splitlines()])


# --- model JSON ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SETTINGS)
def test_model_json_round_trip_gives_identical_predictions(name):
    source = trained(name)
    data = json.loads(json.dumps(model_to_dict(source)))  # through real JSON text
    assert data["format_version"] == 1 and data["epoch"] == source.epoch
    assert "train_loss" in data["metrics"]
    target = trainer_from_model(data)
    assert target.config == source.config
    assert target.epoch == source.epoch and target.iteration == source.iteration
    for a, b in zip(target.network.weights, source.network.weights):
        np.testing.assert_array_equal(a, b)
    grid = np.random.default_rng(0).uniform(-6, 6, (200, 2))
    np.testing.assert_array_equal(predict(target, grid), predict(source, grid))


def test_loaded_session_resumes_counting_and_training():
    source = trained("tanh binary", epochs=5)
    target = trainer_from_model(model_to_dict(source))
    before = target.snapshot(grid=2, unit_grid=2).train_loss
    assert before == pytest.approx(source.snapshot(grid=2, unit_grid=2).train_loss, rel=1e-12)
    target.train(30)
    assert target.epoch == source.epoch + 30
    assert target.snapshot(grid=2, unit_grid=2).train_loss < before


def test_custom_points_travel_with_the_model():
    source = Trainer({"seed": 3, "dataset": "custom", "n_classes": 3, "hidden": [3]})
    source.add_points([[1, 1, 0], [-2, 3, 2], [4, -4, 1], [0, 0, 2]])
    source.train(2)
    data = json.loads(json.dumps(model_to_dict(source)))
    target = trainer_from_model(data)
    np.testing.assert_array_equal(target.points.xy, source.points.xy)
    np.testing.assert_array_equal(target.points.label, source.points.label)
    np.testing.assert_array_equal(target.points.train, source.points.train)


def broken(mutate) -> str:
    data = model_to_dict(trained("tanh binary", epochs=1))
    mutate(data)
    with pytest.raises(ConfigError) as e:
        trainer_from_model(data)
    assert e.value.key == "model"
    return e.value.message


def test_bad_model_files_are_refused_precisely():
    assert "format" in broken(lambda d: d.update(format="something else"))
    assert "format_version" in broken(lambda d: d.update(format_version=7))
    assert "config.hidden" in broken(lambda d: d["config"].update(hidden=[100]))
    assert "config.learning_rate" in broken(lambda d: d["config"].update(learning_rate=-1))
    assert "weights: expected a list of 3 layers" in broken(lambda d: d["weights"].pop())
    assert "weights[1]: expected shape [4, 2], got [4, 3]" in broken(
        lambda d: [row.append(0.0) for row in d["weights"][1]])
    assert "biases[0]" in broken(lambda d: d["biases"][0].__setitem__(0, "x"))
    assert "weights[2]: values must be finite" in broken(lambda d: d["weights"][2][0].__setitem__(0, float("nan")))
    assert "epoch" in broken(lambda d: d.update(epoch=-3))
    assert "extra: unknown key" in broken(lambda d: d.update(extra=1))
    with pytest.raises(ConfigError, match="JSON object"):
        trainer_from_model([1, 2])


def test_a_diverged_network_is_not_exported_as_broken_json():
    trainer = trained("tanh binary", epochs=1)
    trainer.network.weights[0][0, 0] = np.nan  # what divergence leaves behind
    with pytest.raises(ConfigError, match="diverged"):
        model_to_dict(trainer)


def test_bad_custom_points_are_refused():
    source = Trainer({"seed": 3, "dataset": "custom"})
    source.add_points([[1, 1, 0], [2, 2, 1]])
    data = model_to_dict(source)
    bad = copy.deepcopy(data)
    bad["points"]["xy"][0] = [9, 9]
    with pytest.raises(ConfigError, match="points: .*outside"):
        trainer_from_model(bad)
    bad = copy.deepcopy(data)
    bad["points"]["train"] = [True]
    with pytest.raises(ConfigError, match="points.train"):
        trainer_from_model(bad)


# --- code exports ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SETTINGS)
@pytest.mark.slow
def test_numpy_script_run_as_a_program_prints_the_network_predictions(name, tmp_path):
    trainer = trained(name)
    got = printed(run_program(numpy_script(trainer), tmp_path, "model.py"))
    np.testing.assert_allclose(got, predict(trainer, PROBE_POINTS), rtol=1e-6, atol=1e-7)


def test_numpy_script_can_be_imported_for_predict(tmp_path):
    trainer = trained("all features, mixed activations")
    module = import_module(numpy_script(trainer), tmp_path, "exported_model")
    xy = np.random.default_rng(1).uniform(-6, 6, (300, 2))
    np.testing.assert_allclose(module.predict(xy), predict(trainer, xy), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", SETTINGS)
def test_pytorch_code_compiles(name):
    code = pytorch_code(trained(name, epochs=1))
    compile(code, "model_torch.py", "exec")
    assert "class PlaygroundNet(nn.Module)" in code


@pytest.mark.parametrize("name", SETTINGS)
def test_pytorch_code_runs_and_matches(name, tmp_path):
    pytest.importorskip("torch", reason="PyTorch is not installed; the code is only compiled")
    trainer = trained(name)
    np.testing.assert_allclose(printed(run_program(pytorch_code(trainer), tmp_path, "model_torch.py")), predict(trainer, PROBE_POINTS), rtol=1e-6, atol=1e-7)
