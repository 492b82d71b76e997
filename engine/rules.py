"""Rules that involve more than one config key, written as data.

The rules themselves live in `engine.config.RULES`; /api/schema serves them under "rules" and
the page's static/js/schema.js interprets the very same dicts, so a rule is written once and
both sides enforce it. Each rule is a JSON-ready dict of one of two shapes:

- ``{"when": {key: [values, ...]}, "key": k, "allowed": [values, ...], "doc": text}``: when
  every `when` key holds one of its values, `k` must hold one of `allowed`
  (e.g. regression allows only the squared loss).
- ``{"key": k, "one_per": other, "doc": text}``: when `k` holds a list, it needs one entry per
  entry of `other`'s list (e.g. one activation per hidden layer).

A rule is checked only against a config that has every key it names, so a schema without
those keys (the session's pacing keys, the server's settings) is unaffected.

This module knows nothing about errors: `first_violation` returns the key and the reason, and
engine.config raises its ConfigError from them.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

Rule = Mapping[str, Any]


def matches(when: Mapping[str, Iterable[Any]], config: Mapping[str, Any]) -> bool:
    """True when every key of `when` is in `config` and holds one of its listed values."""
    return all(key in config and config[key] in list(values) for key, values in when.items())


def keys_of(rule: Rule) -> set[str]:
    """Every config key a rule reads."""
    keys = {rule["key"], *rule.get("when", {})}
    if "one_per" in rule:
        keys.add(rule["one_per"])
    return keys


def _when_text(when: Mapping[str, Iterable[Any]]) -> str:
    return " and ".join(f"{key} is {' or '.join(map(str, values))}" for key, values in when.items())


def violation(rule: Rule, config: Mapping[str, Any]) -> str | None:
    """Why `config` breaks `rule` (a message naming what is allowed), or None when it keeps it."""
    value = config[rule["key"]]
    if "one_per" in rule:
        other = config[rule["one_per"]]
        if isinstance(value, list) and len(value) != len(other):
            need = rule.get("doc") or f"a list needs one entry per {rule['one_per']} entry"
            return f"{need}: {len(other)} expected, got {len(value)}"
        return None
    if not matches(rule["when"], config) or value in list(rule["allowed"]):
        return None
    why = f" ({rule['doc']})" if rule.get("doc") else ""
    return (f"{value!r} is not allowed when {_when_text(rule['when'])}{why}; "
            f"allowed: {', '.join(map(str, rule['allowed']))}")


def first_violation(rules: Iterable[Rule], config: Mapping[str, Any]) -> tuple[str, str] | None:
    """(key, reason) for the first rule, in order, that `config` breaks; None when it keeps them all."""
    for rule in rules:
        if keys_of(rule) <= config.keys():
            reason = violation(rule, config)
            if reason is not None:
                return rule["key"], reason
    return None


def describe_rules(rules: Iterable[Rule]) -> list[dict[str, Any]]:
    """The rules as plain JSON data (tuples become lists), as served by /api/schema."""
    def plain(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value
    return [plain(rule) for rule in rules]
