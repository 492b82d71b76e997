"""Data sets, the point set and input features (engine/datasets.py, engine/features.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from engine.config import CLASSIFICATION_DATASETS, ConfigError, FEATURES, validate_config
from engine.datasets import DOMAIN, PointSet, generate, grid_points, n_classes
from engine.features import FEATURE_FUNCS, transform

CLASSIFIERS = [d for d in CLASSIFICATION_DATASETS if d != "custom"]
REGRESSORS = ["plane", "gaussians"]


def config(**overrides):
    base = {"seed": 7}
    if overrides.get("dataset") in REGRESSORS:
        base["problem"] = "regression"
    return validate_config({**base, **overrides})


# --- grid ---------------------------------------------------------------------------------------

def test_grid_is_row_major_with_north_up():
    g = grid_points(3)
    assert g.shape == (9, 2) and g.dtype == np.float64
    assert g[0].tolist() == [-6.0, 6.0]      # top-left
    assert g[2].tolist() == [6.0, 6.0]       # top-right
    assert g[8].tolist() == [6.0, -6.0]      # bottom-right
    image = g[:, 1].reshape(3, 3)
    assert (image[0] > image[-1]).all()      # row 0 is the north


def test_grid_is_cached_and_read_only():
    assert grid_points(50) is grid_points(50)
    with pytest.raises(ValueError):
        grid_points(50)[0, 0] = 1.0
    with pytest.raises(ValueError):
        grid_points(1)


# --- generate -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CLASSIFIERS + REGRESSORS)
def test_generate_is_deterministic_and_well_formed(name):
    cfg = config(dataset=name, n_samples=301, noise=20, train_ratio=30, n_classes=3)
    a, b = generate(cfg), generate(cfg)
    assert a.xy.tobytes() == b.xy.tobytes()
    assert a.label.tobytes() == b.label.tobytes()
    assert a.train.tobytes() == b.train.tobytes()
    assert a.xy.shape == (301, 2) and a.label.shape == (301,) and a.train.shape == (301,)
    assert a.xy.dtype == a.label.dtype == np.float64 and a.train.dtype == bool
    assert np.isfinite(a.xy).all() and (np.abs(a.xy) <= DOMAIN).all()
    assert a.train.sum() == round(301 * 0.3)
    other = generate({**cfg, "seed": 8})
    assert other.xy.tobytes() != a.xy.tobytes()


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classification_labels_are_class_indices(name):
    cfg = config(dataset=name, n_classes=4)
    k = n_classes(cfg)
    assert k == (4 if name in ("blobs", "spiral") else 2)
    labels = generate(cfg).label
    assert set(np.unique(labels).tolist()) == set(range(k))


@pytest.mark.parametrize("name", REGRESSORS)
def test_regression_targets_lie_in_unit_range(name):
    cfg = config(dataset=name, noise=50)
    assert n_classes(cfg) == 1
    labels = generate(cfg).label
    assert labels.min() >= -1 and labels.max() <= 1
    assert labels.std() > 0.1


@pytest.mark.parametrize("k", [2, 3, 4, 5])
@pytest.mark.parametrize("name", ["blobs", "spiral"])
def test_multiclass_sets_are_balanced(name, k):
    counts = np.bincount(generate(config(dataset=name, n_classes=k, n_samples=500)).label.astype(int))
    assert counts.tolist() == [500 // k + (i < 500 % k) for i in range(k)]


def test_split_ratio_follows_train_ratio():
    for ratio in (10, 50, 90):
        pts = generate(config(dataset="circle", n_samples=1000, train_ratio=ratio))
        assert pts.train.sum() == ratio * 10


def test_custom_is_empty_with_the_configured_ratio():
    pts = generate(config(dataset="custom", train_ratio=80))
    assert len(pts) == 0 and pts.train_ratio == 80


def test_noiseless_circle_is_separable_by_radius():
    pts = generate(config(dataset="circle"))
    r = np.hypot(pts.xy[:, 0], pts.xy[:, 1])
    assert (r[pts.label == 1] <= 2.5).all() and (r[pts.label == 0] >= 3.5).all()


def test_noiseless_xor_labels_follow_the_quadrant_sign():
    pts = generate(config(dataset="xor"))
    assert ((pts.xy[:, 0] * pts.xy[:, 1] >= 0) == (pts.label == 1)).all()


@pytest.mark.parametrize("fn", ["sine", "cubic", "abs", "step"])
def test_boundary_labels_one_above_the_curve(fn):
    from engine.datasets import BOUNDARY_FUNCS
    pts = generate(config(dataset="boundary", boundary_fn=fn))
    above = pts.xy[:, 1] > BOUNDARY_FUNCS[fn](pts.xy[:, 0])
    assert (above == (pts.label == 1)).all()
    assert 0.2 < pts.label.mean() < 0.8


def test_boundary_functions_differ():
    a = generate(config(dataset="boundary", boundary_fn="sine")).label
    b = generate(config(dataset="boundary", boundary_fn="step")).label
    assert (a != b).any()


def test_noise_flips_labels_that_were_clean():
    """With noise the label is read at a jittered position: some points land on the wrong side."""
    clean = generate(config(dataset="xor", noise=0))
    noisy = generate(config(dataset="xor", noise=50))
    wrong = lambda p: np.mean((p.xy[:, 0] * p.xy[:, 1] >= 0) != (p.label == 1))
    assert wrong(clean) == 0 and wrong(noisy) > 0.1


def test_spiral_noise_jitters_each_point_by_at_most_half_a_unit():
    clean = generate(config(dataset="spiral", noise=0, n_classes=3))
    noisy = generate(config(dataset="spiral", noise=50, n_classes=3))  # same seed: same arms, same order
    shift = np.abs(noisy.xy - clean.xy)
    assert shift.max() <= 0.5 + 1e-12 and shift.mean() > 0.1
    assert (noisy.label == clean.label).all()


@pytest.mark.parametrize("name", ["gauss", "blobs", "moons"])
def test_noise_spreads_clusters(name):
    def spread(noise):
        p = generate(config(dataset=name, noise=noise, n_classes=3))
        cls = p.label == 0
        return p.xy[cls].std(axis=0).sum()
    assert spread(50) > spread(0) * 1.1


# --- PointSet ---------------------------------------------------------------------------------------

def test_add_validates_points():
    pts = PointSet.empty(50, seed=1)
    for bad, needle in [([[7, 0, 0]], "outside"), ([[0, float("nan"), 0]], "finite"),
                        ([[0, 0]], "triples"), ("abc", "triples"), ([[0, 0, 2]], "0..1"),
                        ([[0, 0, 0.5]], "0..1")]:
        with pytest.raises(ConfigError) as e:
            pts.add(bad, n_classes=2)
        assert e.value.key == "points" and needle in str(e.value)
    assert len(pts) == 0
    assert pts.add([[0, 0, 0.37]]) == 1  # regression: any finite target


def test_add_respects_max_points():
    pts = PointSet.empty(50, seed=1)
    pts.add([[0, 0, 0]] * 3, max_points=4)
    with pytest.raises(ConfigError, match="limit of 4"):
        pts.add([[1, 1, 1]] * 2, max_points=4)
    assert len(pts) == 3


def test_remove_nearest_within_radius():
    pts = PointSet.empty(50, seed=1)
    pts.add([[0, 0, 0], [0.3, 0, 1], [3, 3, 1]], n_classes=2)
    assert pts.remove([[0.25, 0]]) == 1
    assert pts.xy.tolist() == [[0, 0], [3, 3]]
    assert pts.remove([[5, -5]]) == 0
    assert pts.remove([[0, 0], [0, 0]]) == 1  # second click finds nothing within 0.5
    assert pts.remove([[3.4, 3]], radius=0.5) == 1 and len(pts) == 0
    with pytest.raises(ConfigError):
        pts.remove([[float("inf"), 0]])


def test_clear_and_copy_are_independent():
    pts = PointSet.empty(50, seed=1)
    pts.add([[1, 1, 1], [2, 2, 0]], n_classes=2)
    twin = pts.copy()
    pts.clear()
    assert len(pts) == 0 and len(twin) == 2
    a, b = twin.copy(), twin.copy()
    a.add([[0, 0, 0]] * 20)
    b.add([[0, 0, 0]] * 20)
    assert a.train.tolist() == b.train.tolist()  # the split generator's state is copied too


# Distinct points on a 0.1 grid, so each can be followed by its coordinates.
cell = st.tuples(st.integers(-60, 60), st.integers(-60, 60))
edit = st.one_of(st.tuples(st.just("add"), st.lists(cell, max_size=8)),
                 st.tuples(st.just("remove"), st.lists(cell, max_size=3)))


@settings(max_examples=80, deadline=None)
@given(edits=st.lists(edit, max_size=12), ratio=st.floats(10, 90), seed=st.integers(0, 2**31 - 1))
@pytest.mark.slow
def test_split_is_stable_while_adding_and_removing(edits, ratio, seed):
    """A point's train/test flag is drawn once, when it is added, and never changes after."""
    pts = PointSet.empty(ratio, seed)
    flag_of: dict[tuple[float, float], bool] = {}
    for op, cells in edits:
        xy = [(i / 10, j / 10) for i, j in dict.fromkeys(cells) if (i / 10, j / 10) not in flag_of or op == "remove"]
        if op == "add":
            pts.add([[x, y, (x > 0) * 1.0] for x, y in xy], n_classes=2)
            for (x, y), t in zip(pts.xy[-len(xy):].tolist() if xy else [], pts.train[-len(xy):].tolist()):
                flag_of[(x, y)] = t
        else:
            pts.remove(xy, radius=1e-9)  # exact hits only: the followed point itself
            for p in xy:
                flag_of.pop(p, None)
        assert len(pts) == len(flag_of)
        assert {(x, y): t for (x, y), t in zip(pts.xy.tolist(), pts.train.tolist())} == flag_of
        assert pts.xy.shape == (len(pts), 2) and pts.label.shape == pts.train.shape == (len(pts),)


def test_added_points_follow_the_train_ratio():
    pts = PointSet.empty(80, seed=3)
    pts.add(np.zeros((4000, 3)))
    assert 0.77 < pts.train.mean() < 0.83


# --- features ------------------------------------------------------------------------------------

def test_feature_table_covers_the_schema():
    assert set(FEATURE_FUNCS) == set(FEATURES)


def test_transform_values():
    xy = np.array([[1.0, 2.0], [-0.5, 3.0]])
    got = transform(xy, list(FEATURES))
    x1, x2 = xy[:, 0], xy[:, 1]
    want = np.column_stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2), np.cos(x1), np.cos(x2)])
    np.testing.assert_allclose(got, want, rtol=0, atol=0)


def test_transform_writes_into_out_in_any_order():
    xy = grid_points(20)
    out = np.full((400, 3), np.nan)
    res = transform(xy, ["x1x2", "cos_x2", "x1"], out=out)
    assert res is out
    np.testing.assert_array_equal(out[:, 0], xy[:, 0] * xy[:, 1])
    np.testing.assert_array_equal(out[:, 2], xy[:, 0])
    out32 = np.empty((400, 3), dtype=np.float32)
    transform(xy, ["x1x2", "cos_x2", "x1"], out=out32)
    np.testing.assert_allclose(out32, out, rtol=1e-6)


def test_transform_rejects_unknown_feature_and_bad_out():
    with pytest.raises(ConfigError) as e:
        transform(np.zeros((2, 2)), ["x3"])
    assert e.value.key == "features"
    with pytest.raises(ValueError):
        transform(np.zeros((2, 2)), ["x1"], out=np.empty((3, 1)))
