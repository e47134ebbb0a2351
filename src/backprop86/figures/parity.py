"""Parity (PDP Table 3, Fig. 6): each hidden unit's activity against the number of inputs
on, for every N, in the median run."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt

from . import theme

TASK = "parity"
# Units are drawn side by side within a count, so that cases of different units at the
# same activity do not hide each other.
SPREAD = 0.5


def hidden_by_count(variants: pd.DataFrame, runs: pd.DataFrame, examples: pd.DataFrame,
                    activity: pd.DataFrame) -> plt.Figure:
    """A panel per parity variant (N inputs): every case's hidden activity (dots) and its
    mean per number of inputs on (lines), one colour per hidden unit.

    Parameters
    ----------
    variants, examples : figure-data ``variants`` and ``examples`` tables.
    runs : the runs table (``threshold_solution``: whether a net has the paper's solution).
    activity : ``example_activity`` (``inputs_on`` is the number of inputs on).
    """
    theme.apply()
    shown = variants[variants["task"] == TASK]
    if shown.empty:
        raise ValueError("no parity runs in the tables")
    cols = min(len(shown), 4)
    rows = int(np.ceil(len(shown) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.0 * rows), squeeze=False)
    for ax in axes.ravel()[len(shown):]:
        ax.set_visible(False)
    n_units = int(activity.loc[(activity["task"] == TASK) & (activity["group"] == "hidden"),
                               "unit"].max() + 1) if len(activity) else 1
    palette = theme.colors(max(n_units, 1))
    for ax, run in zip(axes.ravel(), shown.itertuples(index=False)):
        ex = examples[(examples["task"] == TASK) & (examples["variant"] == run.variant)
                      & (examples["role"] == "median")]
        ax.set_xlabel("inputs on")
        ax.set_ylabel("hidden activity")
        ax.set_ylim(-0.05, 1.05)
        if ex.empty:
            ax.set_title(f"N = {run.variant}")
            ax.text(0.5, 0.5, f"none of {run.n_seeds} seeds\nmet {run.stop}",
                    ha="center", va="center", transform=ax.transAxes)
            continue
        a = activity[(activity["task"] == TASK) & (activity["variant"] == run.variant)
                     & (activity["role"] == "median") & (activity["group"] == "hidden")]
        units = sorted(a["unit"].unique())
        offsets = np.linspace(-SPREAD / 2, SPREAD / 2, len(units)) if len(units) > 1 else [0]
        for unit, dx in zip(units, offsets):
            u = a[a["unit"] == unit]
            ax.plot(u["inputs_on"] + dx, u["value"], "o", color=palette[unit], markersize=2.5,
                    alpha=0.6)
            means = u.groupby("inputs_on")["value"].mean()
            ax.plot(means.index + dx, means.to_numpy(), "-", color=palette[unit],
                    linewidth=1.2, label=f"h{unit + 1}")
        counts = sorted(a["inputs_on"].unique())
        ax.set_xticks(counts)
        seed = int(ex["seed"].iloc[0])
        r = runs[(runs["task"] == TASK) & (runs["variant"] == run.variant)]
        solved = r["threshold_solution"].astype(bool)
        mine = "yes" if solved[r["seed"] == seed].any() else "no"
        ax.set_title(f"N = {run.variant}: seed {seed}, threshold solution: {mine}\n"
                     f"{run.n_converged}/{run.n_seeds} seeds met {run.stop},\n"
                     f"{int((solved & r['converged'].astype(bool)).sum())} of them with the "
                     "threshold solution", fontsize="small")
        ax.legend(fontsize="xx-small", ncol=2, loc="best")
    fig.suptitle("Parity: hidden units against the number of inputs on (median run per N; "
                 "dots: cases, lines: means)")
    fig.tight_layout()
    return fig
