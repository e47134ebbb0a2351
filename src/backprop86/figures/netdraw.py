"""A layered network drawn as in the papers' figures: units as circles with their bias
written inside, connections as lines with their weight written on them."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Circle

RADIUS = 0.32
LAYER_GAP = 2.4
# Where along a connection (0: sending unit, 1: receiving unit) its weight is written,
# by receiving unit: staggered so that labels of lines leaving one unit do not overlap.
LABEL_AT = (0.2, 0.42, 0.3, 0.5)
DECIMALS = 1  # the papers print weights to one decimal


def _x(n: int, width: float) -> np.ndarray:
    return np.linspace(0, width, n) if n > 1 else np.array([width / 2])


def draw_net(ax: Axes, weights: pd.DataFrame, layers: Sequence[str],
             unit_names: dict[str, Sequence[str]] | None = None,
             divider: int | None = None) -> None:
    """Draw a layered net from its weights in long form.

    Parameters
    ----------
    ax : the axes (its limits are set and its frame hidden).
    weights : one network's rows of ``example_weights`` or ``paper_weights`` (param,
        target, source, target_unit, source_unit, value); source ``bias`` for biases.
    layers : group names from bottom to top, e.g. ``("input", "hidden", "output")``.
    unit_names : optional labels per group, written beside (input: below) the units.
    divider : draw a dashed vertical line after this many units of the bottom layer (the
        midpoint of Nature Fig. 1).
    """
    sizes = {g: int(weights.loc[weights["target"] == g, "target_unit"].max() + 1)
             if (weights["target"] == g).any()
             else int(weights.loc[weights["source"] == g, "source_unit"].max() + 1)
             for g in layers}
    width = float(max(sizes.values()) - 1)
    pos = {g: {u: (x, i * LAYER_GAP) for u, x in enumerate(_x(sizes[g], width))}
           for i, g in enumerate(layers)}
    fmt = f"{{:.{DECIMALS}f}}"
    links = weights[weights["source"] != "bias"]
    for row in links.itertuples(index=False):
        (x0, y0), (x1, y1) = pos[row.source][row.source_unit], pos[row.target][row.target_unit]
        ax.plot([x0, x1], [y0, y1], color="0.45", linewidth=0.8, zorder=1)
        t = LABEL_AT[row.target_unit % len(LABEL_AT)] if sizes[row.target] > 1 else 0.5
        ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), fmt.format(row.value), ha="center",
                va="center", fontsize="x-small", zorder=3,
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white",
                      "edgecolor": "none", "alpha": 0.9})
    biases = weights[weights["source"] == "bias"].set_index(["target", "target_unit"])["value"]
    for g in layers:
        for u, (x, y) in pos[g].items():
            ax.add_patch(Circle((x, y), RADIUS, facecolor="white", edgecolor="black",
                                linewidth=1, zorder=2))
            if (g, u) in biases.index:
                ax.text(x, y, fmt.format(biases[g, u]), ha="center", va="center",
                        fontsize="x-small", zorder=4)
            if unit_names and g in unit_names:
                below = g == layers[0]
                ax.text(x, y + (-1 if below else 1) * (RADIUS + 0.12), unit_names[g][u],
                        ha="center", va="top" if below else "bottom", fontsize="x-small",
                        color="0.3")
    if divider is not None:
        xs = _x(sizes[layers[0]], width)
        mid = (xs[divider - 1] + xs[divider]) / 2
        ax.plot([mid, mid], [-0.6, 0.6], color="black", linestyle="--", linewidth=0.8)
    ax.set_xlim(-0.6, width + 0.6)
    ax.set_ylim(-0.9, (len(layers) - 1) * LAYER_GAP + 0.7)
    ax.set_aspect("equal")
    ax.axis("off")
