"""The encoder (PDP Fig. 7, Tables 4-5): the hidden code of every input pattern, and how
many codes are binary across seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import pyplot as plt

from . import theme

TASK = "encoder"
CMAP = "Greys"


def _heatmap(ax, codes: pd.DataFrame, title: str, annotate: bool = True) -> None:
    grid = codes.pivot(index="case", columns="unit", values="value")
    sns.heatmap(grid, ax=ax, vmin=0, vmax=1, cmap=CMAP, annot=annotate, fmt=".2f",
                annot_kws={"fontsize": "x-small"}, cbar=False, linewidths=0.5,
                linecolor="0.8", square=True)
    ax.set_xticklabels([f"h{int(u) + 1}" for u in grid.columns])
    ax.set_yticklabels([f"{int(c) + 1}" for c in grid.index], rotation=0)
    ax.set_xlabel("hidden unit")
    ax.set_ylabel("input pattern (unit on)")
    ax.set_title(title)


def codes(variants: pd.DataFrame, examples: pd.DataFrame, activity: pd.DataFrame,
          paper: pd.DataFrame) -> plt.Figure:
    """The hidden code of each one-hot input pattern as an annotated heatmap, one panel per
    encoder variant (its median run), each printed code table (PDP Table 5) beside the
    variant it belongs to.

    Parameters
    ----------
    variants, examples : figure-data ``variants`` and ``examples`` tables.
    activity : ``example_activity`` (group ``hidden``).
    paper : ``paper_codes`` (the printed codes).
    """
    theme.apply()
    runs = variants[variants["task"] == TASK]
    if runs.empty:
        raise ValueError("no encoder runs in the tables")
    hidden = activity[(activity["task"] == TASK) & (activity["role"] == "median")
                      & (activity["group"] == "hidden")]
    printed = paper[paper["task"] == TASK]
    panels = []  # (title, codes or None, message)
    for run in runs.itertuples(index=False):
        ex = examples[(examples["task"] == TASK) & (examples["variant"] == run.variant)
                      & (examples["role"] == "median")]
        if ex.empty:
            panels.append((run.variant, None, f"none of {run.n_seeds}\nseeds met\n{run.stop}"))
        else:
            panels.append((f"{run.variant}: seed {int(ex['seed'].iloc[0])}\n"
                           f"({run.n_converged}/{run.n_seeds} met {run.stop})",
                           hidden[hidden["variant"] == run.variant], ""))
        mine = printed[printed["variant"] == run.variant]
        for name, rows in mine.groupby("figure", sort=False):
            panels.append((f"{name}\n(printed)", rows, ""))
    widths = [c["unit"].nunique() if c is not None else 2 for _, c, _ in panels]
    height = max([c["case"].nunique() for _, c, _ in panels if c is not None] or [4])
    fig, axes = plt.subplots(1, len(panels), figsize=(0.55 * sum(widths) + 1.2 * len(panels),
                                                      0.32 * height + 1.8),
                             width_ratios=widths, squeeze=False, constrained_layout=True)
    for i, (ax, (title, rows, message)) in enumerate(zip(axes[0], panels)):
        if rows is None:
            ax.axis("off")
            ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes,
                    fontsize="small")
            ax.set_title(title, fontsize="small")
            continue
        _heatmap(ax, rows, title)
        ax.title.set_fontsize("small")
        if i:
            ax.set_ylabel("")
    fig.colorbar(plt.cm.ScalarMappable(cmap=CMAP, norm=plt.Normalize(0, 1)), ax=axes[0],
                 shrink=0.6, label="hidden activity")
    fig.suptitle("Encoder: hidden code of each input pattern (median run per size)")
    return fig


def code_types(variants: pd.DataFrame, runs: pd.DataFrame, marks: pd.DataFrame) -> plt.Figure:
    """Across seeds: how many of a network's hidden codes use an intermediate value, one
    panel per encoder variant, converged and unconverged seeds stacked.

    Parameters
    ----------
    variants : figure-data ``variants`` table.
    runs : the runs table (``n_intermediate_codes``, ``converged``).
    marks : ``paper_marks`` (quantity ``n_intermediate_codes``: PDP Table 5).
    """
    theme.apply()
    rows = variants[variants["task"] == TASK]
    if rows.empty:
        raise ValueError("no encoder runs in the tables")
    fig, axes = plt.subplots(1, len(rows), figsize=(3.3 * len(rows), 2.9), squeeze=False)
    met, missed = theme.colors(2)
    for ax, run in zip(axes[0], rows.itertuples(index=False)):
        r = runs[(runs["task"] == TASK) & (runs["variant"] == run.variant)]
        n_codes = int((r["n_binary_codes"] + r["n_intermediate_codes"]).max())
        bins = np.arange(n_codes + 1)
        done = r["converged"].astype(bool)
        yes = np.bincount(r.loc[done, "n_intermediate_codes"].astype(int), minlength=bins.size)
        no = np.bincount(r.loc[~done, "n_intermediate_codes"].astype(int), minlength=bins.size)
        ax.bar(bins, yes, color=met, label=f"met {run.stop} ({done.sum()})")
        ax.bar(bins, no, bottom=yes, color=missed, alpha=0.6,
               label=f"did not ({(~done).sum()})")
        for m in marks[(marks["task"] == TASK) & (marks["variant"] == run.variant)
                       & (marks["quantity"] == "n_intermediate_codes")].itertuples():
            ax.axvline(m.value, color="black", linestyle="--", linewidth=1)
            ax.annotate(f"{m.label}: {m.value:g}", (m.value, 0.97),
                        xycoords=("data", "axes fraction"), xytext=(-3, 0),
                        textcoords="offset points", va="top", ha="right",
                        fontsize="x-small")
        ax.set_xticks(bins if bins.size <= 9 else bins[::2])
        ax.set_xlabel(f"codes with an intermediate unit (of {n_codes})")
        ax.set_ylabel("seeds")
        ax.set_ylim(0, max(yes.max() + no.max(), 1) * 1.45)  # headroom for the legend
        binary = int(((r["n_intermediate_codes"] == 0) & done).sum())
        ax.set_title(f"{run.variant}: {len(r)} seeds; all codes binary in\n"
                     f"{binary} of the {done.sum()} that met {run.stop}", fontsize="small")
        ax.legend(fontsize="x-small", loc="upper right")
    fig.suptitle("Encoder: binary and intermediate hidden codes across seeds")
    fig.tight_layout()
    return fig
