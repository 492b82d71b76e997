"""Data sets on the plane [−6, 6]², and the point set a session trains on.

The generators follow the TensorFlow Playground's (circle, xor, gauss, spiral, and the two
regression sets plane and gaussians) with its noise scale: the config's noise 0–50 % becomes a
fraction 0–0.5 that moves each point's *label position* (circle, xor, boundary, regression) or
widens the clusters (gauss, blobs, spiral, moons). Beyond the Playground: moons, K-class blobs and
spirals, and a function-boundary set (above vs below y = f(x)).

Everything is driven by one NumPy Generator seeded from config["seed"], so the same config
gives bit-identical arrays. Binary labels are 0/1: 0 is the Playground's orange (−1) class,
1 its blue (+1) class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping

import numpy as np

from .config import ConfigError, applies
from .float_range import ALLOWED, outside_float32_range

DOMAIN = 6.0

# Seed streams: one for generating and splitting the data, one for the split of points added
# later, so adding points never depends on how many random numbers the generator consumed.
_DATA_STREAM, _ADD_STREAM = 0, 1


@lru_cache(maxsize=8)
def _grid(size: int) -> np.ndarray:
    axis = np.linspace(-DOMAIN, DOMAIN, size)
    xs, ys = np.meshgrid(axis, axis[::-1])  # row 0 is the top of the image: y = +6
    grid = np.column_stack([xs.ravel(), ys.ravel()])
    grid.setflags(write=False)  # shared by every caller: nobody may scribble on it
    return grid


def grid_points(size: int) -> np.ndarray:
    """The (size*size, 2) points of a size×size grid over [−6, 6]², row-major, north up.

    Row 0 is y = +6 and column 0 is x = −6, so `values.reshape(size, size)` is an image.
    The array is cached per size and read-only.
    """
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 2:
        raise ValueError(f"grid size must be an integer >= 2, got {size!r}")
    return _grid(int(size))


def n_classes(config: Mapping[str, Any]) -> int:
    """The number of classes the network must output: 1 for regression, K or 2 otherwise."""
    if config["problem"] == "regression":
        return 1
    # the schema's applies_when of n_classes says which data sets take a class count (the page
    # shows the control by the same rule)
    if applies("n_classes", config):
        return int(config["n_classes"])
    return 2


def label_classes(config: Mapping[str, Any]) -> int | None:
    """The class count point labels are checked against (`check_points`); None for regression,
    whose labels are target values."""
    return None if config["problem"] == "regression" else n_classes(config)


def check_points(points: Any, n_classes: int | None = None) -> np.ndarray:
    """Validate user points [[x, y, label], …]; return them as an (m, 3) float64 array.

    Coordinates must be finite and within [−6, 6]. With `n_classes` (classification) a label
    must be a whole number 0..n_classes−1; without (regression) a number in float32's range.
    """
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError("points", "expected a list of [x, y, label] number triples") from None
    if arr.size == 0:
        return np.empty((0, 3))
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ConfigError("points", f"expected a list of [x, y, label] number triples, got shape {arr.shape}")
    bad = outside_float32_range(arr).any(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        raise ConfigError("points", f"point {i}: values must be {ALLOWED}, got {arr[i].tolist()}")
    outside = (np.abs(arr[:, :2]) > DOMAIN).any(axis=1)
    if outside.any():
        i = int(np.argmax(outside))
        raise ConfigError("points", f"point {i}: coordinates ({arr[i, 0]:g}, {arr[i, 1]:g}) are outside "
                                    f"the plane; allowed: -6 <= x, y <= 6")
    if n_classes is not None:
        labels = arr[:, 2]
        wrong = (labels != np.round(labels)) | (labels < 0) | (labels > n_classes - 1)
        if wrong.any():
            i = int(np.argmax(wrong))
            raise ConfigError("points", f"point {i}: label {labels[i]:g} is not a class; "
                                        f"allowed: 0..{n_classes - 1}")
    return arr


@dataclass(eq=False)  # arrays inside: compare explicitly, never with ==
class PointSet:
    """Points with labels and a train/test flag each.

    `label` is a class index 0..K−1 (classification) or a real target (regression). Points
    added later draw their own train flag with probability train_ratio / 100 from the set's own
    seeded generator; points already there keep theirs, so the split is stable while a student
    draws.
    """

    xy: np.ndarray
    label: np.ndarray
    train: np.ndarray
    train_ratio: float = 50.0
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng([0, _ADD_STREAM]),
                                     repr=False)

    @classmethod
    def empty(cls, train_ratio: float = 50.0, seed: int = 0) -> "PointSet":
        """A set with no points; added points are split train/test with `train_ratio` percent."""
        return cls(np.empty((0, 2)), np.empty(0), np.empty(0, dtype=bool), float(train_ratio),
                   np.random.default_rng([seed, _ADD_STREAM]))

    def __len__(self) -> int:
        return len(self.label)

    def add(self, points: Any, n_classes: int | None = None, max_points: int | None = None,
            train: Any = None) -> int:
        """Append points [[x, y, label], …] (checked by `check_points`); return how many.

        `train` (one bool per point) keeps a split the points already have (an uploaded file's
        train/test column); without it each point is a training point with probability
        train_ratio %. `max_points` caps the size of the whole set: beyond it nothing is added
        and a ConfigError says how many fit.
        """
        arr = check_points(points, n_classes)
        if max_points is not None and len(self) + len(arr) > max_points:
            raise ConfigError("points", f"too many points: {len(self)} + {len(arr)} would exceed the limit "
                                        f"of {max_points} points per session", code="too_many_points",
                              allowed=f"0..{max_points}")
        if train is not None:
            train = np.asarray(train)
            if train.dtype != bool or train.shape != (len(arr),):
                raise ConfigError("train", f"expected {len(arr)} true/false flags, one per point")
        if len(arr) == 0:
            return 0
        if train is None:
            train = self.rng.random(len(arr)) < self.train_ratio / 100.0
        self.xy = np.concatenate([self.xy, arr[:, :2]])
        self.label = np.concatenate([self.label, arr[:, 2]])
        self.train = np.concatenate([self.train, train])
        return len(arr)

    def remove(self, positions: Any, radius: float = 0.5) -> int:
        """For each position (x, y), remove the nearest point if it lies within `radius`.

        Positions are handled in order, so two clicks on the same spot remove two points.
        Returns how many points were removed.
        """
        try:
            pos = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
        except (TypeError, ValueError):
            raise ConfigError("points", "remove expects a list of [x, y] number pairs") from None
        if not np.isfinite(pos).all():
            raise ConfigError("points", "remove positions must be finite numbers")
        keep = np.ones(len(self), dtype=bool)
        removed = 0
        for x, y in pos:
            d2 = (self.xy[:, 0] - x) ** 2 + (self.xy[:, 1] - y) ** 2
            d2[~keep] = np.inf
            if len(d2) == 0:
                break
            i = int(np.argmin(d2))
            if d2[i] <= radius * radius:
                keep[i] = False
                removed += 1
        if removed:
            self.xy, self.label, self.train = self.xy[keep], self.label[keep], self.train[keep]
        return removed

    def train_first(self) -> np.ndarray:
        """Indices of the training points, then of the test points (the order the trainer's
        buffers and the hidden-space view keep)."""
        return np.concatenate([np.flatnonzero(self.train), np.flatnonzero(~self.train)])

    def clear(self) -> None:
        """Remove every point (the split generator keeps its state)."""
        self.xy, self.label, self.train = np.empty((0, 2)), np.empty(0), np.empty(0, dtype=bool)

    def copy(self) -> "PointSet":
        """An independent copy, including the split generator's state."""
        rng = np.random.default_rng()
        rng.bit_generator.state = self.rng.bit_generator.state
        return PointSet(self.xy.copy(), self.label.copy(), self.train.copy(), self.train_ratio, rng)


# --- generators: (rng, n, noise fraction 0..0.5, config) -> (xy (n, 2), label (n,)) -----------

Generator = Callable[[np.random.Generator, int, float, Mapping[str, Any]], tuple[np.ndarray, np.ndarray]]


def _split_counts(n: int, k: int) -> list[int]:
    """n points over k classes, as evenly as possible."""
    return [n // k + (i < n % k) for i in range(k)]


def _circle(rng, n, noise, config):
    # Blue inside radius 2.5, orange in the ring 3.5..5; the label is read at a jittered position,
    # so noise flips points near the edge, as in the Playground.
    radius = 5.0
    n_in, n_out = _split_counts(n, 2)
    r = np.concatenate([rng.uniform(0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n_out)])
    angle = rng.uniform(0, 2 * np.pi, n)
    xy = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    jittered = xy + rng.uniform(-radius, radius, (n, 2)) * noise
    label = (np.hypot(jittered[:, 0], jittered[:, 1]) < radius * 0.5).astype(np.float64)
    return xy, label


def _xor(rng, n, noise, config):
    xy = rng.uniform(-5, 5, (n, 2))
    xy += np.where(xy > 0, 0.3, -0.3)  # a gap along the axes keeps the quadrants apart
    jittered = xy + rng.uniform(-5, 5, (n, 2)) * noise
    label = (jittered[:, 0] * jittered[:, 1] >= 0).astype(np.float64)
    return xy, label


def _cluster_std(noise: float) -> float:
    # The Playground's gauss: variance 0.5 at no noise, growing linearly to 4 at 50 %.
    return float(np.sqrt(0.5 + noise * 7.0))


def _clusters(rng, centers: np.ndarray, counts: list[int], std: float):
    xy = np.concatenate([rng.normal(c, std, (m, 2)) for c, m in zip(centers, counts)])
    label = np.repeat(np.arange(len(centers), dtype=np.float64), counts)
    return xy, label


def _gauss(rng, n, noise, config):
    centers = np.array([[-2.0, -2.0], [2.0, 2.0]])  # orange low-left, blue up-right
    return _clusters(rng, centers, _split_counts(n, 2), _cluster_std(noise))


def _blobs(rng, n, noise, config):
    k = int(config["n_classes"])
    angles = 2 * np.pi * np.arange(k) / k + np.pi / 4
    centers = 3.5 * np.column_stack([np.cos(angles), np.sin(angles)])
    return _clusters(rng, centers, _split_counts(n, k), _cluster_std(noise) * 0.75)


def _spiral(rng, n, noise, config):
    # K arms, each turning 1.75 times out to radius 5; arm k starts at angle pi + 2*pi*k/K, so for
    # two arms class 1 starts at angle 0 as the Playground's blue arm does.
    k = int(config["n_classes"])
    xs, labels = [], []
    for arm, m in enumerate(_split_counts(n, k)):
        t = np.arange(m) / m
        r = t * 5
        angle = 1.75 * t * 2 * np.pi + np.pi + 2 * np.pi * arm / k
        arm_xy = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
        xs.append(arm_xy + rng.uniform(-1, 1, (m, 2)) * noise)
        labels.append(np.full(m, float(arm)))
    return np.concatenate(xs), np.concatenate(labels)


def _moons(rng, n, noise, config):
    # Two interlocking half circles (unit radius), centred and scaled by 3 to fill the plane.
    n0, n1 = _split_counts(n, 2)
    t0, t1 = rng.uniform(0, np.pi, n0), rng.uniform(0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    xy = (np.concatenate([upper, lower]) - [0.5, 0.25]) * 3.0
    xy += rng.normal(0, 1, (n, 2)) * noise * 1.5
    label = np.repeat([0.0, 1.0], [n0, n1])
    return xy, label


BOUNDARY_FUNCS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sine": lambda x: 3.0 * np.sin(x * np.pi / 4),
    "cubic": lambda x: x ** 3 / 20 - x,
    "abs": lambda x: np.abs(x) - 2.5,
    "step": lambda x: np.where(x < 0, -2.0, 2.0),
}


def _boundary(rng, n, noise, config):
    f = BOUNDARY_FUNCS[config["boundary_fn"]]
    xy = rng.uniform(-5.5, 5.5, (n, 2))
    jittered = xy + rng.uniform(-5, 5, (n, 2)) * noise
    label = (jittered[:, 1] > f(jittered[:, 0])).astype(np.float64)  # 1 (blue) above the curve
    return xy, label


def _jittered_uniform(rng, n, noise):
    xy = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    return xy, xy + rng.uniform(-DOMAIN, DOMAIN, (n, 2)) * noise


def _plane(rng, n, noise, config):
    xy, at = _jittered_uniform(rng, n, noise)
    return xy, np.clip((at[:, 0] + at[:, 1]) / 10.0, -1.0, 1.0)


# Six bumps of height ±1 and radius 2, as in the Playground; the target is the one largest in size.
_GAUSSIANS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
                      dtype=np.float64)


def _gaussians(rng, n, noise, config):
    xy, at = _jittered_uniform(rng, n, noise)
    dist = np.hypot(at[:, None, 0] - _GAUSSIANS[:, 0], at[:, None, 1] - _GAUSSIANS[:, 1])
    bumps = _GAUSSIANS[:, 2] * np.clip(1.0 - dist / 2.0, 0.0, 1.0)  # (n, 6)
    strongest = np.argmax(np.abs(bumps), axis=1)
    return xy, bumps[np.arange(n), strongest]


GENERATORS: dict[str, Generator] = {
    "circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "moons": _moons,
    "blobs": _blobs, "boundary": _boundary, "plane": _plane, "gaussians": _gaussians,
}


def generate(config: Mapping[str, Any]) -> PointSet:
    """The points of config["dataset"], shuffled and split; `custom` gives an empty set.

    Uses dataset, n_samples, noise (percent), train_ratio (percent), seed, and n_classes /
    boundary_fn where they apply. Deterministic: the same config gives bit-identical arrays.
    Points are clipped to the plane [−6, 6]².
    """
    seed, ratio = int(config["seed"]), float(config["train_ratio"])
    points = PointSet.empty(ratio, seed)
    name = config["dataset"]
    if name == "custom":
        return points
    if name not in GENERATORS:
        raise ConfigError("dataset", f"{name!r} is not allowed; allowed: {', '.join([*GENERATORS, 'custom'])}")
    rng = np.random.default_rng([seed, _DATA_STREAM])
    n = int(config["n_samples"])
    xy, label = GENERATORS[name](rng, n, float(config["noise"]) / 100.0, config)
    order = rng.permutation(n)
    points.xy = np.clip(xy[order], -DOMAIN, DOMAIN)
    points.label = np.ascontiguousarray(label[order], dtype=np.float64)
    points.train = np.arange(n) < int(round(n * ratio / 100.0))
    return points

