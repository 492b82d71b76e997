"""The configuration schema shared by the engine, the server, the page and shareable URLs.

One table (`SCHEMA`) says, for every key, its type, its allowed values or range and its
default. `validate_config` turns a partial dict into a full, checked one; `apply_patch`
does the same for a live change. Every error is a `ConfigError` that names the key and
what is allowed, so a message can be shown next to the control that caused it.

The server adds its own session keys (pacing) with the same `Field` type and the same
functions, so there is one validation mechanism for everything a user can set.

Rules that involve more than one key (`RULES`: which data sets and losses a problem allows,
one activation per hidden layer) and when a key matters at all (`Field.applies_when`) are data
as well: /api/schema serves them and the page interprets them, so the page retypes no rule.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from . import activations, initializers, losses, normalization, optimizers, schedules
from .errors import ConfigError
from .rules import Rule, describe_rules, first_violation, matches

# The choices come from the tables that implement them: adding an activation, loss, optimizer
# or initialization is one entry there (engine/README.md).
ACTIVATIONS = tuple(activations.ACTIVATIONS)
LOSSES = tuple(losses.LOSSES)
OPTIMIZERS = tuple(optimizers.OPTIMIZERS)
INITS = tuple(initializers.INITIALIZERS)
NORMALIZATIONS = tuple(normalization.NORMALIZATIONS)
SCHEDULES = tuple(schedules.SCHEDULES)
REGULARIZATIONS = ("none", "l1", "l2")
FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2", "cos_x1", "cos_x2")
CLASSIFICATION_DATASETS = ("circle", "xor", "gauss", "spiral", "moons", "blobs", "boundary", "custom")
REGRESSION_DATASETS = ("plane", "gaussians", "custom")
DATASETS = ("circle", "xor", "gauss", "spiral", "moons", "blobs", "boundary", "plane", "gaussians", "custom")
MULTICLASS_DATASETS = ("blobs", "spiral", "custom")
BOUNDARY_FUNCTIONS = ("sine", "cubic", "abs", "step")

MAX_HIDDEN_LAYERS = 16
MAX_UNITS = 64
SEED_MAX = 2**31 - 1


@dataclass(frozen=True)
class Field:
    """One configuration key: its kind, its allowed values or range, and its default.

    kind is one of "int", "float", "bool", "choice", "choices" (a subset), "int_list",
    "activation" (one name or one per hidden layer). `default` may be a callable
    (evaluated when a config is first built, e.g. a random seed).
    """

    kind: str
    default: Any
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    choices: tuple[str, ...] = ()
    max_len: int | None = None
    min_len: int = 0
    doc: str = ""
    resets: tuple[str, ...] = field(default=())
    # Values a drop-down offers for a number (any other valid value is still accepted).
    presets: tuple[float, ...] = ()
    # {other key: values}: the key matters only when every other key holds one of its values
    # (e.g. n_classes only for the multi-class data sets); the page hides it otherwise.
    applies_when: Mapping[str, tuple[str, ...]] | None = None

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description, as served by /api/schema."""
        out: dict[str, Any] = {"kind": self.kind, "doc": self.doc, "resets": list(self.resets)}
        if not callable(self.default):
            out["default"] = self.default
        for name in ("lo", "hi", "max_len"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.kind in ("choices", "int_list"):
            out["min_len"] = self.min_len
        if self.lo_open:
            out["lo_open"] = True
        if self.choices:
            out["choices"] = list(self.choices)
        if self.presets:
            out["presets"] = list(self.presets)
        if self.applies_when is not None:
            out["applies_when"] = {key: list(values) for key, values in self.applies_when.items()}
        return out


def _random_seed() -> int:
    return random.SystemRandom().randrange(0, 1_000_000)


# `resets` lists what a change of the key rebuilds in a running Trainer: "data" (new points),
# "network" (new weights), "optimizer" (fresh optimizer state). An empty tuple: applied live.
SCHEMA: dict[str, Field] = {
    "problem": Field("choice", "classification", choices=("classification", "regression"),
                     doc="Classify points or fit a real-valued target.", resets=("data", "network", "optimizer")),
    "dataset": Field("choice", "circle", choices=DATASETS, doc="Which data set to generate.",
                     resets=("data", "network", "optimizer")),
    "n_classes": Field("int", 2, lo=2, hi=5, doc="Classes for blobs, spiral and custom data (others have 2).",
                       resets=("data", "network", "optimizer"), presets=(2, 3, 4, 5),
                       applies_when={"problem": ("classification",), "dataset": MULTICLASS_DATASETS}),
    "boundary_fn": Field("choice", "sine", choices=BOUNDARY_FUNCTIONS,
                         doc="For the boundary data set: points above vs below y = f(x).",
                         resets=("data", "network", "optimizer"), applies_when={"dataset": ("boundary",)}),
    "n_samples": Field("int", 500, lo=20, hi=2000, doc="Number of generated points.",
                       resets=("data", "network", "optimizer")),
    "noise": Field("float", 0, lo=0, hi=50, doc="Noise in percent (the Playground's scale).",
                   resets=("data", "network", "optimizer")),
    "train_ratio": Field("float", 50, lo=10, hi=90, doc="Percent of the points used for training.",
                         resets=("data", "network", "optimizer")),
    "seed": Field("int", _random_seed, lo=0, hi=SEED_MAX, doc="Seeds data, split and weights.",
                  resets=("data", "network", "optimizer")),
    "features": Field("choices", ["x1", "x2"], choices=FEATURES, min_len=1,
                      doc="Input features fed to the network.", resets=("network", "optimizer")),
    "hidden": Field("int_list", [4, 2], lo=1, hi=MAX_UNITS, max_len=MAX_HIDDEN_LAYERS,
                    doc="Units per hidden layer.", resets=("network", "optimizer")),
    "activation": Field("activation", "tanh", choices=ACTIVATIONS,
                        doc="Hidden activation: one name, or one per hidden layer.", resets=("network", "optimizer")),
    "leaky_slope": Field("float", 0.01, lo=0, hi=1, doc="Slope of leaky_relu for negative inputs.", resets=()),
    "loss": Field("choice", "squared", choices=LOSSES, doc="Training loss.", resets=("network", "optimizer")),
    "learning_rate": Field("float", 0.03, lo=0, hi=10, lo_open=True, doc="Step size.", resets=(),
                           presets=(0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)),
    "batch_size": Field("int", 10, lo=1, hi=2000, doc="Points per step (at most the training points).", resets=(),
                        presets=(1, 2, 5, 10, 20, 30, 50, 100, 200, 500, 1000, 2000)),
    "optimizer": Field("choice", "sgd", choices=OPTIMIZERS, doc="Update rule.", resets=("optimizer",)),
    "momentum": Field("float", 0.9, lo=0, hi=0.999, doc="Momentum; Adam's beta1.", resets=()),
    "nesterov": Field("bool", False, doc="Nesterov momentum (momentum optimizer).", resets=()),
    "rho": Field("float", 0.9, lo=0, hi=0.999, doc="RMSprop's decay rate.", resets=()),
    "beta2": Field("float", 0.999, lo=0, hi=0.9999, doc="Adam's second-moment decay.", resets=()),
    "regularization": Field("choice", "none", choices=REGULARIZATIONS, doc="Weight penalty.", resets=()),
    "reg_rate": Field("float", 0, lo=0, hi=10, doc="Penalty rate.", resets=(),
                      presets=(0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)),
    "dropout": Field("float", 0, lo=0, hi=0.9, doc="Drop probability for hidden units while training.", resets=()),
    "input_noise": Field("float", 0, lo=0, hi=2, doc="Std of Gaussian noise added to inputs while training.",
                         resets=()),
    "init": Field("choice", "tf_uniform", choices=INITS, doc="Weight initialization.",
                  resets=("network", "optimizer")),
    # Deeper networks (engine.deep, engine.normalization, engine.schedules, engine.clipping)
    "residual": Field("bool", False, doc="Residual connections: a hidden layer whose input and output widths match "
                                         "adds its input to its output (a = f(h) + a_prev).",
                      resets=("network", "optimizer")),
    "normalization": Field("choice", "none", choices=NORMALIZATIONS,
                           doc="Normalize each hidden layer's pre-activation, with a learned scale and shift per "
                               "unit: over the batch (running averages for pictures and losses) or over the "
                               "layer's units.", resets=("network", "optimizer")),
    "lr_schedule": Field("choice", "constant", choices=SCHEDULES,
                         doc="How the learning rate changes with the epochs: constant, × lr_decay every lr_step "
                             "epochs, × lr_decay every epoch, or a cosine down to 0 over lr_period epochs.",
                         resets=()),
    "lr_decay": Field("float", 0.5, lo=0, hi=1, lo_open=True, doc="Factor of the step and exponential schedules.",
                      resets=(), presets=(0.1, 0.3, 0.5, 0.9, 0.95, 0.99, 0.999),
                      applies_when={"lr_schedule": ("step", "exponential")}),
    "lr_step": Field("int", 50, lo=1, hi=10000, doc="Epochs between the step schedule's decays.", resets=(),
                     presets=(10, 20, 50, 100, 200, 500), applies_when={"lr_schedule": ("step",)}),
    "lr_period": Field("int", 200, lo=1, hi=10000, doc="Epochs over which the cosine schedule reaches 0.",
                       resets=(), presets=(50, 100, 200, 500, 1000), applies_when={"lr_schedule": ("cosine",)}),
    "clip_norm": Field("float", 0, lo=0, hi=100, doc="Largest norm of a step's mean gradient (0 = no clipping).",
                       resets=(), presets=(0, 0.1, 0.5, 1, 5, 10)),
}

# Rules between keys, in the order they are checked (the first broken one is reported); the
# shapes are described in engine.rules. The data-set groups per problem are these rules.
RULES: tuple[Rule, ...] = (
    {"when": {"problem": ["regression"]}, "key": "dataset", "allowed": list(REGRESSION_DATASETS),
     "doc": "regression fits a real-valued target, which only these data sets have"},
    {"when": {"problem": ["regression"]}, "key": "loss", "allowed": ["squared"],
     "doc": "regression uses the squared loss"},
    {"when": {"problem": ["classification"]}, "key": "dataset", "allowed": list(CLASSIFICATION_DATASETS),
     "doc": "classification needs class labels, which only these data sets have"},
    {"key": "activation", "one_per": "hidden", "doc": "a list of activations needs one name per hidden layer"},
)

DEFAULTS: dict[str, Any] = {k: f.default for k, f in SCHEMA.items() if not callable(f.default)}


def describe_schema(schema: Mapping[str, Field] = SCHEMA) -> dict[str, Any]:
    """The whole schema as JSON-ready data."""
    return {key: f.describe() for key, f in schema.items()}


def describe_config_rules(rules: Sequence[Rule] = RULES) -> list[dict[str, Any]]:
    """The cross-field rules as JSON-ready data (the `rules` part of /api/schema)."""
    return describe_rules(rules)


def applies(key: str, config: Mapping[str, Any], schema: Mapping[str, Field] = SCHEMA) -> bool:
    """True when `key` matters for `config` (its field's `applies_when` holds, or it has none)."""
    when = schema[key].applies_when
    return when is None or matches(when, config)


def _range_text(f: Field) -> str:
    """The allowed range of a number field, as error messages and `ConfigError.allowed` give it."""
    if f.kind in ("int", "int_list"):
        return f"{int(f.lo)}..{int(f.hi)}"
    lo = f"> {f.lo:g}" if f.lo_open else f">= {f.lo:g}"
    return f"a number {lo} and <= {f.hi:g}"


def _refuse(key: str, message: str, allowed: str) -> ConfigError:
    """ConfigError "<message>; allowed: <allowed>" with `allowed` as a field too."""
    return ConfigError(key, f"{message}; allowed: {allowed}", allowed=allowed)


def _check_number(key: str, f: Field, value: Any) -> float | int:
    allowed = _range_text(f)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _refuse(key, f"expected a number, got {value!r}", allowed)
    if isinstance(value, float) and not math.isfinite(value):
        raise _refuse(key, "must be finite", allowed)
    if f.kind == "int":
        if isinstance(value, float):
            if not value.is_integer():
                raise _refuse(key, f"expected a whole number, got {value!r}", allowed)
            value = int(value)
        if not (f.lo <= value <= f.hi):
            raise _refuse(key, f"{value} is out of range", allowed)
        return value
    value = float(value)
    too_low = value <= f.lo if f.lo_open else value < f.lo
    if too_low or value > f.hi:
        raise _refuse(key, f"{value:g} is out of range", allowed)
    return value


def check_value(key: str, value: Any, schema: Mapping[str, Field] = SCHEMA) -> Any:
    """Check one value against its field; return it normalised (ints as int, lists copied)."""
    f = schema.get(key)
    if f is None:
        raise ConfigError(key, f"unknown key; allowed keys: {', '.join(schema)}", allowed=", ".join(schema))
    if f.kind in ("int", "float"):
        return _check_number(key, f, value)
    if f.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(key, f"expected true or false, got {value!r}")
        return value
    if f.kind == "choice":
        if value not in f.choices:
            raise _refuse(key, f"{value!r} is not allowed", ", ".join(f.choices))
        return value
    if f.kind == "choices":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(key, f"expected a list of names from: {', '.join(f.choices)}")
        bad = [v for v in value if v not in f.choices]
        if bad:
            raise _refuse(key, f"{bad[0]!r} is not allowed", ", ".join(f.choices))
        chosen = [c for c in f.choices if c in value]  # canonical order, no duplicates
        if len(chosen) < f.min_len:
            raise ConfigError(key, f"choose at least {f.min_len} of: {', '.join(f.choices)}")
        return chosen
    if f.kind == "int_list":
        if not isinstance(value, (list, tuple)):
            raise ConfigError(key, f"expected a list of whole numbers {int(f.lo)}..{int(f.hi)}")
        if len(value) > f.max_len:
            raise _refuse(key, f"{len(value)} layers is too many", f"0..{f.max_len} layers")
        return [_check_number(key, Field("int", 0, lo=f.lo, hi=f.hi), v) for v in value]
    if f.kind == "activation":
        names = value if isinstance(value, (list, tuple)) else [value]
        if not names or not all(isinstance(v, str) and v in f.choices for v in names):
            raise ConfigError(key, f"{value!r} is not allowed; allowed: one of {', '.join(f.choices)}, "
                                   f"or a list with one per hidden layer")
        return list(value) if isinstance(value, (list, tuple)) else value
    raise AssertionError(f"unknown field kind {f.kind}")  # a schema bug, not user input


def check_rules(cfg: Mapping[str, Any], rules: Sequence[Rule] = RULES) -> None:
    """Raise ConfigError naming the key of the first rule (in order) that `cfg` breaks."""
    broken = first_violation(rules, cfg)
    if broken is not None:
        raise ConfigError(*broken)


def validate_config(partial: Mapping[str, Any] | None = None,
                    schema: Mapping[str, Field] = SCHEMA, rules: Sequence[Rule] = RULES) -> dict[str, Any]:
    """Return a full, checked config: `partial` over the defaults (a random seed if none)."""
    if partial is not None and not isinstance(partial, Mapping):
        raise ConfigError("config", "expected an object of key: value pairs")
    partial = dict(partial or {})
    cfg = {}
    for key, f in schema.items():
        if key in partial:
            cfg[key] = check_value(key, partial.pop(key), schema)
        else:
            cfg[key] = f.default() if callable(f.default) else _copy(f.default)
    if partial:
        key = next(iter(partial))
        raise ConfigError(key, f"unknown key; allowed keys: {', '.join(schema)}", allowed=", ".join(schema))
    check_rules(cfg, rules)  # a rule whose keys this schema lacks is skipped
    return cfg


def apply_patch(config: Mapping[str, Any], patch: Mapping[str, Any], schema: Mapping[str, Field] = SCHEMA,
                rules: Sequence[Rule] = RULES) -> tuple[dict[str, Any], list[str]]:
    """Check `patch` against `config`; return (new full config, keys whose value changed).

    Nothing is changed when any key is invalid: the error is raised before anything is built.
    """
    if not isinstance(patch, Mapping):
        raise ConfigError("patch", "expected an object of key: value pairs")
    new = dict(config)
    for key, value in patch.items():
        new[key] = check_value(key, value, schema)
    check_rules(new, rules)
    changed = [k for k in patch if new[k] != config.get(k)]
    return new, changed


def resets_for(changed: Sequence[str], schema: Mapping[str, Field] = SCHEMA) -> list[str]:
    """The parts a change of these keys rebuilds, in the order data, network, optimizer."""
    parts = {p for k in changed if k in schema for p in schema[k].resets}
    return [p for p in ("data", "network", "optimizer") if p in parts]


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
