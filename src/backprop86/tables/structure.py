"""The structure table: what the hidden units learned, summarised per run.

Each task scores every network (its ``Task.score_columns``: for example whether the
symmetry net found the 1:2:4 antisymmetric solution). Here every score is summarised over
all seeds and over the converged seeds, by kind:

* numeric: mean, standard deviation, quartiles;
* boolean: the share that is true, with a Wilson interval;
* category (at most :data:`MAX_LEVELS` distinct values): the share of each value, with a
  Wilson interval;
* text (more distinct values, e.g. a held-out set drawn per seed): only how many distinct
  values there are.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from pandas.api import types

from .collect import CORE_COLUMNS, CRITERION_PREFIX
from .stats import quartiles, wilson_interval

MAX_LEVELS = 12
SUBSETS = ("all", "converged")


def score_columns(runs: pd.DataFrame) -> list[str]:
    """The structure-score columns of a runs table (neither core nor criterion columns)."""
    return [c for c in runs.columns
            if c not in CORE_COLUMNS and not c.startswith(CRITERION_PREFIX)]


def _kind(values: pd.Series) -> str:
    if types.is_bool_dtype(values.dtype):
        return "boolean"
    if types.is_numeric_dtype(values.dtype):
        return "numeric"
    return "category" if values.dropna().nunique() <= MAX_LEVELS else "text"


def _share_row(count: int, n: int) -> dict:
    low, high = wilson_interval(count, n)
    return {"count": count, "share": count / n if n else np.nan,
            "share_low": low, "share_high": high}


def _summaries(values: pd.Series, kind: str, levels: list) -> list[dict]:
    present = values.dropna()
    n = len(present)
    if kind == "numeric":
        x = present.to_numpy(dtype=float)
        q1, median, q3 = quartiles(x)
        return [{"level": "", "n": n, "mean": x.mean() if n else np.nan,
                 "sd": x.std(ddof=1) if n > 1 else np.nan,
                 "median": median, "q1": q1, "q3": q3}]
    if kind == "boolean":
        return [{"level": "", "n": n, **_share_row(int(present.astype(bool).sum()), n)}]
    if kind == "category":
        return [{"level": str(level), "n": n, **_share_row(int((present == level).sum()), n)}
                for level in levels]
    return [{"level": "", "n": n, "count": present.nunique()}]


def summarise_structure(runs: pd.DataFrame,
                        descriptions: Mapping[str, Mapping[str, str]] | None = None
                        ) -> pd.DataFrame:
    """One row per run, seed subset, score (and level, for a category); see
    :data:`.columns.STRUCTURE`.

    Parameters
    ----------
    runs : the typed runs table (:func:`.collect.read_runs`).
    descriptions : task name to {score column: meaning}, from ``Task.score_columns``.

    Notes
    -----
    A run's scores are the columns its task documents plus any other score column with a
    value in its rows (the runs table holds every task's columns). The converged subset
    is left out for runs that train for a fixed number of sweeps (stop ``budget``), where
    no network converges by definition.
    """
    descriptions = descriptions or {}
    columns = score_columns(runs)
    out = []
    for (task, variant), rows in runs.groupby(["task", "variant"], sort=False):
        docs = descriptions.get(task, {})
        mine = [c for c in columns if c in docs or rows[c].notna().any()]
        subsets = {"all": rows}
        if (rows["stop"] != "budget").all():
            subsets["converged"] = rows[rows["converged"]]
        for score in mine:
            kind = _kind(rows[score])
            levels = sorted(rows[score].dropna().unique().tolist()) if kind == "category" else []
            for subset, part in subsets.items():
                for summary in _summaries(part[score], kind, levels):
                    out.append({"task": task, "variant": variant,
                                "base_variant": rows["base_variant"].iloc[0],
                                "subset": subset, "score": score, "kind": kind, **summary,
                                "description": docs.get(score, "")})
    table = pd.DataFrame(out, columns=["task", "variant", "base_variant", "subset", "score",
                                       "kind", "level", "n", "mean", "sd", "median", "q1",
                                       "q3", "count", "share", "share_low", "share_high",
                                       "description"])
    table["count"] = table["count"].astype("Int64")
    return table
