"""Learning across seeds, for every task: error against sweep, and sweeps to solution.

Both functions take tables only: the figure-data tables ``variants``, ``error_curves``,
``example_curves``, ``paper_marks`` and the runs table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.ticker import FuncFormatter, LogLocator

from . import theme

BAND_ALPHA = {"q10-q90": 0.18, "q25-q75": 0.35}


def _grid(n: int, width: float = 3.4, height: float = 2.7, max_cols: int = 4):
    cols = min(n, max_cols)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:n]


def _plain_ticks(axis) -> None:
    """Log-axis tick labels as plain numbers (0.2, not 2 x 10^-1)."""
    plain = FuncFormatter(lambda x, _: f"{x:g}")
    axis.set_major_locator(LogLocator(base=10))
    axis.set_minor_locator(LogLocator(base=10, subs=(2, 5)))
    axis.set_major_formatter(plain)
    axis.set_minor_formatter(plain)
    axis.set_tick_params(which="minor", labelsize="xx-small")


def _runs_of(variants: pd.DataFrame, task: str) -> pd.DataFrame:
    rows = variants[variants["task"] == task]
    if rows.empty:
        raise ValueError(f"no runs of task {task!r} in the tables")
    return rows


def error_curves(variants: pd.DataFrame, curves: pd.DataFrame, singles: pd.DataFrame,
                 task: str) -> plt.Figure:
    """Error E against sweep for every variant of ``task``: median, quantile bands and a
    few single runs, on log axes.

    Parameters
    ----------
    variants : figure-data ``variants`` table.
    curves : ``error_curves`` (median, q10, q25, q75, q90 by sweep).
    singles : ``example_curves`` (single runs at quantiles of sweeps to stop).
    task : the task to draw.
    """
    theme.apply()
    runs = _runs_of(variants, task)
    fig, axes = _grid(len(runs))
    color = theme.colors(1)[0]
    for ax, run in zip(axes, runs.itertuples(index=False)):
        c = curves[(curves["task"] == task) & (curves["variant"] == run.variant)]
        c = c[c["sweep"] >= 1]  # log axis: sweep 0 (the initial weights) cannot be shown
        ax.fill_between(c["sweep"], c["q10"], c["q90"], color=color,
                        alpha=BAND_ALPHA["q10-q90"], linewidth=0, label="10-90 % of seeds")
        ax.fill_between(c["sweep"], c["q25"], c["q75"], color=color,
                        alpha=BAND_ALPHA["q25-q75"], linewidth=0, label="25-75 %")
        ax.plot(c["sweep"], c["median"], color=color, linewidth=1.6, label="median")
        s = singles[(singles["task"] == task) & (singles["variant"] == run.variant)]
        for i, (_, one) in enumerate(s.groupby("role", sort=False)):
            one = one[one["sweep"] >= 1]
            ax.plot(one["sweep"], one["error"], color="0.25", linewidth=0.6, alpha=0.8,
                    label="single runs (end: dot)" if i == 0 else None)
            ax.plot(one["sweep"].iloc[-1:], one["error"].iloc[-1:], "o", color="0.25",
                    markersize=2.5)
        ax.set_xscale("log")
        ax.set_yscale("log")
        _plain_ticks(ax.yaxis)
        ax.set_xlabel("sweep")
        ax.set_ylabel("error E")
        stopped = f"{run.n_converged} met {run.stop}" if run.stop != "budget" else \
            f"fixed {run.budget} sweeps"
        ax.set_title(f"{run.task_title} {run.variant}: {run.n_seeds} seeds,\n{stopped}",
                     fontsize="small")
        share = ax.twinx()
        share.plot(c["sweep"], c["n_running"] / c["n_seeds"], color="0.5", linestyle=":",
                   linewidth=1.0)
        share.set_ylim(0, 1.02)
        share.set_ylabel("share still training (dotted)", color="0.4")
        share.tick_params(axis="y", colors="0.4")
    axes[0].legend(loc="lower left", fontsize="x-small")
    fig.suptitle(f"{runs['task_title'].iloc[0]}: error across seeds "
                 "(a stopped network keeps its final error)")
    fig.tight_layout()
    return fig


def ecdf(values: np.ndarray, n_total: int) -> tuple[np.ndarray, np.ndarray]:
    """Steps of the empirical distribution of the solved runs over *all* ``n_total``
    runs, so that it levels off at the share solved.

    Returns
    -------
    x (sorted values), y (share of runs solved by x, inclusive).
    """
    x = np.sort(np.asarray(values, dtype=float))
    return x, np.arange(1, x.size + 1) / n_total


def sweeps_to_solution(variants: pd.DataFrame, runs: pd.DataFrame, marks: pd.DataFrame,
                       task: str) -> plt.Figure:
    """Cumulative share of seeds that met each criterion, against sweeps, one panel per
    criterion and a line per variant; censored runs and the papers' numbers marked.

    Parameters
    ----------
    variants : figure-data ``variants`` table (criteria, budget, seed counts).
    runs : the runs table (``sweeps_to_<criterion>``, empty when never met).
    marks : ``paper_marks``; rows with quantity ``sweeps`` are drawn.
    task : the task to draw.
    """
    theme.apply()
    rows = _runs_of(variants, task)
    criteria = list(dict.fromkeys(c for cs in rows["criteria"] for c in str(cs).split(";")
                                  if c))
    fig, axes = _grid(len(criteria), width=4.6, height=3.3, max_cols=2)
    palette = dict(zip(rows["variant"], theme.colors(len(rows))))
    task_marks = marks[(marks["task"] == task) & (marks["quantity"] == "sweeps")]
    for ax, criterion in zip(axes, criteria):
        column = f"sweeps_to_{criterion}"
        lowest, highest = np.inf, 1.0
        for run in rows.itertuples(index=False):
            r = runs[(runs["task"] == task) & (runs["variant"] == run.variant)]
            solved = r[column].dropna().to_numpy(dtype=float)
            n, budget = len(r), float(run.budget)
            censored = n - solved.size
            color = palette[run.variant]
            x, y = ecdf(np.maximum(solved, 1), n)  # sweep 0 drawn at 1 on the log axis
            label = f"{run.variant} ({solved.size}/{n} solved"
            label += f", {censored} censored at {budget:g})" if censored else ")"
            lowest = min(lowest, x[0] if x.size else budget)
            highest = max(highest, budget)
            if x.size:
                ax.step(np.r_[x[0], x], np.r_[0, y], where="post", color=color, label=label)
                top = y[-1]
            else:
                top = 0.0
                ax.plot([], [], color=color, label=label)
            if censored:
                # Censored runs: never met the criterion within the budget.
                ax.plot([x[-1] if x.size else 1, budget], [top, top], color=color,
                        linestyle=":", linewidth=1)
                ax.plot([budget], [top], marker="x", color=color, markersize=6)
            for m in task_marks[task_marks["variant"] == run.variant].itertuples():
                highest = max(highest, m.value)
                ax.axvline(m.value, color=color, linestyle="--", linewidth=1)
                ax.annotate(f"paper: {m.value:g}", (m.value, 0.02), rotation=90,
                            xytext=(2, 0), textcoords="offset points", va="bottom",
                            fontsize="x-small", color=color)
        ax.set_xscale("log")
        # From the decade below the first solution, so that a labelled tick always shows.
        ax.set_xlim(10 ** np.floor(np.log10(max(lowest, 1))), highest * 1.5)
        _plain_ticks(ax.xaxis)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(f"sweeps to {criterion}")
        ax.set_ylabel("share of seeds solved")
        ax.set_title(criterion)
        ax.legend(loc="upper left", fontsize="x-small")
    fig.suptitle(f"{rows['task_title'].iloc[0]}: sweeps to solution (seed counts in the "
                 "legends; x: censored at the budget; dashed: the paper's number)")
    fig.tight_layout()
    return fig
