"""A grid's tables (``results/tables/grids/NAME/``): the runs, summary and structure tables
of its points' runs, each row keyed by the grid, the point and the settings it moves
(:mod:`backprop86.plan.grids` says what a grid is)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from ..errors import ConfigError
from ..plan.grids import Grid, moved_text, value_text
from ..tasks import TASKS
from .collect import collect_runs, typed
from .structure import summarise_structure
from .summary import summarise

SETTING_PREFIX = "set_"
# Columns every grid table gets in front of its own (after task, variant, base_variant).
GRID_COLUMNS = {
    "grid": "the grid's name (config key grids.NAME)",
    "point": "the point's number in the grid, in expansion order (0: the base point "
             "for mode one_at_a_time)",
    "base": "the grid's base settings, 'key: value' separated by '; ' (empty: the "
            "paper's settings)",
    "n_moved": "how many settings the point moves from the grid's base",
    "moved": "the settings the point moves from the base, 'key: value' separated by "
             "'; ' (empty at the base point)",
}


def point_columns(grid: Grid) -> pd.DataFrame:
    """Per point: variant (its run's label), grid, point, base, n_moved, moved,
    set_<axis>."""
    rows = []
    for i, p in enumerate(grid.points):
        row = {"variant": p.run.label, "grid": grid.name, "point": i, "base": grid.base_text(),
               "n_moved": len(p.moved), "moved": moved_text(p)}
        row.update({SETTING_PREFIX + k: value_text(v) for k, v in p.values.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def with_points(table: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """``table`` (runs, summary or structure rows of the grid's runs) with the point
    columns inserted after ``base_variant``, rows in point order, as text."""
    points = point_columns(grid).astype(str)
    order = {label: i for i, label in enumerate(points["variant"])}
    table = table.astype({"variant": str})
    unknown = sorted(set(table["variant"]) - set(order))
    if unknown:
        raise ConfigError("grids", f"run {unknown[0]} is not a point of grid {grid.name}")
    merged = table.merge(points, on="variant", how="left", sort=False)
    merged = merged.assign(_point=merged["variant"].map(order))
    merged = merged.sort_values("_point", kind="stable").drop(columns="_point")
    front = [c for c in ("task", "variant", "base_variant") if c in table.columns]
    extra = [c for c in points.columns if c != "variant"]
    rest = [c for c in table.columns if c not in front]
    return merged[front + extra + rest].reset_index(drop=True)


def grid_tables(grid: Grid, chunk_paths: Sequence[str | Path]) -> dict[str, pd.DataFrame]:
    """The grid's runs, summary and structure tables from its training chunks."""
    runs_text = collect_runs(chunk_paths, order=[(p.run.task, p.run.label)
                                                 for p in grid.points])
    runs = typed(runs_text)
    summary = summarise(runs, [p.run.meta() for p in grid.points])
    docs = {name: task.score_columns for name, task in TASKS.items()}
    structure = summarise_structure(runs, docs)
    return {"runs": with_points(runs_text, grid), "summary": with_points(summary, grid),
            "structure": with_points(structure, grid)}


def read_grid_runs(path: str | Path) -> pd.DataFrame:
    """A grid's runs table, typed as the runs table is, the point columns as text."""
    text = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    point = [c for c in text.columns if c in GRID_COLUMNS or c.startswith(SETTING_PREFIX)]
    runs = typed(text.drop(columns=point))
    for c in point:
        runs[c] = text[c].astype("int64") if c in ("point", "n_moved") else text[c]
    return runs
