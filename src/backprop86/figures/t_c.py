"""The T-C problem (PDP Figs 13-15): the eight stimuli, a learned receptive field of each
kind Fig. 15 prints (the first seed of each kind), and the share of learned nets of each
kind."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt

from . import theme
from .hinton import hinton

TASK = "t_c"
RF = 3
KINDS = ("on_centre", "bar", "diagonal", "compactness", "other")
TITLES = {"on_centre": "A: on-centre", "bar": "B: bar", "diagonal": "C: diagonal",
          "compactness": "D: compactness", "other": "other"}
WEIGHTS = [f"rf_{i}{j}" for i in range(RF) for j in range(RF)]


def receptive_fields(variants: pd.DataFrame, stimuli: pd.DataFrame,
                     templates: pd.DataFrame, runs: pd.DataFrame) -> plt.Figure:
    """Top: the stimuli. Middle: for each kind of Fig. 15, the field as the figure
    describes it, and beneath it the receptive field of the lowest seed of the default run
    that learned one of that kind (Hinton diagrams, its bias in the title). Bottom: the
    share of learned nets of each kind, per run (Wilson intervals).

    Parameters
    ----------
    variants : figure-data ``variants`` table.
    stimuli : ``t_c_stimuli``.
    templates : ``t_c_templates``.
    runs : the runs table (``rf_kind``, ``rf_00`` ... ``rf_22``, ``rf_bias``).
    """
    theme.apply()
    rows = variants[variants["task"] == TASK]
    if rows.empty:
        raise ValueError("no T-C runs in the tables")
    default = rows[rows["is_default"].astype(bool)]
    run = (default if len(default) else rows).iloc[0]
    fig = plt.figure(figsize=(12, 9.6))
    grid = fig.add_gridspec(3, 1, height_ratios=[1, 2.4, 1.6])
    top = grid[0].subgridspec(1, 8)
    fields = grid[1].subgridspec(2, len(KINDS))
    for k, (key, block) in enumerate(stimuli.groupby(["letter", "angle"], sort=False)):
        ax = fig.add_subplot(top[0, k])
        image = block.pivot(index="row", columns="col", values="value").to_numpy()
        ax.imshow(image, cmap="Greys", vmin=0, vmax=1)
        ax.set_xlim(-0.5, RF - 0.5)  # every block on the same 3x3 canvas
        ax.set_ylim(RF - 0.5, -0.5)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{key[0]}, {key[1]}°", fontsize="small")
    r = runs[(runs["task"] == TASK) & (runs["variant"] == run["variant"])]
    learned = r[r["converged"].astype(bool)]
    scale = float(np.nanmax(np.abs(learned[WEIGHTS].to_numpy()))) if len(learned) else 1.0
    for k, kind in enumerate(KINDS):
        ax = fig.add_subplot(fields[0, k])
        described = templates[templates["kind"] == kind]
        if described.empty:
            ax.axis("off")
        else:
            hinton(ax, described.pivot(index="row", columns="col",
                                       values="value").to_numpy())
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{TITLES[kind]}\nas Fig. 15 describes it", fontsize="small")
        ax = fig.add_subplot(fields[1, k])
        of_kind = learned[learned["rf_kind"] == kind].sort_values("seed")
        if of_kind.empty:
            ax.axis("off")
            ax.text(0.5, 0.5, f"{TITLES[kind]}:\nnone learned", ha="center", va="center",
                    transform=ax.transAxes, fontsize="small")
            continue
        first = of_kind.iloc[0]
        hinton(ax, first[WEIGHTS].to_numpy(dtype=float).reshape(RF, RF), max_value=scale)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"learned: seed {int(first['seed'])}, bias {first['rf_bias']:.1f}",
                     fontsize="small")
    ax = fig.add_subplot(grid[2])
    width = 0.8 / len(rows)
    for j, (v, color) in enumerate(zip(rows.itertuples(index=False),
                                       theme.colors(len(rows)))):
        rv = runs[(runs["task"] == TASK) & (runs["variant"] == v.variant)]
        done = rv[rv["converged"].astype(bool)]
        x = np.arange(len(KINDS)) + (j - (len(rows) - 1) / 2) * width
        theme.share_bars(ax, x, done["rf_kind"].value_counts(), KINDS, len(done), width=width,
                         color=color, label=f"{v.variant}: {len(done)} of {len(rv)} seeds "
                         f"met {v.stop}")
    ax.set_xticks(range(len(KINDS)), [TITLES[k] for k in KINDS])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of the learned nets")
    ax.legend(fontsize="x-small", loc="upper left")
    fig.suptitle("T-C: the stimuli (PDP Fig. 13) and the receptive fields learned "
                 "(Fig. 15's kinds)")
    fig.tight_layout()
    return fig
