"""The training export as a Jupyter notebook (nbformat 4): engine.export_training's NumPy script
in cells, a cell that trains, and one that plots the decision boundary."""

from __future__ import annotations

import json
from typing import Any

from .export_training import Start, numpy_sections

PLOT_CELL = '''# The decision boundary (the output for regression) over the plane, with the points.
grid = np.linspace(-6, 6, 121)
gx, gy = np.meshgrid(grid, grid)
values = to_class(predict(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
try:
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot (pip install matplotlib to see the boundary)")
else:
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contourf(gx, gy, values, levels=20 if values.dtype.kind == "f" else None, cmap="coolwarm", alpha=0.5)
    for xy, labels, marker in ((TRAIN_XY, TRAIN_LABELS, "o"), (TEST_XY, TEST_LABELS, "x")):
        ax.scatter(xy[:, 0], xy[:, 1], c=labels, cmap="coolwarm", marker=marker, s=12)
    ax.set_xlim(-6, 6)
    ax.set_ylim(-6, 6)
    plt.show()
'''


def notebook(trainer: Any, *, start: Start = "initial", epochs: int | None = None) -> str:
    """A Jupyter notebook (nbformat 4, as JSON text): the NumPy training script in cells, a cell
    that trains, and one that plots the decision boundary (text only without matplotlib)."""
    cells: list[dict[str, Any]] = []

    def cell(kind: str, text: str) -> None:
        extra = {"execution_count": None, "outputs": []} if kind == "code" else {}
        cells.append({"cell_type": kind, "metadata": {}, "source": text.rstrip("\n").splitlines(keepends=True), **extra})

    cell("markdown", "# NN Playground: the run, retrained\n\nThe data, network and settings of a NN Playground run; "
                     "running the cells in order trains it as the playground does and prints the loss per epoch.")
    for title, code in numpy_sections(trainer, start, epochs):
        cell("markdown", f"## {title}")
        cell("code", code)
    cell("markdown", "## Train")
    cell("code", "history = train(EPOCHS)")
    cell("markdown", "## The decision boundary")
    cell("code", PLOT_CELL)
    book = {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"}}}
    for i, c in enumerate(cells):
        c["id"] = f"cell-{i}"
    return json.dumps(book, indent=1)
