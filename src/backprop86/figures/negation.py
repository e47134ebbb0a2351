"""Negation (PDP Table 9, Fig. 12): the net built from Fig. 12 beside the median learned net,
both as Hinton diagrams with their direct connections, and how many learned nets solve it
as the caption's three exclusive-ors."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt

from . import theme
from .hinton import hinton
from .symmetry import full_matrix

TASK = "negation"
SENDERS = ["n", "x1", "x2", "x3", "h1", "h2", "h3", "bias"]
RECEIVERS = ["h1", "h2", "h3", "y1", "y2", "y3"]


def _diagram(ax, weights: pd.DataFrame, title: str) -> None:
    matrix, _, _ = full_matrix(weights)
    hinton(ax, matrix, row_labels=RECEIVERS, col_labels=SENDERS)
    ax.set_title(f"{title}\n(rows receive; largest |w| = {np.nanmax(np.abs(matrix)):.1f})",
                 fontsize="small")


def three_xors(variants: pd.DataFrame, examples: pd.DataFrame, weights: pd.DataFrame,
               paper: pd.DataFrame, runs: pd.DataFrame) -> plt.Figure:
    """The Fig. 12 net, the median learned net, and the share of learned nets by how many
    inputs their hidden units pair with the negation flag (Wilson intervals).

    Parameters
    ----------
    variants, examples : figure-data ``variants`` and ``examples`` tables.
    weights : ``example_weights`` (state ``final`` is drawn).
    paper : figure-data ``paper_weights`` (the net built from Fig. 12).
    runs : the runs table (``xor_pairs``, ``converged``).
    """
    theme.apply()
    rows = variants[variants["task"] == TASK]
    if rows.empty:
        raise ValueError("no negation runs in the tables")
    run = rows.iloc[0]
    printed = paper[(paper["task"] == TASK) & (paper["variant"] == run["variant"])]
    ex = examples[(examples["task"] == TASK) & (examples["variant"] == run["variant"])
                  & (examples["role"] == "median")]
    fig, axes = plt.subplots(1, 3, figsize=(12.5, 4.0), width_ratios=[1, 1, 0.9])
    if printed.empty:
        axes[0].axis("off")
    else:
        _diagram(axes[0], printed, f"{printed['figure'].iloc[0].split(' (')[0]}, built from "
                 "its caption")
    if ex.empty:
        axes[1].axis("off")
        axes[1].text(0.5, 0.5, f"none of {run['n_seeds']} seeds met {run['stop']}",
                     ha="center", va="center", transform=axes[1].transAxes)
    else:
        seed = int(ex["seed"].iloc[0])
        w = weights[(weights["task"] == TASK) & (weights["variant"] == run["variant"])
                    & (weights["role"] == "median") & (weights["state"] == "final")]
        _diagram(axes[1], w, f"median learned net: seed {seed}, {int(ex['value'].iloc[0])} "
                 f"sweeps to {run['stop']}")
    ax = axes[2]
    r = runs[(runs["task"] == TASK) & (runs["variant"] == run["variant"])]
    learned = r[r["converged"].astype(bool)]
    counts = learned["xor_pairs"].astype(int).value_counts()
    n = len(learned)
    x = np.arange(4)
    theme.share_bars(ax, x, counts, x, n, color=theme.colors(1)[0])
    ax.set_xticks(x, [str(k) for k in x])
    ax.set_xlabel("inputs paired with the flag by a hidden unit\n(3: Fig. 12's three "
                  "exclusive-ors)")
    ax.set_ylabel(f"share of the {n} learned nets")
    ax.set_ylim(0, 1)
    ax.set_title(f"{run['variant']}: {n} of {len(r)} seeds met {run['stop']}",
                 fontsize="small")
    fig.suptitle("Negation: the flag n complements x1-x3 (PDP Table 9); direct connections "
                 "as in Fig. 12")
    fig.tight_layout()
    return fig
