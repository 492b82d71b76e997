"""One entry per activation, output, loss, optimizer and initialization: the config's choices
come from the tables, every entry carries its export source, and refusals carry their fields."""

from __future__ import annotations

import numpy as np
import pytest

from engine import ConfigError, Trainer, activations, config, initializers, losses, optimizers
from engine.csvdata import parse_csv
from engine.datasets import PointSet


def test_config_choices_are_the_tables_keys():
    assert config.ACTIVATIONS == tuple(activations.ACTIVATIONS)
    assert config.LOSSES == tuple(losses.LOSSES)
    assert config.OPTIMIZERS == tuple(optimizers.OPTIMIZERS)
    assert config.INITS == tuple(initializers.INITIALIZERS)
    assert config.SCHEMA["activation"].choices == config.ACTIVATIONS
    assert config.SCHEMA["loss"].choices == config.LOSSES


@pytest.mark.parametrize("name", [*activations.ACTIVATIONS, *losses.OUTPUTS])
def test_every_activation_carries_numpy_and_torch_source_that_computes_it(name):
    entry = activations.ACTIVATIONS.get(name) or losses.OUTPUTS[name]
    assert entry.numpy.strip() and entry.torch.strip()
    pieces = getattr(entry, "pieces", 1)
    z = np.random.default_rng(1).normal(0, 3, (7, 4 * pieces))  # example-major, as the exports apply it
    got = eval(entry.numpy.format(slope=0.2), {"np": np, "z": z})  # the exported text, run
    if name in activations.ACTIVATIONS:
        want = activations.apply(name, z, leaky_slope=0.2)
    else:
        want = entry.forward(np.ascontiguousarray(z.T), np.empty(z.T.shape)).T
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_range_errors_carry_code_and_allowed():
    with pytest.raises(ConfigError) as e:
        config.validate_config({"learning_rate": 50})
    assert (e.value.key, e.value.code, e.value.line) == ("learning_rate", "invalid_value", None)
    assert e.value.allowed == "a number > 0 and <= 10" and str(e.value).startswith("learning_rate: ")
    with pytest.raises(ConfigError) as e:
        config.validate_config({"n_samples": 5})
    assert e.value.allowed == "20..2000"
    with pytest.raises(ConfigError) as e:
        config.validate_config({"loss": "nope"})
    assert e.value.allowed == ", ".join(losses.LOSSES)


def test_points_limits_say_too_many_points():
    with pytest.raises(ConfigError) as e:
        PointSet.empty().add([[0, 0, 0]] * 4, max_points=3)
    assert (e.value.key, e.value.code, e.value.allowed) == ("points", "too_many_points", "0..3")
    trainer = Trainer({"seed": 1, "dataset": "custom"}, max_points=2)
    with pytest.raises(ConfigError) as e:
        trainer.add_points([[0, 0, 0], [1, 1, 1], [2, 2, 0]])
    assert e.value.code == "too_many_points" and len(trainer.points) == 0


def test_csv_refusals_carry_the_line_as_a_field():
    with pytest.raises(ConfigError) as e:
        parse_csv(b"x,y,label\n1,2,0\n1,2,0\n3,nope,1\n", problem="classification")
    assert (e.value.key, e.value.code, e.value.line) == ("csv", "bad_csv", 4)
    with pytest.raises(ConfigError) as e:
        parse_csv(b"", problem="classification")
    assert (e.value.code, e.value.line) == ("bad_csv", None)
    with pytest.raises(ConfigError) as e:
        parse_csv(b"1,1,0\n2,2,1\n3,3,0\n", problem="classification", max_points=2)
    assert (e.value.code, e.value.line, e.value.allowed) == ("bad_csv", 3, "0..2 points")


def test_an_error_inside_a_model_file_keeps_its_fields():
    from engine.export import model_to_dict, trainer_from_model

    data = model_to_dict(Trainer({"seed": 1}))
    data["config"]["learning_rate"] = -1
    with pytest.raises(ConfigError) as e:
        trainer_from_model(data)
    assert e.value.key == "model" and e.value.message.startswith("config.learning_rate: ")
    assert (e.value.code, e.value.allowed) == ("invalid_value", "a number > 0 and <= 10")


def test_picture_tanh_candidates_agree_and_the_faster_one_is_picked():
    """Both picture tanhs are inside a colour step of the exact one, and `faster_tanh` returns
    whichever takes less time (a deliberately slow candidate loses, in either order)."""
    z = np.linspace(-40, 40, 4001, dtype=np.float32)
    exact = np.tanh(z.astype(np.float64))
    for tanh in (activations.numpy_tanh, activations.fast_tanh):
        got = tanh(z, np.empty_like(z), np.empty_like(z), np.empty_like(z))
        assert got.dtype == np.float32 and np.abs(got - exact).max() < 5e-5

    def slow(z, out, s, q):
        for _ in range(20):
            activations.fast_tanh(z, out, s, q)
        return out

    assert activations.faster_tanh((slow, activations.fast_tanh)) is activations.fast_tanh
    assert activations.faster_tanh((activations.fast_tanh, slow)) is activations.fast_tanh
    assert activations.picture_tanh in (activations.numpy_tanh, activations.fast_tanh)
