"""Intermediate values (PDP Fig. 8, Tables 6-7): Table 7 regenerated from the median learned
net, beside Fig. 8's printed first two layers run on the four cases and Table 7 as printed;
and every learned net's singleton values, case by case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import pyplot as plt

from . import theme

TASK = "intermediate"
CASES = ("00", "01", "10", "11")
CMAP = "Greys"
UNITS = ["singleton", "h1", "h2", "h3", "h4"]


def _heatmap(ax, table: np.ndarray, columns: list[str], title: str) -> None:
    sns.heatmap(table, ax=ax, vmin=0, vmax=1, cmap=CMAP, annot=True, fmt=".2f",
                annot_kws={"fontsize": "x-small"}, cbar=False, linewidths=0.5,
                linecolor="0.8")
    ax.set_xticklabels(columns, rotation=45, ha="right", fontsize="x-small")
    ax.set_yticklabels(CASES, rotation=0)
    ax.set_title(title, fontsize="small")


def _learned(activity: pd.DataFrame, variant: str) -> np.ndarray:
    """Cases by singleton, hidden and output units of the median run."""
    rows = activity[(activity["task"] == TASK) & (activity["variant"] == variant)
                    & (activity["role"] == "median")]
    parts = []
    for group in ("singleton", "hidden", "output"):
        g = rows[rows["group"] == group].pivot(index="case", columns="unit", values="value")
        parts.append(g.sort_index().to_numpy())
    return np.hstack(parts)


def singleton(variants: pd.DataFrame, examples: pd.DataFrame, activity: pd.DataFrame,
              printed: pd.DataFrame, codes: pd.DataFrame, runs: pd.DataFrame) -> plt.Figure:
    """Table 7 three ways (learned, Fig. 8's printed weights, as printed) and the singleton's
    value on each case for every learned net.

    Parameters
    ----------
    variants, examples : figure-data ``variants`` and ``examples`` tables.
    activity : ``example_activity``.
    printed : ``fig8_printed`` (the printed first two layers run on the cases).
    codes : ``paper_codes`` (PDP Table 7).
    runs : the runs table (``singleton_<case>``, ``singleton_levels``, ``converged``).
    """
    theme.apply()
    rows = variants[variants["task"] == TASK]
    if rows.empty:
        raise ValueError("no intermediate-values runs in the tables")
    run = rows.iloc[0]
    ex = examples[(examples["task"] == TASK) & (examples["variant"] == run["variant"])
                  & (examples["role"] == "median")]
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.8), width_ratios=[9, 5, 5, 6])
    if ex.empty:
        axes[0].axis("off")
        axes[0].text(0.5, 0.5, f"none of {run['n_seeds']} seeds met {run['stop']}",
                     ha="center", va="center", transform=axes[0].transAxes)
    else:
        _heatmap(axes[0], _learned(activity, run["variant"]),
                 UNITS + [f"out {i + 1}" for i in range(4)],
                 f"median learned net, seed {int(ex['seed'].iloc[0])}")
        axes[0].set_ylabel("input")
    fig8 = printed.pivot_table(index="case", columns=["group", "unit"], values="value")
    if len(fig8):
        table = np.hstack([fig8["singleton"].to_numpy(), fig8["hidden"].to_numpy()])
        _heatmap(axes[1], table, UNITS, "PDP Fig. 8's printed weights\n(first two layers)")
    else:
        axes[1].axis("off")
    t7 = codes[(codes["task"] == TASK) & (codes["variant"] == run["variant"])]
    if len(t7):
        table = t7.pivot(index="case", columns="unit", values="value").sort_index()
        _heatmap(axes[2], table.to_numpy(), UNITS, f"{t7['figure'].iloc[0]} as printed")
    else:
        axes[2].axis("off")
    ax = axes[3]
    r = runs[(runs["task"] == TASK) & (runs["variant"] == run["variant"])]
    learned = r[r["converged"].astype(bool)]
    rng = np.random.default_rng(0)  # the jitter only; the values are the runs table's
    color = theme.colors(1)[0]
    for i, case in enumerate(CASES):
        y = learned[f"singleton_{case}"].to_numpy(dtype=float)
        ax.scatter(i + rng.uniform(-0.25, 0.25, len(y)), y, s=5, color=color, alpha=0.4,
                   linewidths=0)
    if len(t7):
        printed_singleton = t7[t7["unit"] == 0].sort_values("case")["value"].to_numpy()
        ax.scatter(range(4), printed_singleton, marker="_", s=300, color="black")
    n3 = int((learned["singleton_levels"] >= 3).sum())
    ax.set_xticks(range(4), CASES)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("input")
    ax.set_ylabel("singleton activity")
    ax.set_title(f"{len(learned)} of {len(r)} seeds met {run['stop']}, {n3} of them with\n3+ "
                 "distinct levels (black bars: Table 7)", fontsize="small")
    fig.suptitle("Intermediate values: one hidden unit carries four cases (PDP Fig. 8, "
                 "Tables 6-7)")
    fig.tight_layout()
    return fig
