"""CSV upload and download (engine/csvdata.py): good files, every kind of bad file, round trips."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from engine.config import ConfigError, validate_config
from engine.csvdata import parse_csv, to_csv
from engine.datasets import PointSet, generate


def parse(text: str | bytes, problem: str = "classification", **kw):
    data = text.encode() if isinstance(text, str) else text
    return parse_csv(data, problem=problem, **kw)


def refused(text: str | bytes, *needles: str, problem: str = "classification", **kw) -> str:
    with pytest.raises(ConfigError) as e:
        parse(text, problem, **kw)
    assert e.value.key == "csv"
    for needle in needles:
        assert needle in e.value.message, e.value.message
    return e.value.message


# --- good files ------------------------------------------------------------------------------------

def test_numbers_without_header():
    r = parse("1,2,0\n-3.5,4e0,1\n")
    assert r.points.tolist() == [[1, 2, 0], [-3.5, 4, 1]]
    assert r.class_names is None and r.n_classes == 2 and r.scale == 1.0 and r.split is None
    assert r.messages == []


def test_header_is_recognised_and_reported():
    r = parse("x,y,label\n1,2,1\n")
    assert r.points.tolist() == [[1, 2, 1]]
    assert "header" in r.messages[0]


def test_class_names_numbered_in_order_of_first_appearance():
    r = parse("x,y,species\n0,0,setosa\n1,1,virginica\n2,2,setosa\n3,3,versicolor\n")
    assert r.class_names == ["setosa", "virginica", "versicolor"]
    assert r.points[:, 2].tolist() == [0, 1, 0, 2]
    assert r.n_classes == 3


def test_playground_minus_one_plus_one_labels_become_zero_one():
    r = parse("0,0,-1\n1,1,1\n")
    assert r.points[:, 2].tolist() == [0, 1] and r.n_classes == 2


def test_multiclass_numbers_and_the_class_count():
    assert parse("0,0,0\n1,1,4\n").n_classes == 5


def test_regression_targets_are_real_numbers():
    r = parse("x,y,value\n1,1,0.25\n2,2,-3.5\n", problem="regression")
    assert r.points[:, 2].tolist() == [0.25, -3.5] and r.n_classes == 1 and r.class_names is None


def test_rescale_uses_one_factor_about_the_origin():
    r = parse("12,0,0\n-3,6,1\n0,-24,1\n")
    assert r.scale == pytest.approx(0.25)
    np.testing.assert_allclose(r.points[:, :2], [[3, 0], [-0.75, 1.5], [0, -6]])
    assert any("0.25" in m for m in r.messages)
    assert np.abs(r.points[:, :2]).max() <= 6


def test_separators_blank_lines_comments_bom_crlf_and_quotes():
    assert parse("\ufeffx;y;label\r\n1,5;-2;a\r\n\r\n# a comment\r\n3;4;b\r\n").points.tolist() == \
        [[1.5, -2, 0], [3, 4, 1]]
    assert parse("1\t2\t0\n").points.tolist() == [[1, 2, 0]]
    assert parse('1,2,"big, round"\n').class_names == ["big, round"]


def test_split_column_is_read():
    r = parse("x,y,label,split\n0,0,0,train\n1,1,1,TEST\n")
    assert r.split.tolist() == [True, False]


def test_negative_numbers_are_not_formulas():
    assert parse("-1,+2,-1\n").points.tolist() == [[-1, 2, 0]]


def test_n_classes_limits_the_labels():
    assert parse("0,0,0\n1,1,2\n", n_classes=3).n_classes == 3
    refused("0,0,0\n1,1,2\n", "line 2", "0..1", n_classes=2)
    refused("0,0,a\n1,1,b\n2,2,c\n", "line 3", "at most 2", n_classes=2)


# --- bad files ---------------------------------------------------------------------------------------

def test_empty_files():
    refused(b"", "empty")
    refused(b"  \n\n", "empty")
    refused(b"x,y,label\n", "no data rows")


def test_too_large_file():
    msg = refused(b"1,1,0\n" * 200_000, "too large", "1,000,000")
    assert "1,200,000" in msg
    refused(b"1,1,0\n" * 3, "too large", max_bytes=10)


def test_too_many_points():
    refused("1,1,0\n" * 5001, "line 5001", "at most 5,000 points")
    assert len(parse("1,1,0\n" * 5000).points) == 5000
    refused("1,1,0\n" * 11, "at most 10", max_points=10)


def test_binary_file():
    refused(bytes(range(256)) * 4, "binary")


def test_non_utf8_names_the_line():
    refused("1,1,a\n2,2,b\n3,3,caf\u00e9\n".encode("latin-1"), "line 3", "UTF-8")


def test_wrong_column_count():
    refused("1,2,0\n3,4\n", "line 2", "found 2")
    refused("1,2,0,train,extra\n", "line 1", "found 5")
    refused("1,2,0\n3,4,1,train\n", "line 2", "expected 3 columns like the rows above")


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-Infinity"])
def test_non_finite_values(cell):
    refused(f"0,0,0\n1,{cell},1\n", "line 2", "finite")
    refused(f"0,0,{cell}\n", "line 1", "finite", problem="regression")


def test_non_numeric_coordinates_and_targets():
    refused("x,y,label\n1,2,0\n1,two,1\n", "line 3", "y 'two' is not a number")
    refused("1,2,big\n", "line 1", "target 'big' is not a number", problem="regression")


def test_labels_that_are_not_classes():
    refused("0,0,0\n1,1,1.5\n", "line 2", "1.5 is not a class")
    refused("0,0,7\n", "line 1", "0..4")


def test_too_many_classes():
    refused("".join(f"{i},0,c{i}\n" for i in range(6)), "line 6", "too many classes", "at most 5")


@pytest.mark.parametrize("cell", ["=1+2", "=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"])
def test_formula_injection_cells_are_refused(cell):
    refused(f"0,0,a\n1,1,{cell}\n", "line 2", "formula")
    refused(f"0,0,0\n{cell},1,1\n", "line 2", "formula")


def test_formula_in_header_is_refused():
    refused("=x,y,label\n1,1,0\n", "line 1", "formula")


def test_bad_split_and_bad_names():
    refused("0,0,0,maybe\n", "line 1", "train, test")
    refused("0,0," + "n" * 41 + "\n", "line 1", "at most 40")
    refused("0,0,a\n1,1,\n", "line 2", "empty")


def test_unknown_problem():
    with pytest.raises(ConfigError) as e:
        parse_csv(b"1,1,0\n", problem="clustering")
    assert e.value.key == "problem"


# --- download ----------------------------------------------------------------------------------------

def test_to_csv_header_and_split_and_round_trip():
    pts = generate(validate_config({"dataset": "spiral", "n_classes": 3, "seed": 4, "n_samples": 60}))
    text = to_csv(pts, "classification")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["x", "y", "label", "split"] and len(rows) == 61
    assert {r[3] for r in rows[1:]} == {"train", "test"}
    back = parse(text)
    np.testing.assert_array_equal(back.points, np.column_stack([pts.xy, pts.label]))
    np.testing.assert_array_equal(back.split, pts.train)


def test_to_csv_with_class_names_guards_formulas():
    pts = PointSet.empty(50, seed=0)
    pts.add([[0, 0, 0], [1, 1, 1]], n_classes=2)
    text = to_csv(pts, "classification", class_names=["cat", "=evil()"])
    assert "'=evil()" in text and ",=evil" not in text


points_strategy = st.lists(st.tuples(st.floats(-6, 6), st.floats(-6, 6), st.floats(-1e6, 1e6)), min_size=1,
                           max_size=40)


@settings(max_examples=50, deadline=None)
@given(points=points_strategy, seed=st.integers(0, 1000))
def test_regression_round_trip_is_exact(points, seed):
    pts = PointSet.empty(50, seed)
    pts.add(points)
    back = parse(to_csv(pts, "regression"), problem="regression")
    np.testing.assert_array_equal(back.points, np.column_stack([pts.xy, pts.label]))
    np.testing.assert_array_equal(back.split, pts.train)
    assert back.scale == 1.0


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(st.binary(max_size=300),
                      st.text(alphabet=st.sampled_from(list("0123456789.,;\t\n\r-+=@e xyabc\"'#nainf")),
                              max_size=200).map(str.encode)),
       problem=st.sampled_from(["classification", "regression"]))
@pytest.mark.slow
def test_any_bytes_give_points_or_a_csv_error(data, problem):
    """Whatever is uploaded, the parser answers with checked points or a ConfigError, never a crash."""
    try:
        r = parse_csv(data, problem=problem)
    except ConfigError as e:
        assert e.key == "csv" and e.message
        return
    assert r.points.ndim == 2 and r.points.shape[1] == 3 and len(r.points) > 0
    assert np.isfinite(r.points).all() and np.abs(r.points[:, :2]).max() <= 6
    if problem == "classification":
        labels = r.points[:, 2]
        assert (labels == np.round(labels)).all() and labels.min() >= 0 and labels.max() < r.n_classes <= 5
