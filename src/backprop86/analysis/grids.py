"""Named parameter grids: expand a grid of the config into its points, name each point's
run, and gather a grid's results into tables keyed by the swept settings.

A grid (config key ``grids.NAME``) takes a task variant, ``base`` settings that every
point shares (the conditions of the search, such as a held-out protocol or a shorter
budget; empty: the paper's settings), and ``axes``: for each setting, the values to try.
``mode`` says how the axes combine:

* ``one_at_a_time``: the base point, then every value of every axis with all other
  settings at the base (one setting moved at a time: what "the fewest settings moved"
  needs first);
* ``product``: every combination of the axes' values (pairs and more, for claims no
  single change recovers).

Every point is an ordinary run of the pipeline (trained by the same rule, written to the
same records and tables), labelled ``grid-<hash>`` from its task, variant, settings,
seeds and chunking, so a point that two grids share is trained once. Grid tables add, to
the columns of the runs, summary and structure tables, which grid and point a row belongs
to, the grid's base, which settings the point moves from it, and one column
``set_<setting>`` per axis.

Command line (the pipeline's ``grid_tables`` rule)::

    python -m backprop86.analysis.grids --grid NAME --config-json CONFIG --out DIR CHUNKS...
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..errors import ConfigError

MODES = ("one_at_a_time", "product")
LABEL_PREFIX = "grid-"
HASH_CHARS = 10  # 40 bits: collisions among a config's few hundred points are negligible
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


@dataclass(frozen=True)
class GridPoint:
    """One point of a grid.

    Attributes
    ----------
    run : the :class:`~backprop86.analysis.plan.Run` that trains it (label ``grid-...``).
    values : every axis's value at this point (the base value where not moved).
    moved : the axes whose value differs from the base, in axis order.
    """

    run: Any
    values: Mapping[str, Any]
    moved: tuple[str, ...]


@dataclass(frozen=True)
class Grid:
    """A named grid of the config and its points, in expansion order."""

    name: str
    task: str
    variant: str
    mode: str
    base: Mapping[str, Any]
    axes: Mapping[str, tuple]
    points: tuple[GridPoint, ...]

    @property
    def base_point(self) -> GridPoint | None:
        """The point that moves nothing from the base, if the grid has one."""
        return next((p for p in self.points if not p.moved), None)

    def base_text(self) -> str:
        """``budget: 3000; split: random``: the base settings (empty: the paper's)."""
        return "; ".join(f"{k}: {value_text(v)}" for k, v in self.base.items())

    def labels(self) -> list[str]:
        return [p.run.label for p in self.points]


def expand(mode: str, base: Mapping[str, Any], axes: Mapping[str, Sequence],
           defaults: Mapping[str, Any], where: str) -> list[tuple[dict, tuple[str, ...], str]]:
    """The points of a grid as (overrides, settings moved from the base, config key to
    blame for a bad point).

    Parameters
    ----------
    mode : one of :data:`MODES`.
    base : settings every point shares.
    axes : setting -> the values to try, in order.
    defaults : the variant's paper defaults (resolved values), for the base values of the
        axes the base does not set.
    where : the grid's config key, for error messages.

    Returns
    -------
    list of (overrides of the paper defaults, axes whose value differs from the base,
    key): points with identical settings are kept once, at their first position.
    """
    if mode not in MODES:
        raise ConfigError(f"{where}.mode", f"unknown {mode!r}", ", ".join(MODES))
    for key, values in axes.items():
        if key not in defaults:
            raise ConfigError(f"{where}.axes.{key}", "unknown setting",
                              ", ".join(sorted(defaults)))
        if not isinstance(values, (list, tuple)) or not values:
            raise ConfigError(f"{where}.axes.{key}", f"{values!r}", "a non-empty list of values")
    start = {**{k: defaults[k] for k in axes}, **base}
    if mode == "one_at_a_time":
        combos = [({}, f"{where}.base")]
        combos += [({key: v}, f"{where}.axes.{key}")
                   for key, values in axes.items() for v in values if v != start[key]]
    else:
        combos = [(dict(zip(axes, values)), f"{where}.axes")
                  for values in itertools.product(*axes.values())]
    points, seen = [], set()
    for change, key in combos:
        overrides = {**base, **change}
        moved = tuple(k for k in axes if k in change and change[k] != start[k])
        signature = canonical(overrides, defaults)
        if signature in seen:
            continue
        seen.add(signature)
        points.append((overrides, moved, key))
    return points


def canonical(overrides: Mapping[str, Any], defaults: Mapping[str, Any]) -> str:
    """The overrides that differ from the defaults, as sorted JSON: equal for two points
    that train the same networks however their settings were written."""
    differing = {k: v for k, v in overrides.items() if v != defaults.get(k)}
    return json.dumps(differing, sort_keys=True, default=str)


def point_label(task: str, variant: str, overrides: Mapping[str, Any],
                defaults: Mapping[str, Any], seeds: Sequence[int], chunk_size: int) -> str:
    """``grid-<hash>``: a label fixed by the task, variant, settings, seeds and chunking
    alone (the chunking too, so that two grids sharing a point agree on its chunks)."""
    key = json.dumps([task, variant, canonical(overrides, defaults), list(seeds),
                      chunk_size])
    return LABEL_PREFIX + hashlib.sha1(key.encode()).hexdigest()[:HASH_CHARS]


def value_text(value: Any) -> str:
    """A setting's value as one-line YAML (``[[0, 0.005, 0.5], [20, 0.1, 0.9]]``, ``0.0``,
    ``null``), as it is written in the config and the tables."""
    from .plan import yaml_value  # plan imports this module

    return yaml_value(value)


def moved_text(point: GridPoint) -> str:
    """``weight_decay: 0.0; init_range: 1.0``: the settings moved and their values."""
    return "; ".join(f"{k}: {value_text(point.values[k])}" for k in point.moved)


# ---- tables --------------------------------------------------------------------------------

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
    from ..tasks import TASKS
    from .collect import collect_runs, typed
    from .plan import Plan  # plan imports this module
    from .structure import summarise_structure
    from .summary import summarise

    runs_text = collect_runs(chunk_paths, order=[(p.run.task, p.run.label)
                                                 for p in grid.points])
    runs = typed(runs_text)
    meta = Plan(runs=()).run_meta(tuple(p.run for p in grid.points))
    summary = summarise(runs, meta)
    docs = {name: task.score_columns for name, task in TASKS.items()}
    structure = summarise_structure(runs, docs)
    return {"runs": with_points(runs_text, grid), "summary": with_points(summary, grid),
            "structure": with_points(structure, grid)}


def read_grid_runs(path: str | Path) -> pd.DataFrame:
    """A grid's runs table, typed as the runs table is, the point columns as text."""
    from .collect import typed

    text = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    point = [c for c in text.columns if c in GRID_COLUMNS or c.startswith(SETTING_PREFIX)]
    runs = typed(text.drop(columns=point))
    for c in point:
        runs[c] = text[c].astype("int64") if c in ("point", "n_moved") else text[c]
    return runs


# ---- command line --------------------------------------------------------------------------

def main(argv=None) -> int:
    from ..atomic import write_table
    from .plan import make_grids

    parser = argparse.ArgumentParser(prog="python -m backprop86.analysis.grids",
                                     description="Write one grid's runs, summary and "
                                                 "structure tables from its chunks.")
    parser.add_argument("--grid", required=True, help="the grid's name")
    parser.add_argument("--config-json", required=True,
                        help="JSON with the config's seeds, chunk_size and grids")
    parser.add_argument("--out", required=True, help="folder of the grid's tables")
    parser.add_argument("chunks", nargs="+", help="the chunk runs.csv files of its points")
    args = parser.parse_args(argv)
    try:
        grids = {g.name: g for g in make_grids(json.loads(args.config_json))}
        if args.grid not in grids:
            raise ConfigError("--grid", f"no grid {args.grid!r}", ", ".join(grids))
        tables = grid_tables(grids[args.grid], args.chunks)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, table in tables.items():
        write_table(table, Path(args.out) / f"{name}.csv")
    print(f"grid {args.grid}: {len(tables['runs'])} networks, "
          f"{len(grids[args.grid].points)} points", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
