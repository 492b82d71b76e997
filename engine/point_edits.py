"""Edits of a trainer's points, each made on a copy: the trainer takes the new set only when
the edit succeeded (a refused edit leaves its points as they were)."""

from __future__ import annotations

from typing import Any, Mapping

from . import datasets
from .datasets import PointSet


def added(points: PointSet, new: Any, config: Mapping[str, Any], max_points: int, train: Any = None) -> PointSet:
    """`points` and the `new` [[x, y, label], …] (checked against the config's classes and
    `max_points`), split as `train` says or drawn by the set's train ratio."""
    edited = points.copy()
    edited.add(new, n_classes=datasets.label_classes(config), max_points=max_points, train=train)
    return edited


def replaced(points: PointSet, new: Any, config: Mapping[str, Any], max_points: int, train: Any = None) -> PointSet:
    """Only the `new` points (see `added`); the split generator carries on from `points`'."""
    return added(cleared(points), new, config, max_points, train)


def removed(points: PointSet, positions: Any) -> PointSet:
    """`points` without the nearest point within 0.5 of each (x, y) of `positions`."""
    edited = points.copy()
    edited.remove(positions)
    return edited


def cleared(points: PointSet) -> PointSet:
    """No points; the split generator's state is kept."""
    edited = points.copy()
    edited.clear()
    return edited


def for_config(points: PointSet, old: Mapping[str, Any], new: Mapping[str, Any]) -> PointSet:
    """The points for config `new` after `old`: generated, or for "custom" the current points
    where their labels still fit."""
    if new["dataset"] != "custom":
        return datasets.generate(new)
    if new["problem"] != old["problem"]:
        return cleared(points)
    kept = points.copy()
    if new["problem"] == "classification":
        keep = kept.label < datasets.n_classes(new)
        kept.xy, kept.label, kept.train = kept.xy[keep], kept.label[keep], kept.train[keep]
    return kept
