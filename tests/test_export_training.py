"""Exported code that keeps training (engine/export_training.py): the NumPy script, the PyTorch
script and the notebook retrain the run and print the engine's loss per epoch."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re

import numpy as np
import pytest

from engine import activations
from engine.export_notebook import notebook
from engine.export_training import DERIVATIVES, numpy_training_script, pytorch_training_script
from engine.features import transform
from engine.trainer import Trainer
from support.exported import import_module, run_program

EPOCHS = 50
# Every optimizer, loss head, the penalties, dropout, input noise, maxout and a ragged last batch.
SETTINGS = {
    "tanh, sgd": {"dataset": "circle", "hidden": [4, 2]},
    "mixed activations, adam": {
        "dataset": "spiral", "features": ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2", "cos_x1",
                                          "cos_x2"],
        "hidden": [5, 4, 3, 3], "activation": ["relu", "leaky_relu", "elu", "sigmoid"], "leaky_slope": 0.2,
        "optimizer": "adam", "learning_rate": 0.01},
    "maxout, cross-entropy, dropout, noise, nesterov": {
        "dataset": "xor", "hidden": [3, 3], "activation": "maxout", "loss": "cross_entropy", "dropout": 0.3,
        "input_noise": 0.5, "optimizer": "momentum", "nesterov": True},
    "softmax, l1, rmsprop": {"dataset": "blobs", "n_classes": 4, "hidden": [6], "loss": "cross_entropy",
                             "regularization": "l1", "reg_rate": 0.01, "optimizer": "rmsprop", "learning_rate": 0.01},
    "regression, l2, adagrad, batch 7": {"problem": "regression", "dataset": "gaussians", "hidden": [3],
                                         "activation": "linear", "optimizer": "adagrad", "regularization": "l2",
                                         "reg_rate": 0.003, "batch_size": 7},
    "hinge, no hidden layer": {"dataset": "gauss", "hidden": [], "loss": "hinge"},
    "multiclass hinge, dropout": {"dataset": "blobs", "n_classes": 3, "hidden": [4], "loss": "hinge", "dropout": 0.2},
    "squared softmax": {"dataset": "blobs", "n_classes": 3, "hidden": [4], "loss": "squared"},
    # issue 18: skips, both normalizations (a batch of one in the ragged tail), schedules, clipping
    "residual, batch norm (a batch of one last), step schedule, clipping": {
        "dataset": "circle", "hidden": [4, 4, 4], "activation": "relu", "residual": True, "normalization": "batch",
        "lr_schedule": "step", "lr_step": 7, "lr_decay": 0.5, "clip_norm": 0.5, "learning_rate": 0.1,
        "batch_size": 7, "regularization": "l2", "reg_rate": 0.01},
    "layer norm, maxout, dropout, adam, cosine": {
        "dataset": "blobs", "n_classes": 3, "hidden": [3, 3], "activation": "maxout", "loss": "cross_entropy",
        "normalization": "layer", "residual": True, "dropout": 0.2, "optimizer": "adam", "learning_rate": 0.01,
        "lr_schedule": "cosine", "lr_period": 30},
    "batch norm, momentum, l1, exponential": {
        "dataset": "xor", "hidden": [5, 5], "activation": "tanh", "normalization": "batch", "optimizer": "momentum",
        "regularization": "l1", "reg_rate": 0.003, "lr_schedule": "exponential", "lr_decay": 0.97},
}


def fresh(name: str) -> Trainer:
    return Trainer({"seed": 11, "n_samples": 100, **SETTINGS[name]})


def engine_losses(trainer: Trainer, epochs: int = EPOCHS) -> tuple[np.ndarray, np.ndarray]:
    """(float64 train and test loss of the engine's weights after each epoch, the engine's own
    history — evaluated in float32, the precision it shows)."""
    pts = trainer.points
    order, n = pts.train_first(), int(np.count_nonzero(pts.train))
    x, labels = transform(pts.xy[order], trainer.config["features"]), pts.label[order]
    exact, history = [], []
    for _ in range(epochs):
        history += trainer.train(1)
        exact.append((trainer.network.loss(x[:n], labels[:n]), trainer.network.loss(x[n:], labels[n:])))
    return np.array(exact), np.array([h[1:] for h in history])


def printed_losses(stdout: str) -> np.ndarray:
    rows = re.findall(r"epoch (\d+): train loss (\S+) test loss (\S+)", stdout)
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
    return np.array([[float(r[1]), float(r[2])] for r in rows])


@pytest.mark.slow
@pytest.mark.parametrize("name", SETTINGS)
def test_numpy_training_script_reproduces_the_engine_loss_history(name, tmp_path):
    trainer = fresh(name)
    got = printed_losses(run_program(numpy_training_script(trainer), tmp_path, "train.py", str(EPOCHS)))
    exact, history = engine_losses(trainer)
    assert got.shape == (EPOCHS, 2)
    np.testing.assert_allclose(got, exact, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got, history, rtol=1e-4, atol=1e-6)  # the engine shows float32 losses


def test_training_script_starts_from_the_run_initial_weights_and_its_class_rule_is_the_engine_one(tmp_path):
    trainer = fresh("softmax, l1, rmsprop")
    trainer.train(5)  # exported later in the run: still the run from epoch 0
    module = import_module(numpy_training_script(trainer), tmp_path, "exported_training")
    np.testing.assert_array_equal(module.WEIGHTS[0], Trainer(trainer.config).network.weights[0])
    with contextlib.redirect_stdout(io.StringIO()):
        module.train(5)
    np.testing.assert_allclose(module.WEIGHTS[1], trainer.network.weights[1], rtol=0, atol=1e-12)
    snap = trainer.snapshot(grid=2, unit_grid=2)
    correct = module.to_class(module.predict(module.TRAIN_XY)) == module.TRAIN_LABELS
    assert correct.mean() == pytest.approx(snap.train_accuracy)


def test_training_script_can_continue_from_the_current_weights(tmp_path):
    trainer = fresh("maxout, cross-entropy, dropout, noise, nesterov")
    trainer.train(3)
    module = import_module(numpy_training_script(trainer, start="current"), tmp_path, "continued")
    np.testing.assert_array_equal(module.WEIGHTS[2], trainer.network.weights[2])
    # what loading the model does: same weights, fresh optimizer and random stream
    resumed = Trainer.from_state(trainer.config, points=np.column_stack([trainer.points.xy, trainer.points.label]),
                                 train=trainer.points.train.tolist(), weights=trainer.network.weights,
                                 biases=trainer.network.biases)
    with contextlib.redirect_stdout(io.StringIO()):
        got = np.array([h[1:] for h in module.train(10)])
    np.testing.assert_allclose(got, engine_losses(resumed, 10)[0], rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="start"):
        numpy_training_script(trainer, start="later")


def test_custom_points_are_embedded_with_their_split(tmp_path):
    trainer = Trainer({"seed": 3, "dataset": "custom", "n_classes": 3, "hidden": [3]})
    trainer.set_points([[1, 1, 0], [-2, 3, 2], [4, -4, 1], [0, 0, 2], [2, 2, 1]], [True, True, False, True, False])
    module = import_module(numpy_training_script(trainer), tmp_path, "custom_points")
    np.testing.assert_array_equal(module.TRAIN_XY, [[1, 1], [-2, 3], [0, 0]])
    np.testing.assert_array_equal(module.TEST_LABELS, [1, 1])
    with contextlib.redirect_stdout(io.StringIO()):
        got = np.array([h[1:] for h in module.train(20)])
    np.testing.assert_allclose(got, engine_losses(trainer, 20)[0], rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", activations.ACTIVATIONS)
def test_every_activation_carries_the_derivative_the_engine_uses(name):
    z = np.random.default_rng(2).normal(0, 3, (1, 50))
    a = activations.apply(name, np.vstack([z, np.zeros_like(z)]).T if name == "maxout" else z.T)
    zz = np.column_stack([z.T, np.zeros_like(z.T)]) if name == "maxout" else z.T
    got = eval(DERIVATIVES[name].format(slope=0.2), {"np": np, "a": a, "z": zz})
    np.testing.assert_allclose(got.ravel(), activations.curve(name, z.ravel(), 0.2)[1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", SETTINGS)
def test_pytorch_training_script_compiles(name):
    code = pytorch_training_script(fresh(name))
    compile(code, "train_torch.py", "exec")
    assert "loss.backward()" in code


@pytest.mark.slow
@pytest.mark.parametrize("name", SETTINGS)
def test_pytorch_training_script_reproduces_the_engine_loss_history(name, tmp_path):
    pytest.importorskip("torch", reason="PyTorch is not installed; the training script is only compiled")
    trainer = fresh(name)
    stdout = run_program(pytorch_training_script(trainer), tmp_path, "train_torch.py", str(EPOCHS))
    np.testing.assert_allclose(printed_losses(stdout), engine_losses(trainer)[0], rtol=0, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["maxout, cross-entropy, dropout, noise, nesterov", "regression, l2, adagrad, batch 7"])
def test_notebook_is_valid_and_its_cells_run_in_order_to_the_engine_losses(name, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="nbformat (a dev dependency) is not installed")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    trainer = fresh(name)
    text = notebook(trainer, epochs=EPOCHS)
    book = nbformat.reads(text, as_version=4)
    nbformat.validate(book)
    assert json.loads(text)["nbformat"] == 4
    code = [c.source for c in book.cells if c.cell_type == "code"]
    assert any("decision boundary" in c for c in code)
    namespace: dict = {"__name__": "notebook"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for source in code:
            exec(compile(source, "cell", "exec"), namespace)
    np.testing.assert_allclose(printed_losses(out.getvalue()), engine_losses(trainer)[0], rtol=0, atol=1e-9)
    if importlib.util.find_spec("matplotlib") is None:
        assert "matplotlib is not installed" in out.getvalue()
