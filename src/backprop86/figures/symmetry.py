"""Mirror symmetry (Nature Fig. 1): the median converged net with its weights, the
printed net beside it, and the mirror structure across seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.ticker import FuncFormatter, LogLocator

from ..tables.stats import LEVEL, wilson_interval
from . import theme
from .hinton import hinton
from .netdraw import draw_net

TASK = "symmetry"
LAYERS = ("input", "hidden", "output")
# Nature Fig. 1 draws a dashed line at the midpoint of the six inputs.
MIDPOINT = 3
# The ratio axis ends at this multiple of the papers' largest ratio.
OVERFLOW = 4.0
RATIOS = {"ratio_mid": "middle / smallest pair", "ratio_large": "largest / smallest pair"}
SHARES = {"antisymmetric_124": "both hidden units\nantisymmetric {ratio}",
          "sign_flipped_copies": "hidden units are\nsign-flipped copies"}


def full_matrix(weights: pd.DataFrame, layers=LAYERS) -> tuple[np.ndarray, list, list]:
    """The whole net as one matrix: a row per receiving unit (hidden, then output), a
    column per sending unit (input, hidden) and a last column for the bias; NaN where
    there is no connection.

    Returns
    -------
    matrix, row labels, column labels.
    """
    size = {g: int(max(weights.loc[weights["target"] == g, "target_unit"].max()
                       if (weights["target"] == g).any() else -1,
                       weights.loc[weights["source"] == g, "source_unit"].max()
                       if (weights["source"] == g).any() else -1) + 1) for g in layers}
    receivers = [(g, u) for g in layers[1:] for u in range(size[g])]
    senders = [(g, u) for g in layers[:-1] for u in range(size[g])] + [("bias", 0)]
    row = {k: i for i, k in enumerate(receivers)}
    col = {k: i for i, k in enumerate(senders)}
    matrix = np.full((len(receivers), len(senders)), np.nan)
    for w in weights.itertuples(index=False):
        matrix[row[w.target, w.target_unit], col[w.source, w.source_unit]] = w.value
    short = {"input": "in ", "hidden": "h", "output": "out "}

    def name(g, u):
        return "bias" if g == "bias" else f"{short.get(g, g)}{u + 1}".replace("out 1", "out")
    return matrix, [name(*k) for k in receivers], [name(*k) for k in senders]


def example_net(variants: pd.DataFrame, examples: pd.DataFrame, weights: pd.DataFrame,
                paper: pd.DataFrame) -> plt.Figure:
    """Nature Fig. 1 regenerated: the median converged 6-2-1 net with its weights and
    biases written on it, the printed net, and a Hinton diagram of the median net.

    Parameters
    ----------
    variants, examples : figure-data ``variants`` and ``examples`` tables.
    weights : ``example_weights`` (state ``final`` is drawn).
    paper : ``paper_weights`` (the printed Nature Fig. 1 net).
    """
    theme.apply()
    run = variants[variants["task"] == TASK]
    if run.empty:
        raise ValueError("no symmetry runs in the tables")
    run = run.iloc[0]
    ex = examples[(examples["task"] == TASK) & (examples["variant"] == run["variant"])
                  & (examples["role"] == "median")]
    printed = paper[(paper["task"] == TASK) & (paper["variant"] == run["variant"])]
    fig = plt.figure(figsize=(12, 4.2))
    grid = fig.add_gridspec(1, 3, width_ratios=[1, 1, 0.8])
    names = {"input": [f"in {i + 1}" for i in range(6)]}
    if ex.empty:
        ax = fig.add_subplot(grid[:, 0])
        ax.axis("off")
        ax.text(0.5, 0.5, f"{run['variant']}: none of {run['n_seeds']} seeds met "
                f"{run['stop']}",
                ha="center", va="center", transform=ax.transAxes)
    else:
        seed = int(ex["seed"].iloc[0])
        w = weights[(weights["task"] == TASK) & (weights["variant"] == run["variant"])
                    & (weights["role"] == "median") & (weights["state"] == "final")]
        ax = fig.add_subplot(grid[:, 0])
        draw_net(ax, w, LAYERS, names, divider=MIDPOINT)
        ax.set_title(f"{run['variant']}, median run: seed {seed}, "
                     f"{int(ex['value'].iloc[0])} sweeps to {run['stop']}\n"
                     f"({run['n_converged']} of {run['n_seeds']} seeds converged)")
        matrix, rows, cols = full_matrix(w)
        ax_h = fig.add_subplot(grid[:, 2])
        hinton(ax_h, matrix, row_labels=rows, col_labels=cols)
        ax_h.set_title(f"seed {seed}: Hinton diagram\n(rows receive; largest |w| = "
                       f"{np.nanmax(np.abs(matrix)):.1f})")
    ax = fig.add_subplot(grid[:, 1])
    if printed.empty:
        ax.axis("off")
    else:
        draw_net(ax, printed, LAYERS, names, divider=MIDPOINT)
        ax.set_title(f"{printed['figure'].iloc[0]} as printed")
    fig.suptitle("Mirror symmetry: weights on the connections, biases in the units")
    fig.tight_layout()
    return fig


def structure(variants: pd.DataFrame, runs: pd.DataFrame, marks: pd.DataFrame) -> plt.Figure:
    """Across converged seeds: the sorted mirror-pair magnitude ratios against the papers'
    1:2:4, and the share of seeds with the papers' solution.

    Parameters
    ----------
    variants : figure-data ``variants`` table.
    runs : the runs table (``h<j>_ratio_mid``, ``h<j>_ratio_large``, ``antisymmetric_124``,
        ``sign_flipped_copies``, ``converged``).
    marks : ``paper_marks`` (quantities ``ratio_mid`` and ``ratio_large``).
    """
    theme.apply()
    run = variants[variants["task"] == TASK]
    if run.empty:
        raise ValueError("no symmetry runs in the tables")
    run = run.iloc[0]
    r = runs[(runs["task"] == TASK) & (runs["variant"] == run["variant"])]
    done = r[r["converged"].astype(bool)]
    fig, (ax, bars) = plt.subplots(1, 2, figsize=(10, 3.4), width_ratios=[1.6, 1])
    palette = dict(zip(RATIOS, theme.colors(len(RATIOS))))
    m = marks[(marks["task"] == TASK) & (marks["variant"] == run["variant"])
              & marks["quantity"].isin(list(RATIOS))]
    units = sorted({c.split("_")[0] for c in r.columns if c.endswith("_ratio_mid")})
    ratios = {q: np.concatenate([done[f"{h}_{q}"].to_numpy(dtype=float) for h in units])
              if units else np.array([]) for q in RATIOS}
    ratios = {q: v[np.isfinite(v)] for q, v in ratios.items()}
    # From 1 (a ratio to the smallest) to OVERFLOW times the papers' largest ratio; larger
    # ratios (a nearly silent pair) are piled into the last bin and counted in the legend.
    right = OVERFLOW * max(list(m["value"]) + [1])
    bins = np.geomspace(1, right, 40)
    for quantity, label in RATIOS.items():
        values = ratios[quantity]
        if values.size:
            over = int((values > right).sum())
            ax.hist(np.minimum(values, bins[-1] * 0.999), bins=bins, color=palette[quantity],
                    alpha=0.6, label=f"{label} ({values.size} units"
                    + (f", {over} beyond the axis, in the last bin)" if over else ")"))
        for mark in m[m["quantity"] == quantity].itertuples():
            if mark.confidence == "D":  # the printed nets' own ratios
                ax.plot([mark.value], [0], marker="^", color=palette[quantity],
                        markeredgecolor="black", markersize=7, clip_on=False, zorder=3)
            else:
                ax.axvline(mark.value, color=palette[quantity], linestyle="--")
                ax.annotate(f"paper: {mark.value:g}", (mark.value, 0.97),
                            xycoords=("data", "axes fraction"), xytext=(3, 0),
                            textcoords="offset points", va="top", fontsize="x-small")
    ax.plot([], [], "^", color="0.6", markeredgecolor="black",
            label="printed nets (Nature Fig. 1, PDP Fig. 9)")
    if done.empty:
        for a in (ax, bars):
            a.text(0.5, 0.5, f"none of {len(r)} seeds met {run['stop']}", ha="center",
                   va="center", transform=a.transAxes)
        ax.set_yticks([])
    ax.set_xscale("log")
    ax.set_xlim(1, right)
    plain = FuncFormatter(lambda x, _: f"{x:g}")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 4)))
    ax.xaxis.set_minor_locator(LogLocator(base=10, subs=(1.5, 3, 6)))
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(plain)
    ax.tick_params(axis="x", which="minor", labelsize="x-small")
    if not len(done):
        ax.set_ylim(0, 1)
    ax.set_xlabel("ratio of sorted mirror-pair magnitudes")
    ax.set_ylabel("hidden units")
    ax.set_title(f"{run['variant']}: {len(done)} converged of {len(r)} seeds, both hidden "
                 "units")
    ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2)
    paper = m[m["confidence"] != "D"].drop_duplicates("quantity").set_index("quantity")
    ratio = ":".join(["1"] + [f"{paper.loc[q, 'value']:g}" for q in RATIOS
                              if q in paper.index])
    names = [c for c in SHARES if c in done]
    counts = [int(done[c].astype(bool).sum()) for c in names]
    shares = [c / len(done) if len(done) else np.nan for c in counts]
    intervals = [wilson_interval(c, len(done)) for c in counts]
    low = [s - lo for s, (lo, _) in zip(shares, intervals)]
    high = [hi - s for s, (_, hi) in zip(shares, intervals)]
    if len(done):
        bars.bar(range(len(names)), shares, yerr=[low, high], capsize=4,
                 color=theme.colors(len(names) + 2)[2:])
    bars.set_xticks(range(len(names)), [SHARES[n].format(ratio=ratio) + f"\n{c}/{len(done)}"
                                        for n, c in zip(names, counts)], fontsize="small")
    bars.set_ylim(0, 1)
    bars.set_xlim(-0.6, len(names) - 0.4)
    bars.set_ylabel(f"share of converged seeds ({LEVEL:.0%} Wilson)")
    fig.suptitle(f"Mirror symmetry across seeds: the {ratio} code and its antisymmetry")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig
