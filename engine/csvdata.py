"""CSV in and out: a student's own points as `x,y,label` rows.

Reading is strict and explains itself: every refusal is a ConfigError("csv", "line N: …",
code="bad_csv", line=N) that says which line (also as the `line` field) and what is wrong, so
the page can show it while the current data stay as they were (nothing is returned
half-parsed).

What a file may contain:
- an optional header (the first row, if its x or y cell is not a number), blank lines and
  lines starting with `#`; the separator is `;` if the first row has one, else `,`, else a tab
  (with `;`, a decimal comma such as `1,5` is read as 1.5, as spreadsheets in many locales write);
- rows of x, y, label, and optionally a fourth `split` column with `train` or `test` (what
  `to_csv` writes, so a download loads back with the same split);
- classification labels as whole numbers 0..4, as −1/+1 (the Playground's convention, read as
  0/1), or as class names, numbered in order of first appearance; at most 5 classes;
- regression targets as any finite real numbers.

Coordinates outside [−6, 6] are scaled about the origin by one factor for both axes, so the
shape of the data is kept; the factor is reported.

Formula injection: a cell that starts with `=`, `+`, `-` or `@` and is not a number would run
as a formula when the file is opened in a spreadsheet. Such cells are refused, not renamed:
silently keeping "=HYPERLINK(…)" as a class name would carry it into every later download and
onto the page. On the way out, `to_csv` prefixes any such text cell with `'` (OWASP's advice),
so a name that got in some other way cannot run either.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .config import ConfigError, check_value
from .datasets import DOMAIN, PointSet
from .float_range import ALLOWED, in_float32_range

MAX_CLASSES = 5
MAX_NAME_LENGTH = 40
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ParsedCSV:
    """The result of `parse_csv`.

    points: (m, 3) float64 of x, y, label (class index or target), already rescaled.
    class_names: the label names in class order if labels were names, else None.
    n_classes: classes found (at least 2) for classification, 1 for regression.
    scale: the factor applied to both coordinates (1.0 if none was needed).
    split: (m,) bool train flags if the file had a split column, else None.
    messages: what was done that the user should know (rescaling, header, label mapping).
    """

    points: np.ndarray
    class_names: list[str] | None
    n_classes: int
    scale: float = 1.0
    split: np.ndarray | None = None
    messages: list[str] = field(default_factory=list)


def _fail(line: int | None, message: str, allowed: str | None = None) -> ConfigError:
    return ConfigError("csv", f"line {line}: {message}" if line is not None else message, code="bad_csv",
                       line=line, allowed=allowed)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _looks_like_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_START) and not _is_number(cell)


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise _fail(None, "this looks like a binary file (it contains NUL bytes); expected a text CSV "
                          "of x,y,label rows")
    try:
        return data.decode("utf-8-sig")  # tolerate the BOM that spreadsheets put first
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise _fail(line, f"not UTF-8 text (byte 0x{data[e.start]:02x}); save the file as UTF-8 CSV") from None


def _separator(text: str) -> str:
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            # `;` first: files that use it often write decimal commas ("1,5;2;0").
            return ";" if ";" in line else "," if "," in line else "\t" if "\t" in line else ","
    return ","


def _dot(cell: str, decimal_comma: bool) -> str:
    """The cell with a decimal comma turned into a point, when the file uses them."""
    return cell.replace(",", ".") if decimal_comma and "." not in cell else cell


def _number(cell: str, line: int, what: str, decimal_comma: bool) -> float:
    text = _dot(cell.strip(), decimal_comma)
    if _looks_like_formula(text):
        raise _fail(line, f"{what} {cell!r} looks like a spreadsheet formula; remove it")
    try:
        value = float(text)
    except ValueError:
        raise _fail(line, f"{what} {cell!r} is not a number") from None
    if not math.isfinite(value):
        raise _fail(line, f"{what} is {text!r}; values must be finite numbers")
    return value


def _target(cell: str, line: int, decimal_comma: bool) -> float:
    """A regression target: a number float32 can hold (the engine evaluates in float32)."""
    value = _number(cell, line, "target", decimal_comma)
    if not in_float32_range(value):
        raise _fail(line, f"target {cell.strip()} is out of range; allowed: {ALLOWED}")
    return value


def _check_name(name: str, line: int) -> None:
    if _looks_like_formula(name):
        raise _fail(line, f"label {name!r} looks like a spreadsheet formula; use a plain class name")
    if not name:
        raise _fail(line, "the label is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise _fail(line, f"label name is {len(name)} characters long; allowed: at most {MAX_NAME_LENGTH}",
                    f"1..{MAX_NAME_LENGTH} characters")
    if not name.isprintable():
        raise _fail(line, f"label {name!r} contains control characters")


def _rows(text: str, sep: str):
    """(physical line number, stripped cells) of every row that is not blank or a comment."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        for cells in reader:
            cells = [c.strip() for c in cells]
            if not any(cells) or cells[0].startswith("#"):
                continue
            yield reader.line_num, cells
    except csv.Error as e:
        raise _fail(reader.line_num, f"cannot read this row ({e})") from None


def parse_csv(data: bytes, *, problem: str, n_classes: int | None = None,
              max_bytes: int = 1_000_000, max_points: int = 5000) -> ParsedCSV:
    """Parse an uploaded CSV of x,y,label rows; see the module docstring for what is accepted.

    `problem` is "classification" or "regression". With `n_classes`, classification labels must
    fit that many classes; without, up to 5 are accepted. Raises ConfigError("csv", …) naming
    the line and the problem; nothing is partially returned.
    """
    problem = check_value("problem", problem)  # the schema's choices, and its error
    if not isinstance(data, (bytes, bytearray)):
        raise _fail(None, "expected the file's bytes")
    if len(data) > max_bytes:
        raise _fail(None, f"the file is too large: {len(data):,} bytes; allowed: at most {max_bytes:,} bytes",
                    f"0..{max_bytes} bytes")
    text = _decode(bytes(data))
    if not text.strip():
        raise _fail(None, "the file is empty; expected rows of x,y,label")
    sep = _separator(text)
    decimal_comma = sep == ";"

    xs: list[float] = []
    labels: list[str] = []
    lines: list[int] = []
    split: list[bool] = []
    messages: list[str] = []
    width = None  # columns per data row, fixed by the first one
    for line, cells in _rows(text, sep):
        if width is None and not messages and not any(
                _is_number(_dot(c, decimal_comma)) for c in cells[:2]):
            for cell in cells:
                if _looks_like_formula(cell):
                    raise _fail(line, f"header cell {cell!r} looks like a spreadsheet formula; remove it")
            messages.append(f"line {line} read as a header: {sep.join(cells)}")
            continue
        if len(cells) not in (3, 4):
            raise _fail(line, f"expected 3 columns (x, y, label) or 4 (x, y, label, split), found {len(cells)}")
        if width is not None and len(cells) != width:
            raise _fail(line, f"expected {width} columns like the rows above, found {len(cells)}")
        width = len(cells)
        if len(lines) >= max_points:
            raise _fail(line, f"too many points: more than {max_points:,}; allowed: at most {max_points:,} points",
                        f"0..{max_points} points")
        xs.append(_number(cells[0], line, "x", decimal_comma))
        xs.append(_number(cells[1], line, "y", decimal_comma))
        labels.append(cells[2])
        lines.append(line)
        if len(cells) == 4:
            flag = cells[3].lower()
            if flag not in ("train", "test"):
                raise _fail(line, f"split {cells[3]!r} is not allowed; allowed: train, test", "train, test")
            split.append(flag == "train")
    if not lines:
        raise _fail(None, "the file has no data rows; expected rows of x,y,label")

    if problem == "regression":
        values = [_target(v, ln, decimal_comma) for v, ln in zip(labels, lines)]
        names, k = None, 1
    else:
        values, names, k = _classes(labels, lines, n_classes, messages, decimal_comma)

    points = np.column_stack([np.array(xs).reshape(-1, 2), np.array(values, dtype=np.float64)])
    scale = 1.0
    biggest = float(np.abs(points[:, :2]).max())
    if biggest > DOMAIN:
        scale = DOMAIN / biggest
        points[:, :2] = np.clip(points[:, :2] * scale, -DOMAIN, DOMAIN)
        messages.append(f"coordinates scaled by {scale:.4g} to fit the plane [-6, 6]")
    return ParsedCSV(points, names, k, scale, np.array(split, dtype=bool) if split else None, messages)


def _classes(labels: list[str], lines: list[int], n_classes: int | None, messages: list[str],
             decimal_comma: bool) -> tuple[list[float], list[str] | None, int]:
    """Class indices for the label cells: numbers 0..K−1 (or −1/+1), or names."""
    limit = MAX_CLASSES if n_classes is None else n_classes
    numeric = all(_is_number(_dot(v, decimal_comma)) for v in labels)
    if not numeric:
        order: dict[str, int] = {}
        for name, line in zip(labels, lines):
            _check_name(name, line)
            if name not in order:
                order[name] = len(order)
                if len(order) > limit:
                    raise _fail(line, f"too many classes: {', '.join(order)}; allowed: at most {limit}", f"1..{limit} classes")
        messages.append("classes: " + ", ".join(f"{i} = {n}" for n, i in order.items()))
        return [float(order[n]) for n in labels], list(order), max(len(order), 2)
    values = [_number(v, ln, "label", decimal_comma) for v, ln in zip(labels, lines)]
    if set(values) <= {-1.0, 1.0} and -1.0 in values:
        messages.append("labels -1/+1 read as classes 0/1")
        return [(v + 1) / 2 for v in values], None, 2
    for v, line in zip(values, lines):
        if v != int(v) or not 0 <= v < limit:
            allowed = f"whole numbers 0..{limit - 1}, -1/+1, or class names"
            raise _fail(line, f"label {v:g} is not a class; allowed: {allowed}", allowed)
    return values, None, max(int(max(values)) + 1, 2)


def _safe_cell(text: str) -> str:
    """A text cell that no spreadsheet will run as a formula."""
    return "'" + text if _looks_like_formula(text) else text


def to_csv(points: PointSet, problem: str, class_names: Sequence[str] | None = None) -> str:
    """The points as CSV text with the header x,y,label,split (split is train or test).

    Numbers are written in Python's shortest round-trip form, so `parse_csv` reads back the
    same values; class labels are indices, or names when `class_names` are given.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["x", "y", "label", "split"])
    for (x, y), label, train in zip(points.xy.tolist(), points.label.tolist(), points.train.tolist()):
        if problem == "regression":
            cell = repr(label)
        elif class_names is not None and int(label) < len(class_names):
            cell = _safe_cell(str(class_names[int(label)]))
        else:
            cell = str(int(label))
        writer.writerow([repr(x), repr(y), cell, "train" if train else "test"])
    return out.getvalue()
