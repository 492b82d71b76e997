"""Lessons: one-click demonstrations of the course notes, stored as data in lessons/*.json.

A lesson file is a JSON object (lessons/README.md is the teacher's guide):

    id           "vanishing_gradient" — letters, digits, "_" and "-"; unique
    order        where it sits in the picker (whole number; lower comes first)
    title        {"en": "...", "zh": "..."}
    explanation  {"en": "...", "zh": "..."} — what to look at and why
    config       a partial config (engine/config.py SCHEMA keys) applied over the defaults
    compare      optional: a patch over `config` for the right-hand side of compare mode
    points       optional: [[x, y, label], ...] for dataset "custom"
    weights      optional: {"weights": [...], "biases": [...]} fixed starting parameters
    compare_points, compare_weights   optional: the same for the right-hand side
    play         optional, default true: start training at once
    epochs       optional: a suggested run length (pause after it)
    early_stopping  optional: patience in epochs (pause when the test loss stops improving)
    watch        optional: a panel name or a list of them (see WATCH)
    example      optional: a worked example for the backprop inspector (engine.lesson_example)

`load_lessons` checks every file against this and against the config schema, so a teacher's
typo stops the server with a message naming the file and the key, instead of a lesson that
silently does something else. `lesson_trainer` builds a Trainer for one side of a lesson; the
server and the tests both use it, so what the tests check is what the class sees.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

from .config import ConfigError, resets_for, validate_config
from .datasets import check_points, label_classes
from .float_range import ALLOWED, in_float32_range
from .lesson_example import parse_example
from .shapes import layer_shapes
from .trainer import Trainer

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"
LANGUAGES = ("en", "zh")
# Panels a lesson may ask the page to highlight.
# "batch_loss" also turns on the loss chart's mini-batch curve, "backprop" opens the inspector.
WATCH = ("output", "loss", "units", "weights", "gradients", "dead_units", "hidden_space",
         "activation", "gradient_check", "early_stopping", "batch_loss", "backprop")
MAX_EPOCHS = 100_000
MAX_PATIENCE = 1000
MAX_LESSON_POINTS = 5000
# Deepest nesting a lesson file may have: the deepest real key (weights -> layer -> row) is 4
# levels down. Checked before parsing: Python's JSON parser recurses and raises
# RecursionError around 1,000 levels, naming neither the file nor the place.
MAX_NESTING = 32
# Longest whole number read; Python refuses to convert more than 4,300 digits (ValueError).
MAX_INT_DIGITS = 100
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_REQUIRED = ("id", "order", "title", "explanation", "config")
_OPTIONAL = ("compare", "points", "weights", "compare_points", "compare_weights", "play", "epochs",
             "early_stopping", "watch", "example")


class LessonError(ConfigError):
    """A lesson file that is not valid; names the file and the key inside it."""

    def __init__(self, source: str, key: str, message: str, **fields: Any):
        super().__init__(key, message, **fields)
        self.source = source
        self.args = (f"{source}: {key}: {message}",)

    def __str__(self) -> str:
        return self.args[0]

    @classmethod
    def of(cls, source: str, key: str, error: ConfigError) -> "LessonError":
        """`error` (found in lesson file `source` at `key`) as a LessonError, fields kept."""
        return cls(source, key, error.message, code=error.code, line=error.line, allowed=error.allowed)


def load_lessons(folder: str | Path | None = None) -> list[dict[str, Any]]:
    """Every lesson in `folder` (default: the project's lessons/), checked, sorted by order.

    Each returned lesson has full validated configs: `config` (the defaults overlaid by the
    file's config) and, when the file has `compare`, `compare` (that config with the compare
    patch applied); `keys` lists the config keys the lesson sets (for highlighting controls).
    Raises LessonError for the first invalid file.
    """
    folder = Path(folder) if folder is not None else LESSONS_DIR
    if not folder.is_dir():
        raise LessonError(str(folder), "folder", "lesson folder not found")
    lessons = [parse_lesson(_read_json(path), path.name) for path in sorted(folder.glob("*.json"))]
    seen: dict[str, str] = {}
    for lesson in lessons:
        if lesson["id"] in seen:
            raise LessonError(lesson["source"], "id",
                              f"{lesson['id']!r} is already used by {seen[lesson['id']]}; ids must be unique")
        seen[lesson["id"]] = lesson["source"]
    return sorted(lessons, key=lambda lesson: (lesson["order"], lesson["id"]))


def lesson_by_id(lesson_id: str, lessons: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The lesson called `lesson_id` (from `lessons`, or freshly loaded); ConfigError("lesson") if none."""
    lessons = load_lessons() if lessons is None else lessons
    for lesson in lessons:
        if lesson["id"] == lesson_id:
            return lesson
    ids = ", ".join(lesson["id"] for lesson in lessons)
    raise ConfigError("lesson", f"unknown lesson {lesson_id!r}; allowed: {ids}", code="unknown_lesson", allowed=ids)


def lesson_trainer(lesson: Mapping[str, Any], side: str = "left", *, previous: Mapping[str, Any] | None = None,
                   max_points: int = 5000) -> tuple[Trainer, list[str]]:
    """A new Trainer set up as one side of `lesson`, and the parts that differ from a trainer
    with config `previous` (what a session that switches to it tells its page).

    The trainer has the lesson's whole config (keys the lesson does not set are defaults),
    its points (a custom data set, every point a training point) and fixed weights, at epoch 0 from its seed's weights.
    The parts always include "network" and "optimizer"; "data" when the data differ from
    `previous`'s (always without `previous`, or with lesson points). Nothing existing is
    changed, so a caller replaces its trainer only with a complete one. Pacing (play, epochs,
    early stopping) is the caller's business.
    """
    if side not in ("left", "right"):
        raise ConfigError("side", f"{side!r} is not allowed; allowed: left, right", allowed="left, right")
    prefix = "" if side == "left" else "compare_"
    config = lesson["config"] if side == "left" else lesson["compare"]
    if config is None:
        raise ConfigError("side", f"lesson {lesson['id']!r} has no compare side; allowed: left", allowed="left")
    points = lesson[prefix + "points"]
    if points is not None and len(points) > max_points:
        raise ConfigError("points", f"lesson {lesson['id']!r} has {len(points)} points; this session allows at most "
                                    f"{max_points} points", code="too_many_points", allowed=f"0..{max_points}")
    weights = lesson[prefix + "weights"] or {}
    # A lesson's own points are all training points: a random split could leave a side of the
    # four AND/OR points with nothing to train on, whatever the lesson's seed.
    train = None if points is None else [True] * len(points)
    trainer = Trainer.from_state(config, points=points, train=train, weights=weights.get("weights"),
                                 biases=weights.get("biases"), max_points=max_points)
    changed = [key for key in config if previous is None or config[key] != previous.get(key)]
    data_changed = points is not None or "data" in resets_for(changed)
    return trainer, ["data", "network", "optimizer"] if data_changed else ["network", "optimizer"]


def parse_lesson(raw: Any, source: str = "<lesson>") -> dict[str, Any]:
    """Check one lesson's decoded JSON and return the normalised lesson (see load_lessons)."""
    if not isinstance(raw, Mapping):
        raise LessonError(source, "lesson", "expected a JSON object with keys: " + ", ".join(_REQUIRED))
    for key in _REQUIRED:
        if key not in raw:
            raise LessonError(source, key, "missing; a lesson needs: " + ", ".join(_REQUIRED))
    for key in raw:
        if key not in _REQUIRED and key not in _OPTIONAL:
            raise LessonError(source, key, "unknown key; allowed keys: " + ", ".join(_REQUIRED + _OPTIONAL))

    lesson_id = raw["id"]
    if not isinstance(lesson_id, str) or not _ID.match(lesson_id):
        raise LessonError(source, "id", f"{lesson_id!r} is not allowed; use 1-64 lowercase letters, digits, "
                                        "'_' or '-', starting with a letter or digit")
    order = raw["order"]
    if isinstance(order, bool) or not isinstance(order, int):
        raise LessonError(source, "order", f"expected a whole number, got {order!r}")

    config = _config(source, "config", raw["config"])
    lesson: dict[str, Any] = {
        "id": lesson_id, "order": order, "source": source,
        "title": _texts(source, "title", raw["title"]),
        "explanation": _texts(source, "explanation", raw["explanation"]),
        "config": config, "keys": sorted(raw["config"]),
        "play": _bool(source, "play", raw.get("play", True)),
        "epochs": _optional_int(source, "epochs", raw.get("epochs"), 1, MAX_EPOCHS),
        "early_stopping": _optional_int(source, "early_stopping", raw.get("early_stopping"), 1, MAX_PATIENCE),
        "watch": _watch(source, raw.get("watch", [])),
        "points": _points(source, "points", raw.get("points"), config),
        "weights": _weights(source, "weights", raw.get("weights"), config),
        "compare": None, "compare_keys": [], "compare_points": None, "compare_weights": None,
        "example": None,
    }
    if "example" in raw:
        try:
            lesson["example"] = parse_example(raw["example"])
        except ConfigError as exc:
            raise LessonError.of(source, exc.key, exc) from None
    if "compare" in raw:
        patch = raw["compare"]
        if not isinstance(patch, Mapping):
            raise LessonError(source, "compare", "expected an object of config keys for the right-hand side")
        if not patch and "compare_points" not in raw and "compare_weights" not in raw:
            raise LessonError(source, "compare", "empty: give the config keys that differ on the right-hand side "
                                                 "(or compare_points / compare_weights)")
        right = _config(source, "compare", {**raw["config"], **patch})
        lesson["compare"] = right
        lesson["compare_keys"] = sorted(patch)
        # Without its own points the right-hand side shares the left's data.
        lesson["compare_points"] = _points(source, "compare_points", raw.get("compare_points", raw.get("points")),
                                           right)
        lesson["compare_weights"] = _weights(source, "compare_weights", raw.get("compare_weights"), right)
    else:
        for key in ("compare_points", "compare_weights"):
            if key in raw:
                raise LessonError(source, key, "only allowed together with 'compare'")
    return lesson


# --- field checks -------------------------------------------------------------------------------

def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LessonError(path.name, "file", f"not UTF-8 text: {exc}") from None
    too_deep = _nesting_beyond(text, MAX_NESTING)
    if too_deep is not None:
        key, line, column = too_deep
        raise LessonError(path.name, key, f"nested more than {MAX_NESTING} levels deep (line {line}, "
                                          f"column {column}); a lesson's values nest at most 4 levels")
    try:
        return json.loads(text, parse_int=_whole_number)
    except json.JSONDecodeError as exc:
        raise LessonError(path.name, "file", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


class OversizedNumber:
    """A whole number too long to be meant (MAX_INT_DIGITS); stands in for it so that the
    key's own check refuses it, naming the key, like any other value of the wrong kind."""

    def __init__(self, digits: int):
        self.digits = digits

    def __repr__(self) -> str:
        return f"a {self.digits:,}-digit number"


def _whole_number(text: str) -> int | OversizedNumber:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= MAX_INT_DIGITS else OversizedNumber(digits)


def _nesting_beyond(text: str, limit: int) -> tuple[str, int, int] | None:
    """(top-level key, line, column) where arrays/objects first nest deeper than `limit`.

    Iterative, skipping strings, so any depth is measured without recursion. The key is the
    last string seen at the top level (in an object, the key whose value this is); brackets
    of broken JSON are the parser's to report afterwards.
    """
    depth, key = 0, "file"
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                start = match.start()
                return key, text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
        elif token in ("]", "}"):
            depth -= 1
        elif depth == 1:
            key = json.loads(token)
    return None


def _config(source: str, where: str, partial: Any) -> dict[str, Any]:
    if not isinstance(partial, Mapping):
        raise LessonError(source, where, "expected an object of config keys (see engine/config.py)")
    try:
        return validate_config(partial)
    except ConfigError as exc:
        raise LessonError.of(source, f"{where}.{exc.key}", exc) from None


def _texts(source: str, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise LessonError(source, key, 'expected {"en": "...", "zh": "..."}')
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise LessonError(source, f"{key}.{lang}", "missing or empty; every lesson needs English and 简体中文 text")
    extra = [k for k in value if k not in LANGUAGES]
    if extra:
        raise LessonError(source, f"{key}.{extra[0]}", f"unknown language; allowed: {', '.join(LANGUAGES)}")
    return {lang: value[lang].strip() for lang in LANGUAGES}


def _bool(source: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise LessonError(source, key, f"expected true or false, got {value!r}")
    return value


def _optional_int(source: str, key: str, value: Any, lo: int, hi: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise LessonError(source, key, f"expected a whole number {lo}..{hi}, got {value!r}")
    return value


def _watch(source: str, value: Any) -> list[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list):
        raise LessonError(source, "watch", f"expected a panel name or a list of them; allowed: {', '.join(WATCH)}")
    for name in names:
        if name not in WATCH:
            raise LessonError(source, "watch", f"{name!r} is not a panel; allowed: {', '.join(WATCH)}")
    return list(dict.fromkeys(names))


def _points(source: str, key: str, value: Any, config: Mapping[str, Any]) -> list[list[float]] | None:
    custom = config["dataset"] == "custom"
    if value is None:
        if custom:
            raise LessonError(source, key, "dataset 'custom' needs the lesson's points [[x, y, label], ...]")
        return None
    if not custom:
        raise LessonError(source, key, f"points need dataset 'custom'; this lesson uses {config['dataset']!r}")
    if not isinstance(value, list) or not value or len(value) > MAX_LESSON_POINTS:
        raise LessonError(source, key, f"expected 1..{MAX_LESSON_POINTS} points [[x, y, label], ...]")
    try:
        return check_points(value, label_classes(config)).tolist()
    except ConfigError as exc:
        raise LessonError.of(source, key, exc) from None


def _weights(source: str, key: str, value: Any, config: Mapping[str, Any]) -> dict[str, list] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"weights", "biases"}:
        raise LessonError(source, key, 'expected {"weights": [per layer (fan_in, fan_out) rows], '
                                       '"biases": [per layer (fan_out,)]}')
    shapes = layer_shapes(config)
    out: dict[str, list] = {"weights": [], "biases": []}
    for part, index in (("weights", 0), ("biases", 1)):
        layers = value[part]
        if not isinstance(layers, list) or len(layers) != len(shapes):
            raise LessonError(source, f"{key}.{part}", f"expected {len(shapes)} layers for this config's network")
        for layer, (array, shape) in enumerate(zip(layers, (s[index] for s in shapes))):
            found = _shape(array)
            if found != shape:
                raise LessonError(source, f"{key}.{part}[{layer}]",
                                  f"shape {found} does not fit the network; expected {shape}")
            flat = [v for row in array for v in row] if len(shape) == 2 else array
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and in_float32_range(v)
                       for v in flat):
                raise LessonError(source, f"{key}.{part}[{layer}]", f"values must be {ALLOWED}")
            out[part].append([[float(v) for v in row] for row in array] if len(shape) == 2
                             else [float(v) for v in array])
    return out


def _shape(array: Any) -> tuple[int, ...] | None:
    """The shape of a nested list (rows of equal length), or None if it is ragged or not a list."""
    if not isinstance(array, list):
        return None
    if array and all(isinstance(row, list) for row in array):
        lengths = {len(row) for row in array}
        return (len(array), lengths.pop()) if len(lengths) == 1 else None
    if any(isinstance(v, list) for v in array):
        return None
    return (len(array),)
