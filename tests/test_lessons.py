"""Lessons as data: the shipped files load, and a teacher's mistake gives a precise message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.config import SCHEMA, ConfigError, validate_config
from engine.lessons import WATCH, LessonError, layer_shapes, lesson_by_id, load_lessons, parse_lesson

LESSONS = load_lessons()
ISSUE_TOPICS = {  # issue 6's list → the lesson that teaches it
    "linear collapse": "linear_layers_collapse", "neuron AND/OR": "single_neuron_and_or",
    "XOR": "xor_needs_hidden_layer", "vanishing gradient": "vanishing_gradient", "dying ReLU": "dying_relu",
    "zero init": "zero_initialization", "overfitting": "overfitting_regularization",
    "big vs small": "big_network_with_regularization", "batch size": "batch_size",
    "optimizers (momentum)": "sgd_vs_momentum", "optimizers (adam)": "sgd_vs_adam",
    "feature engineering": "feature_engineering",
}

GOOD = {
    "id": "demo", "order": 5,
    "title": {"en": "Demo", "zh": "演示"},
    "explanation": {"en": "Look at the boundary.", "zh": "看决策边界。"},
    "config": {"dataset": "circle", "hidden": [3], "seed": 1},
}


def write(folder: Path, name: str, body) -> Path:
    path = folder / name
    path.write_text(body if isinstance(body, str) else json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def test_every_topic_of_the_issue_has_a_lesson_in_teaching_order():
    ids = [lesson["id"] for lesson in LESSONS]
    assert set(ISSUE_TOPICS.values()) <= set(ids)
    assert len(ids) == len(set(ids))
    orders = [lesson["order"] for lesson in LESSONS]
    assert orders == sorted(orders)
    # The single neuron comes before the hidden layer, which comes before the deep-network lessons.
    assert ids.index("single_neuron_and_or") < ids.index("xor_needs_hidden_layer") < ids.index("vanishing_gradient")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson["id"])
def test_shipped_lesson_is_complete_and_valid(lesson):
    assert lesson["config"] == validate_config(lesson["config"])  # full and valid
    assert set(lesson["keys"]) <= set(SCHEMA)
    assert "seed" in lesson["keys"], "a lesson fixes its seed so the class sees the prepared run"
    for lang in ("en", "zh"):
        assert lesson["title"][lang] and lesson["explanation"][lang]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lesson["explanation"]["zh"])
    assert 2 <= lesson["explanation"]["en"].count(". ") + 1 <= 6
    assert set(lesson["watch"]) <= set(WATCH) and lesson["watch"]
    if lesson["compare"] is not None:
        assert lesson["compare"] == validate_config(lesson["compare"])
        for key in lesson["compare_keys"]:
            assert key in SCHEMA
        # Compare mode shares the data unless the lesson gives the right side its own points.
        data_keys = [k for k, f in SCHEMA.items() if "data" in f.resets]
        if lesson["compare_points"] == lesson["points"]:
            assert all(lesson["compare"][k] == lesson["config"][k] for k in data_keys)


def test_lesson_config_is_the_defaults_plus_the_file():
    lesson = lesson_by_id("vanishing_gradient", LESSONS)
    assert lesson["config"]["activation"] == "sigmoid" and lesson["compare"]["activation"] == "relu"
    assert lesson["config"]["regularization"] == SCHEMA["regularization"].default  # not set → default
    assert lesson["compare"]["hidden"] == lesson["config"]["hidden"]  # compare is a patch over config


def test_and_or_lesson_has_the_notes_weights_and_truth_tables():
    lesson = lesson_by_id("single_neuron_and_or", LESSONS)
    assert lesson["play"] is False
    assert lesson["config"]["hidden"] == [] and lesson["config"]["dataset"] == "custom"
    assert lesson["weights"] == {"weights": [[[20.0], [20.0]]], "biases": [[-30.0]]}
    assert lesson["compare_weights"]["biases"] == [[-10.0]]

    def neuron(weights, x1, x2):  # the sigmoid neuron, thresholded at 0.5
        (w1,), (w2,) = weights["weights"][0]
        return int(w1 * x1 + w2 * x2 + weights["biases"][0][0] > 0)

    for side, points in (("weights", "points"), ("compare_weights", "compare_points")):
        for x1, x2, label in lesson[points]:
            assert neuron(lesson[side], x1, x2) == label
    assert [p[2] for p in lesson["points"]] == [0, 0, 0, 1]  # AND
    assert [p[2] for p in lesson["compare_points"]] == [0, 1, 1, 1]  # OR


def test_lesson_by_id_unknown_names_the_choices():
    with pytest.raises(ConfigError) as err:
        lesson_by_id("nope", LESSONS)
    assert err.value.key == "lesson" and "vanishing_gradient" in str(err.value)


def test_layer_shapes_follow_the_network_conventions():
    cfg = validate_config({"features": ["x1", "x2", "x1_sq"], "hidden": [4, 3], "activation": ["maxout", "tanh"]})
    assert layer_shapes(cfg) == [((3, 8), (8,)), ((4, 3), (3,)), ((3, 1), (1,))]
    cfg = validate_config({"dataset": "blobs", "n_classes": 4, "hidden": []})
    assert layer_shapes(cfg) == [((2, 4), (4,))]


def test_a_teacher_can_add_a_lesson(tmp_path):
    write(tmp_path, "a.json", GOOD)
    write(tmp_path, "b.json", {**GOOD, "id": "first", "order": 1, "compare": {"hidden": [20]}, "watch": "loss"})
    lessons = load_lessons(tmp_path)
    assert [l["id"] for l in lessons] == ["first", "demo"]
    assert lessons[0]["compare"]["hidden"] == [20] and lessons[0]["watch"] == ["loss"]
    assert lessons[1]["play"] is True and lessons[1]["compare"] is None


BROKEN = [  # (change to GOOD, key the message must name, words it must contain)
    ({"config": {"learning_rate": 20}}, "config.learning_rate", "allowed"),
    ({"config": {"activaton": "relu"}}, "config.activaton", "unknown key"),
    ({"config": {"activation": "softplus"}}, "config.activation", "relu"),
    ({"compare": {"hidden": [100]}}, "compare.hidden", "64"),
    ({"compare": {}}, "compare", "empty"),
    ({"title": {"en": "Only English"}}, "title.zh", "简体中文"),
    ({"explanation": {"en": "x", "zh": "y", "fr": "z"}}, "explanation.fr", "allowed"),
    ({"order": "3"}, "order", "whole number"),
    ({"id": "Has Spaces"}, "id", "lowercase"),
    ({"watch": ["gradient"]}, "watch", "gradients"),
    ({"epochs": 0}, "epochs", "1.."),
    ({"play": "yes"}, "play", "true or false"),
    ({"early_stopping": -1}, "early_stopping", "1.."),
    ({"colour": "red"}, "colour", "unknown key"),
    ({"points": [[0, 0, 1]]}, "points", "custom"),
    ({"config": {"dataset": "custom"}}, "points", "needs"),
    ({"config": {"dataset": "custom"}, "points": [[9, 0, 1]]}, "points", "-6 <= x, y <= 6"),
    ({"config": {"dataset": "custom"}, "points": [[0, 0, 2]]}, "points", "label"),
    ({"weights": {"weights": [[[1.0]]], "biases": [[0.0], [0.0]]}}, "weights.weights", "2 layers"),
    ({"weights": {"weights": [[[1, 1]] * 2, [[1]] * 3], "biases": [[0, 0, 0], [0]]}}, "weights.weights[0]",
     "expected (2, 3)"),
    ({"weights": {"weights": [[[1, 1, 1]] * 2, [[1]] * 3], "biases": [[0, 0], [0]]}}, "weights.biases[0]",
     "expected (3,)"),
    ({"weights": {"weights": [[[1, 1, 1]] * 2, [[1]] * 3], "biases": [[0, 0, 0], [float("nan")]]}},
     "weights.biases[1]", "finite"),
    ({"compare_weights": {"weights": [], "biases": []}}, "compare_weights", "compare"),
]


@pytest.mark.parametrize("change,key,words", BROKEN, ids=[b[1] + ":" + b[2] for b in BROKEN])
def test_a_broken_lesson_names_file_and_key(tmp_path, change, key, words):
    write(tmp_path, "ok.json", GOOD)
    write(tmp_path, "070_typo.json", {**GOOD, "id": "typo", **change})
    with pytest.raises(LessonError) as err:
        load_lessons(tmp_path)
    message = str(err.value)
    assert message.startswith(f"070_typo.json: {key}: "), message
    assert words in message, message
    assert err.value.key == key and err.value.source == "070_typo.json"


def test_missing_key_invalid_json_and_duplicate_ids(tmp_path):
    body = {k: v for k, v in GOOD.items() if k != "config"}
    write(tmp_path, "x.json", body)
    with pytest.raises(LessonError, match=r"^x\.json: config: missing"):
        load_lessons(tmp_path)
    write(tmp_path, "x.json", '{"id": "demo",\n "order": 1,,}')
    with pytest.raises(LessonError, match=r"^x\.json: file: invalid JSON at line 2, column 13"):
        load_lessons(tmp_path)
    write(tmp_path, "x.json", GOOD)
    write(tmp_path, "y.json", GOOD)
    with pytest.raises(LessonError, match=r"^y\.json: id: 'demo' is already used by x\.json"):
        load_lessons(tmp_path)
    with pytest.raises(LessonError, match="folder not found"):
        load_lessons(tmp_path / "missing")


def test_parse_lesson_rejects_non_objects():
    with pytest.raises(LessonError, match=r"^<lesson>: lesson: expected a JSON object"):
        parse_lesson(["not", "an", "object"])
