"""Gather the training chunks into one runs table (one row per task, variant and seed).

The chunk files are read as text and written back unchanged, so the runs table holds
exactly the digits training wrote, whatever the chunking; typing happens afterwards, on the
whole table (:func:`read_runs`), so that it cannot depend on what one chunk happened to
contain (a chunk whose every network failed has an all-empty ``sweeps_to_*`` column).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

from ..atomic import write_table
from ..errors import ConfigError

# Written by backprop86.run.experiment for every task, in this order.
CORE_COLUMNS = ("task", "variant", "base_variant", "seed", "stop", "sweeps", "converged",
                "final_error")
CRITERION_PREFIX = "sweeps_to_"
KEY = ["task", "variant", "seed"]


def _read_text(path: str | Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise ConfigError(str(path), f"cannot read a runs table ({type(exc).__name__})",
                          "a runs.csv written by 'backprop86 train'") from None
    missing = [c for c in CORE_COLUMNS if c not in table.columns]
    if missing:
        raise ConfigError(str(path), f"not a runs table: no column {', '.join(missing)}",
                          "a runs.csv written by 'backprop86 train'")
    return table


def collect_runs(paths: Iterable[str | Path],
                 order: Sequence[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Concatenate chunk tables into the runs table, as text.

    Parameters
    ----------
    paths : chunk ``runs.csv`` files.
    order : (task, variant) pairs giving the order of the runs (the config's); runs not
        listed follow in sorted order. Within a run, rows are sorted by seed.

    Returns
    -------
    DataFrame of strings (empty string for a missing value): the core columns, the
    ``sweeps_to_<criterion>`` columns, then the structure scores, each in order of first
    appearance.
    """
    tables = [_read_text(p) for p in paths]
    if not tables:
        raise ConfigError("runs", "no chunk tables to gather", "at least one")
    columns: list[str] = []
    for t in tables:
        columns += [c for c in t.columns if c not in columns]
    criteria = [c for c in columns if c.startswith(CRITERION_PREFIX)]
    scores = [c for c in columns if c not in CORE_COLUMNS and c not in criteria]
    runs = pd.concat(tables, ignore_index=True)[list(CORE_COLUMNS) + criteria + scores]
    runs = runs.fillna("")
    rank = {pair: i for i, pair in enumerate(order or ())}
    pairs = list(zip(runs["task"], runs["variant"]))
    unknown = sorted(set(pairs) - set(rank))
    rank.update({pair: len(rank) + i for i, pair in enumerate(unknown)})
    runs = runs.assign(_run=[rank[p] for p in pairs], _seed=runs["seed"].astype(int))
    runs = runs.sort_values(["_run", "_seed"], kind="stable").drop(columns=["_run", "_seed"])
    duplicated = runs.duplicated(KEY)
    if duplicated.any():
        row = runs[duplicated].iloc[0]
        raise ConfigError("runs", f"seed {row['seed']} of {row['task']}/{row['variant']} "
                          "appears in two chunks", "each seed once per run")
    return runs.reset_index(drop=True)


def check_complete(runs: pd.DataFrame, planned: Mapping[tuple[str, str], int],
                   where: str = "runs") -> None:
    """Refuse a runs table in which a run does not have its planned number of seeds
    (``planned``: (task, label) to seeds), naming the first such run."""
    counts = runs.groupby(["task", "variant"], sort=False).size()
    for (task, label), n in planned.items():
        found = int(counts.get((task, label), 0))
        if found != n:
            raise ConfigError(where, f"{task}/{label} has {found} of its {n} seeds",
                              "every chunk of every run (snakemake trains a bad chunk again)")


def typed(runs_text: pd.DataFrame) -> pd.DataFrame:
    """The runs table with column types: integers, booleans, floats and strings, with
    pandas' missing value where a run has no entry (a criterion never met, or a score
    of another task)."""
    out = {}
    for name, col in runs_text.items():
        values = col.replace("", pd.NA)
        if name in ("task", "variant", "base_variant", "stop"):
            out[name] = values.astype("string")  # names, even where they look like numbers
        elif name in ("seed", "sweeps"):
            out[name] = values.astype("int64")
        elif name == "converged":
            out[name] = values.map({"True": True, "False": False}).astype("bool")
        elif name.startswith(CRITERION_PREFIX):
            out[name] = values.astype("Int64")
        elif name == "final_error":
            out[name] = values.astype("float64")
        else:
            out[name] = _infer(values)
    return pd.DataFrame(out)


def _infer(values: pd.Series) -> pd.Series:
    present = values.dropna()
    if present.isin(["True", "False"]).all() and len(present):
        return values.map({"True": True, "False": False}, na_action="ignore").astype("boolean")
    try:
        numbers = pd.to_numeric(values)
    except (TypeError, ValueError):
        return values.astype("string")
    return numbers.astype("Float64")


def read_runs(path: str | Path) -> pd.DataFrame:
    """Read a runs table written by :func:`write_runs`, typed (see :func:`typed`)."""
    return typed(_read_text(path))


def write_runs(runs_text: pd.DataFrame, csv: str | Path, parquet: str | Path | None = None):
    """Write the runs table: the CSV as the text it is, the Parquet typed; atomically."""
    write_table(runs_text, csv)
    if parquet is not None:
        write_table(typed(runs_text), parquet)
