"""The engine's validator against tests/validation_cases.json, the cases the page's validator
(static/js/schema.js) is held to as well (tests/browser/test_schema_page.py); and the rules
between keys as /api/schema serves them, the data both validators read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine import datasets
from engine.config import RULES, SCHEMA, ConfigError, applies, apply_patch, describe_config_rules, validate_config
from engine.rules import keys_of

CASES_FILE = Path(__file__).resolve().parent / "validation_cases.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text())["cases"]


def outcome(case: dict[str, Any]) -> dict[str, Any]:
    """{"error": key} or {"config": the new config}, as the engine's validator decides."""
    config = validate_config({"seed": 1, **case.get("base", {})})
    try:
        new, _changed = apply_patch(config, case["patch"])
    except ConfigError as exc:
        return {"error": exc.key}
    return {"config": new}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_engine_validator_decides_each_case_as_written(case):
    got = outcome(case)
    if "error" in case:
        assert got == {"error": case["error"]}
    else:
        assert "config" in got, f"refused: {got}"
        assert {k: got["config"][k] for k in case["expect"]} == case["expect"]


def test_a_full_config_is_checked_by_the_same_rules():
    # validate_config (a whole config at once) and apply_patch (a change) share the rules
    with pytest.raises(ConfigError) as err:
        validate_config({"problem": "regression", "dataset": "plane", "loss": "hinge"})
    assert err.value.key == "loss"
    with pytest.raises(ConfigError) as err:
        validate_config({"hidden": [2, 2, 2], "activation": ["relu", "relu"]})
    assert err.value.key == "activation"


def test_every_rule_has_a_case_that_breaks_it_and_one_that_keeps_it():
    broken = {c["error"] for c in CASES if c["name"].startswith("rule:") and "error" in c}
    kept = [c for c in CASES if c["name"].startswith("rule:") and "error" not in c]
    assert {r["key"] for r in RULES} <= broken
    for rule in RULES:
        assert any(keys_of(rule) & (c["patch"].keys() | c.get("base", {}).keys()) for c in kept), rule


def test_the_served_rules_are_plain_json_of_the_engine_rules():
    served = describe_config_rules()
    assert json.loads(json.dumps(served)) == served
    regression = next(r for r in served if r["when"] == {"problem": ["regression"]} and r["key"] == "loss")
    assert regression["allowed"] == ["squared"]
    groups = {r["when"]["problem"][0]: r["allowed"] for r in served if r["key"] == "dataset"}
    assert set(groups) == set(SCHEMA["problem"].choices)
    assert set(groups["classification"]) | set(groups["regression"]) == set(SCHEMA["dataset"].choices)


def test_a_rule_skips_a_schema_without_its_keys():
    # the session's and the server's own schemas go through validate_config too
    from engine.config import Field
    only = {"fps": Field("int", 30, lo=1, hi=60)}
    assert validate_config({"fps": 5}, schema=only) == {"fps": 5}


@pytest.mark.parametrize("dataset,problem,k,expected", [
    ("blobs", "classification", 4, 4), ("spiral", "classification", 3, 3), ("custom", "classification", 5, 5),
    ("circle", "classification", 4, 2), ("boundary", "classification", 3, 2), ("plane", "regression", 4, 1),
])
def test_class_count_follows_the_schema_rule_the_page_shows_the_control_by(dataset, problem, k, expected):
    config = validate_config({"seed": 1, "problem": problem, "dataset": dataset, "n_classes": k})
    assert datasets.n_classes(config) == expected
    assert applies("n_classes", config) == (problem == "classification" and expected > 2)
