"""XOR without hidden units (PDP ch. 8, Tables 1-2): the final outputs of every seed on each
case, with the AND input and without it, and the weights the nets with it learned."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt

from . import theme

TASK = "xor_and"
# The score columns of each variant's cases (tasks/xor_and.py), by number of inputs.
CASES = {"3-1": ("000", "010", "100", "111"), "2-1": ("00", "01", "10", "11")}
TARGETS = (0, 1, 1, 0)
WEIGHTS = ("w_x1", "w_x2", "w_and", "bias")


def no_hidden(variants: pd.DataFrame, runs: pd.DataFrame) -> plt.Figure:
    """Left, one panel per variant: every seed's final output on each case (a dot per
    seed, jittered), the targets as bars. Right: the final weights of the 3-1 nets.

    Parameters
    ----------
    variants : figure-data ``variants`` table.
    runs : the runs table (``output_<case>``, ``w_*``, ``bias``, ``converged``).
    """
    theme.apply()
    rows = variants[variants["task"] == TASK]
    if rows.empty:
        raise ValueError("no xor_and runs in the tables")
    with_and = rows[rows["base_variant"] == "3-1"]
    n_panels = len(rows) + (1 if len(with_and) else 0)
    fig, axes = plt.subplots(1, n_panels, figsize=(3.1 * n_panels, 3.0), squeeze=False)
    rng = np.random.default_rng(0)  # the jitter only; the values are the runs table's
    met, missed = theme.colors(2)
    for ax, run in zip(axes[0], rows.itertuples(index=False)):
        r = runs[(runs["task"] == TASK) & (runs["variant"] == run.variant)]
        cases = CASES[run.base_variant]
        done = r["converged"].astype(bool).to_numpy()
        for i, case in enumerate(cases):
            y = r[f"output_{case}"].to_numpy(dtype=float)
            x = i + rng.uniform(-0.25, 0.25, len(y))
            ax.scatter(x[done], y[done], s=4, color=met, alpha=0.5, linewidths=0)
            ax.scatter(x[~done], y[~done], s=4, color=missed, alpha=0.5, linewidths=0)
            ax.plot([i - 0.35, i + 0.35], [TARGETS[i]] * 2, color="black", linewidth=1.2)
        ax.axhline(0.5, color="0.6", linewidth=0.8, linestyle=":")
        ax.set_xticks(range(len(cases)), cases)
        ax.set_ylim(-0.05, 1.05)
        ax.set_xlabel("input case")
        ax.set_ylabel("final output")
        ax.set_title(f"{run.variant}: {done.sum()} of {len(r)} met {run.stop}",
                     fontsize="small")
    if len(with_and):
        ax = axes[0][-1]
        run = with_and.iloc[0]
        r = runs[(runs["task"] == TASK) & (runs["variant"] == run["variant"])]
        values = [r[c].to_numpy(dtype=float) for c in WEIGHTS]
        ax.boxplot(values, showfliers=False)
        for i, v in enumerate(values):
            ax.scatter(i + 1 + rng.uniform(-0.2, 0.2, len(v)), v, s=3, color=met, alpha=0.3,
                       linewidths=0)
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.set_xticks(range(1, len(WEIGHTS) + 1), ["x1", "x2", "AND", "bias"])
        ax.set_ylabel("final weight")
        ax.set_title(f"{run['variant']}: weights into the output", fontsize="small")
    fig.suptitle("XOR without hidden units: with the AND input (PDP Table 2) and without")
    fig.tight_layout()
    return fig
