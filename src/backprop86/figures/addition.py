"""Binary addition (PDP Figs 10-11, Table 8): the hidden pattern of every sum in a learned
net of each size, beside the patterns PDP Table 8 prints; and how the runs ended."""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib import pyplot as plt

from . import theme

TASK = "addition"
CMAP = "Greys"
OUTCOMES = ("solved", "plateau", "slow")


def _patterns(activity: pd.DataFrame, variant: str) -> pd.DataFrame:
    """Case label by hidden unit (groups h1, h2, ... of one unit each)."""
    rows = activity[(activity["variant"] == variant)
                    & activity["group"].str.fullmatch(r"h\d+")]
    return rows.pivot_table(index=["case", "case_label"], columns="group", values="value")


def hidden_patterns(variants: pd.DataFrame, examples: pd.DataFrame, activity: pd.DataFrame,
                    paper: pd.DataFrame, runs: pd.DataFrame) -> plt.Figure:
    """One heatmap per variant: its median run's hidden units on each of the 16 sums
    (a + b, rows), PDP Table 8's printed patterns beside the first 3-hidden-unit net; last, the
    share of seeds of each variant that solved the task, got stuck or were still slow.

    Parameters
    ----------
    variants, examples : figure-data ``variants`` and ``examples`` tables.
    activity : ``example_activity`` (groups ``h1``, ``h2``, ...).
    paper : ``paper_codes`` (PDP Table 8).
    runs : the runs table (``outcome``).
    """
    theme.apply()
    rows = variants[variants["task"] == TASK]
    if rows.empty:
        raise ValueError("no addition runs in the tables")
    mine = activity[(activity["task"] == TASK) & (activity["role"] == "median")]
    panels = []  # (title, pattern table or None)
    shown = set()  # printed tables, each drawn once, beside the first run of its variant
    for run in rows.itertuples(index=False):
        ex = examples[(examples["task"] == TASK) & (examples["variant"] == run.variant)
                      & (examples["role"] == "median")]
        title = f"{run.variant}: {run.n_converged}/{run.n_seeds} met {run.stop}"
        if len(ex):
            panels.append((f"{title}\nmedian run, seed {int(ex['seed'].iloc[0])}",
                           _patterns(mine, run.variant)))
        else:
            panels.append((title, None))
        printed = paper[(paper["task"] == TASK) & (paper["variant"] == run.variant)]
        for name, codes in printed.groupby("figure", sort=False):
            if name in shown:
                continue
            shown.add(name)
            table = codes.pivot(index="case", columns="unit", values="value")
            table.columns = [f"h{int(u) + 1}" for u in table.columns]
            panels.append((f"{name} (printed)", table))
    widths = [3 if t is None else t.shape[1] for _, t in panels] + [4]
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(0.6 * sum(widths) + 1.6 * len(panels),
                                                          6.2),
                             width_ratios=widths, squeeze=False, constrained_layout=True)
    labels = None
    for i, (ax, (title, table)) in enumerate(zip(axes[0], panels)):
        ax.set_title(title, fontsize="small")
        if table is None:
            ax.axis("off")
            ax.text(0.5, 0.5, "no seed met\nthe criterion", ha="center", va="center",
                    transform=ax.transAxes, fontsize="small")
            continue
        if isinstance(table.index, pd.MultiIndex):
            labels = [label for _, label in table.index]
        sns.heatmap(table.to_numpy(), ax=ax, vmin=0, vmax=1, cmap=CMAP, annot=True,
                    fmt=".1f", annot_kws={"fontsize": "xx-small"}, cbar=False,
                    linewidths=0.5, linecolor="0.8")
        ax.set_xticklabels(list(table.columns))
        ax.set_yticklabels(labels or [], rotation=0, fontsize="x-small")
        ax.set_xlabel("hidden unit")
        ax.set_ylabel("a + b" if i == 0 else "")
    ax = axes[0][-1]
    shares = []
    for run in rows.itertuples(index=False):
        r = runs[(runs["task"] == TASK) & (runs["variant"] == run.variant)]
        counts = r["outcome"].value_counts()
        shares.append([counts.get(o, 0) / max(len(r), 1) for o in OUTCOMES])
    bottom = [0.0] * len(shares)
    for j, (outcome, color) in enumerate(zip(OUTCOMES, theme.colors(len(OUTCOMES)))):
        heights = [s[j] for s in shares]
        ax.bar(list(rows["variant"]), heights, bottom=bottom, color=color, label=outcome)
        bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of seeds")
    ax.set_title("how the runs ended", fontsize="small")
    ax.legend(fontsize="x-small", loc="upper right")
    fig.suptitle("Binary addition: hidden patterns of each sum (PDP Table 8) and how runs end")
    return fig
