"""The one Hinton diagram of the project (Nature Fig. 4's drawing of weights).

Conventions, the same in every figure that shows weights or activities:

* rows are receiving units, first row at the top; columns are sending units, first at the
  left (the layout of the weight arrays, ``(n_target, n_source)``);
* each value is a square whose **area** is proportional to its magnitude, so the side
  grows as the square root; the largest magnitude (or ``max_value``) fills its cell;
* white squares are positive, black negative, on a grey ground (Nature Fig. 4 caption).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from .theme import GROUND, NEGATIVE, POSITIVE

# The largest square leaves a thin rim of ground so neighbouring cells stay apart.
FILL = 0.92


def hinton(ax: Axes, values: np.ndarray, max_value: float | None = None,
           row_labels: Sequence[str] | None = None,
           col_labels: Sequence[str] | None = None) -> dict[tuple[int, int], Rectangle]:
    """Draw ``values`` as a Hinton diagram on ``ax``.

    Parameters
    ----------
    ax : the axes; its limits, aspect and ticks are set here.
    values : (n_rows, n_cols); rows are receiving units. NaN cells are left empty.
    max_value : the magnitude that fills a cell; default the largest in ``values``. Pass
        the same value to several diagrams to make their areas comparable.
    row_labels, col_labels : tick labels for the receiving and the sending units.

    Returns
    -------
    dict of (row, column) to the square drawn there (absent for zero and NaN cells).
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    n_rows, n_cols = values.shape
    finite = np.abs(values[np.isfinite(values)])
    if max_value is None:
        max_value = float(finite.max()) if finite.size else 1.0
    if not max_value > 0:
        max_value = 1.0
    ax.set_facecolor(GROUND)
    squares = {}
    for (r, c), v in np.ndenumerate(values):
        if not np.isfinite(v) or v == 0:
            continue
        side = FILL * np.sqrt(min(abs(v) / max_value, 1.0))
        square = Rectangle((c - side / 2, r - side / 2), side, side, linewidth=0,
                           facecolor=POSITIVE if v > 0 else NEGATIVE)
        ax.add_patch(square)
        squares[r, c] = square
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_rows - 0.5, -0.5)  # first receiving unit at the top
    ax.set_aspect("equal")
    ax.set_xticks(range(n_cols), col_labels if col_labels is not None else [""] * n_cols)
    ax.set_yticks(range(n_rows), row_labels if row_labels is not None else [""] * n_rows)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return squares
