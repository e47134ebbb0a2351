"""Family trees (Nature Figs 3-4): the person-encoding weights, every layer's activity for
(Colin, aunt), and what the person codes learned, trained beside untrained."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import pyplot as plt

from . import theme
from .hinton import hinton

TASK = "family_trees"
PERSON_WEIGHTS = "person_code<-person"
CODE_GROUP = "person_code"
# The input whose activities Nature Fig. 3 shows.
FIG3_CASE = "Colin aunt"
# Fig. 3's layers, drawn top (output) to bottom (inputs), each at its first column of a
# grid of equal cells (people take 12 columns and two rows: English over Italian), so that
# a unit has the same size in every layer.
FIG3_LAYOUT = (("output", 0, 6), ("answer_code", 1, 9), ("central", 2, 6),
               ("person_code", 3, 3), ("relation_code", 3, 16), ("person", 4, 0),
               ("relation", 4, 13))
FIG3_COLUMNS = 25
ATTRIBUTES = ("nationality", "generation", "branch")


def _default_run(variants: pd.DataFrame) -> pd.Series:
    """The run drawn: the task's default variant (the paper's), else the first run."""
    runs = variants[variants["task"] == TASK]
    if runs.empty:
        raise ValueError("no family-trees runs in the tables")
    default = runs[runs["is_default"].astype(bool)]
    return (default if len(default) else runs).iloc[0]


def _example(examples: pd.DataFrame, variant: str) -> int | None:
    ex = examples[(examples["task"] == TASK) & (examples["variant"] == variant)
                  & (examples["role"] == "median")]
    return int(ex["seed"].iloc[0]) if len(ex) else None


def _two_rows(values: np.ndarray) -> np.ndarray:
    """24 person units as two rows: English on top, their Italian counterparts below
    (units i and i + 12 are counterparts)."""
    return np.asarray(values, dtype=float).reshape(2, -1)


def person_weights(variants: pd.DataFrame, examples: pd.DataFrame, weights: pd.DataFrame,
                   people: pd.DataFrame) -> plt.Figure:
    """Nature Fig. 4 regenerated: the weights from the 24 person units to each of the 6
    person-encoding units of the median run, one Hinton block per unit, English people on
    top and their Italian counterparts below, in the paper's column order.

    Parameters
    ----------
    variants, examples : figure-data ``variants`` and ``examples`` tables.
    weights : ``example_weights`` (state ``final``, param ``person_code<-person``).
    people : the ``people`` table (person units in order, with names).
    """
    theme.apply()
    run = _default_run(variants)
    seed = _example(examples, run["variant"])
    w = weights[(weights["task"] == TASK) & (weights["variant"] == run["variant"])
                & (weights["role"] == "median") & (weights["state"] == "final")
                & (weights["param"] == PERSON_WEIGHTS)]
    matrix = w.pivot(index="target_unit", columns="source_unit", values="value").to_numpy()
    n_units = matrix.shape[0]
    rows = int(np.ceil(n_units / 2))
    fig, axes = plt.subplots(rows, 2, figsize=(12, 1.25 * rows + 1.6), squeeze=False)
    names = people.sort_values("person_unit")["person"].to_numpy()
    english, italian = names[: len(names) // 2], names[len(names) // 2:]
    top = float(np.abs(matrix).max())
    for u in range(n_units):
        ax = axes[u % rows, u // rows]
        hinton(ax, _two_rows(matrix[u]), top, ["English", "Italian"])
        ax.set_title(f"person-code unit {u + 1}", fontsize="small", loc="left")
        if u % rows == 0:
            ax.xaxis.set_ticks_position("top")
            ax.set_xticks(range(len(english)), english, rotation=60, ha="left",
                          fontsize="x-small")
        if u % rows == rows - 1 or u == n_units - 1:
            ax.set_xticks(range(len(italian)), italian, rotation=60, ha="right",
                          fontsize="x-small")
    fig.suptitle(f"Family trees: weights from the person units to the person code, "
                 f"median run (seed {seed}) of {run['n_seeds']}\n"
                 f"(white +, black -, area ∝ |w|; largest |w| = {top:.2f})")
    fig.tight_layout()
    return fig


def colin_aunt(variants: pd.DataFrame, examples: pd.DataFrame, activity: pd.DataFrame,
               people: pd.DataFrame) -> plt.Figure:
    """Nature Fig. 3 regenerated: the activity of every layer of the median run for the
    input (Colin, aunt); the correct answers are dotted on the output units.

    Parameters
    ----------
    variants, examples : figure-data ``variants`` and ``examples`` tables.
    activity : ``example_activity`` (every group, with group ``target``).
    people : the ``people`` table (person units in order).
    """
    theme.apply()
    run = _default_run(variants)
    seed = _example(examples, run["variant"])
    a = activity[(activity["task"] == TASK) & (activity["variant"] == run["variant"])
                 & (activity["role"] == "median") & (activity["case_label"] == FIG3_CASE)]
    if a.empty:
        raise ValueError(f"no activity for {FIG3_CASE!r} in the tables")
    values = {g: rows.sort_values("unit")["value"].to_numpy()
              for g, rows in a.groupby("group")}
    names = people.sort_values("person_unit")["person"].to_numpy()
    tall = {g: values[g].size == names.size for g in values}
    rows = 1 + max(r for _, r, _ in FIG3_LAYOUT)
    heights = [2 if any(tall[g] for g, r, _ in FIG3_LAYOUT if r == row) else 1
               for row in range(rows)]
    fig = plt.figure(figsize=(10, 6.2))
    grid = fig.add_gridspec(rows, FIG3_COLUMNS, height_ratios=heights, hspace=0.9,
                            top=0.88, bottom=0.1, left=0.06, right=0.98)
    for group, row, col in FIG3_LAYOUT:
        v = values[group]
        shown = _two_rows(v) if tall[group] else v[None, :]
        ax = fig.add_subplot(grid[row, col:col + shown.shape[1]])
        hinton(ax, shown, 1.0, ["English", "Italian"] if tall[group] else None)
        if tall[group]:
            half = names.size // 2
            ax.set_xticks(range(half), [f"{e}\n{i}" for e, i in zip(names[:half],
                                                                     names[half:])],
                          fontsize=5, rotation=90)
            ax.tick_params(axis="y", labelsize="x-small")
        if group == "output":
            rr, cc = np.nonzero(_two_rows(values["target"]) > 0.5)
            ax.plot(cc, rr, "o", color="black", markersize=3)
        ax.set_title(f"{group.replace('_', ' ')} ({v.size})", fontsize="x-small")
    fig.suptitle(f"Family trees: activity of every layer for ({FIG3_CASE.replace(' ', ', ')}),"
                 f" median run (seed {seed}) of {run['n_seeds']}\n(white area ∝ activity, "
                 "full cell = 1; black dots: the correct answers)")
    return fig


def person_similarity(variants: pd.DataFrame, distances: pd.DataFrame) -> plt.Figure:
    """Distances between the 24 person codes, untrained beside trained, for the median
    run and averaged over every seed.

    Parameters
    ----------
    variants : figure-data ``variants`` table.
    distances : ``person_distances`` (variant, scope, state, n_seeds, person_a, person_b,
        distance), people in unit order.
    """
    theme.apply()
    run = _default_run(variants)
    d = distances[distances["variant"] == run["variant"]]
    scopes = list(dict.fromkeys(d["scope"]))
    states = ("untrained", "trained")
    fig, axes = plt.subplots(len(scopes), len(states), figsize=(11, 5.2 * len(scopes)),
                             squeeze=False)
    order = list(dict.fromkeys(d["person_a"]))
    for r, scope in enumerate(scopes):
        for c, state in enumerate(states):
            ax = axes[r, c]
            part = d[(d["scope"] == scope) & (d["state"] == state)]
            matrix = part.pivot(index="person_a", columns="person_b", values="distance")
            matrix = matrix.loc[order, order]
            image = ax.imshow(matrix.to_numpy(), cmap="rocket", vmin=0,
                              interpolation="nearest")
            fig.colorbar(image, ax=ax, shrink=0.7, label="distance between codes")
            ax.set_xticks(range(len(order)), order, rotation=90, fontsize=5)
            ax.set_yticks(range(len(order)), order, fontsize=5)
            ax.tick_params(length=0)
            half = len(order) // 2  # English | Italian
            ax.axhline(half - 0.5, color="white", linewidth=0.8)
            ax.axvline(half - 0.5, color="white", linewidth=0.8)
            n = int(part["n_seeds"].iloc[0])
            seed = part["seed"].iloc[0]
            which = f"median run (seed {int(seed)})" if pd.notna(seed) else \
                f"mean over {n} seeds"
            ax.set_title(f"{state}: {which}")
    fig.suptitle("Family trees: Euclidean distance between person codes; people "
                 "in unit order, English then their Italian counterparts")
    fig.tight_layout()
    return fig


def person_projection(variants: pd.DataFrame, projection: pd.DataFrame) -> plt.Figure:
    """The median run's 24 person codes on their first two principal components,
    coloured by nationality, generation and branch; untrained above, trained below.

    Parameters
    ----------
    variants : figure-data ``variants`` table.
    projection : ``person_projection`` (pc1, pc2, explained1, explained2 and attributes).
    """
    theme.apply()
    run = _default_run(variants)
    p = projection[projection["variant"] == run["variant"]]
    states = [s for s in ("untrained", "trained") if (p["state"] == s).any()]
    fig, axes = plt.subplots(len(states), len(ATTRIBUTES), figsize=(13, 4 * len(states)),
                             squeeze=False)
    for r, state in enumerate(states):
        part = p[p["state"] == state]
        for c, attribute in enumerate(ATTRIBUTES):
            ax = axes[r, c]
            hue = part[attribute].astype(str)
            sns.scatterplot(x=part["pc1"], y=part["pc2"], hue=hue, style=part["sex"], ax=ax,
                            s=40, hue_order=sorted(hue.unique()))
            for row in part.itertuples(index=False):
                ax.annotate(row.person, (row.pc1, row.pc2), xytext=(3, 2),
                            textcoords="offset points", fontsize=5, color="0.3")
            ax.set_xlabel(f"PC 1 ({part['explained1'].iloc[0]:.0%} of variance)")
            ax.set_ylabel(f"PC 2 ({part['explained2'].iloc[0]:.0%})")
            ax.set_title(f"{state}: {attribute}")
            ax.legend(fontsize="xx-small", loc="best")
    seed = int(p["seed"].iloc[0]) if len(p) else None
    fig.suptitle(f"Family trees: person codes of the median run (seed {seed}) of "
                 f"{run['n_seeds']}, projected on their first two principal components")
    fig.tight_layout()
    return fig
