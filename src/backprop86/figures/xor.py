"""XOR (PDP Figs 3-5): the output over the unit square of solved and stuck networks."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt

from . import theme

TASK = "xor"
ROLES = ("median", "stuck")
ROLE_TITLE = {"median": "median run", "stuck": "first stuck run"}
LEVELS = np.linspace(0.0, 1.0, 11)


def decision_surfaces(variants: pd.DataFrame, runs: pd.DataFrame, examples: pd.DataFrame,
                      surfaces: pd.DataFrame, activity: pd.DataFrame) -> plt.Figure:
    """A panel per XOR variant (rows) and example (columns: the median run, the first
    stuck run): the output as a filled contour over the unit square, the 0.5 contour
    drawn, and the four training cases marked with their target.

    Parameters
    ----------
    variants, examples : figure-data ``variants`` and ``examples`` tables.
    runs : the runs table (how each example run ended: ``outcome``).
    surfaces : ``decision_surface`` (x1, x2, output by task, variant, role).
    activity : ``example_activity`` (the training cases and their targets).
    """
    theme.apply()
    shown = variants[variants["task"] == TASK]
    if shown.empty:
        raise ValueError("no XOR runs in the tables")
    fig, axes = plt.subplots(len(shown), len(ROLES), figsize=(4.0 * len(ROLES),
                                                              3.2 * len(shown)),
                             squeeze=False, constrained_layout=True)
    image = None
    for row, run in zip(axes, shown.itertuples(index=False)):
        for ax, role in zip(row, ROLES):
            ex = examples[(examples["task"] == TASK) & (examples["variant"] == run.variant)
                          & (examples["role"] == role)]
            ax.set_aspect("equal")
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.set_xlabel("input 1")
            ax.set_ylabel("input 2")
            if ex.empty:
                what = "converged" if role == "stuck" else "failed"
                ax.axis("off")
                ax.text(0.5, 0.5, f"{run.variant}: all {run.n_seeds} seeds {what},\n"
                        f"no {ROLE_TITLE[role]}", ha="center", va="center",
                        transform=ax.transAxes)
                continue
            seed = int(ex["seed"].iloc[0])
            one = runs[(runs["task"] == TASK) & (runs["variant"] == run.variant)
                       & (runs["seed"] == seed)]
            outcome = one["outcome"].iloc[0] if "outcome" in one and len(one) else role
            s = surfaces[(surfaces["task"] == TASK) & (surfaces["variant"] == run.variant)
                         & (surfaces["role"] == role)]
            grid = s.pivot(index="x2", columns="x1", values="output")
            image = ax.contourf(grid.columns, grid.index, grid.to_numpy(), levels=LEVELS,
                                cmap="RdBu_r", vmin=0, vmax=1)
            ax.contour(grid.columns, grid.index, grid.to_numpy(), levels=[0.5],
                       colors="black", linewidths=1.2)
            _cases(ax, activity, run.variant, role)
            ax.set_title(f"{run.variant}, {ROLE_TITLE[role]}: seed {seed}\n"
                         f"({outcome.lstrip(': ')}; {run.n_converged}/{run.n_seeds} seeds met "
                         f"{run.stop})", fontsize="small")
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.7, label="output (black line: 0.5)")
    fig.suptitle("XOR: output over the unit square (circles: target 0, squares: target 1)")
    return fig


def _cases(ax, activity: pd.DataFrame, variant: str, role: str) -> None:
    a = activity[(activity["task"] == TASK) & (activity["variant"] == variant)
                 & (activity["role"] == role)]
    inputs = a[a["group"] == "input"].pivot(index="case", columns="unit", values="value")
    target = a[a["group"] == "target"].set_index("case")["value"]
    output = a[a["group"] == "output"].set_index("case")["value"]
    # Inputs may be presented bipolar (-1/+1); the square shows them as 0/1.
    inputs = (inputs > 0).astype(float)
    for case in inputs.index:
        x, y = inputs.loc[case, 0], inputs.loc[case, 1]
        ax.plot(x, y, marker="s" if target[case] > 0.5 else "o", markersize=9,
                markerfacecolor="white", markeredgecolor="black", clip_on=False)
        ax.annotate(f"{output[case]:.2f}", (x, y), xytext=(0, -14 if y > 0.5 else 10),
                    textcoords="offset points", ha="center", fontsize="x-small",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.8})
