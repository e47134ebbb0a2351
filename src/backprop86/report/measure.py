"""Measure a ledger row from the tables: every statistic the ledger may name.

* runs table: ``share`` (networks meeting every condition, Wilson interval),
  ``median`` (bootstrap interval), ``mean`` (bootstrap interval), and
  ``percentile_of_paper``: where the paper's single run falls among ours, the share of
  our networks that met the criterion within the paper's number of sweeps (a point of
  their empirical distribution function; networks that never met it count as slower);
* summary table: ``share`` (``converged_share`` or ``within_paper_share`` with their
  Wilson intervals) and ``median`` (``sweeps_median`` with its bootstrap interval);
* structure table: ``share`` of a boolean score;
* paper_weights table: ``values`` of a column on some cases, and ``all`` (every case
  true).

The intervals are those of :mod:`backprop86.tables.stats`, so that a number measured
here equals the same number in the tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..tables.collect import CRITERION_PREFIX
from ..tables.stats import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    LEVEL,
    bootstrap_median_interval,
    wilson_interval,
)
from .ledger import CRITERION, Condition, Measure
from .values import Value


@dataclass(frozen=True)
class Tables:
    """The pipeline's tables the report reads.

    ``runs`` is typed (:func:`backprop86.tables.collect.read_runs`); ``budgets`` maps
    ``TASK/LABEL`` to the run's sweep budget (from the summary table); ``timings`` is
    only used for the provenance.
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    structure: pd.DataFrame
    paper_weights: pd.DataFrame
    timings: pd.DataFrame | None = None

    @property
    def budgets(self) -> dict[str, int]:
        s = self.summary
        return {f"{t}/{v}": int(b) for t, v, b in zip(s["task"], s["variant"], s["budget"])}

    def has_run(self, run: str) -> bool:
        task, label = run.split("/", 1)
        return bool(((self.runs["task"] == task) & (self.runs["variant"] == label)).any())

    def run_rows(self, run: str) -> pd.DataFrame:
        task, label = run.split("/", 1)
        r = self.runs
        return r[(r["task"] == task) & (r["variant"] == label)]


def not_trained(run: str) -> str:
    return f"run {run} not trained in this configuration"


def bootstrap_mean_interval(values, level: float = LEVEL,
                            resamples: int = BOOTSTRAP_RESAMPLES,
                            seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile bootstrap interval for the mean, as
    :func:`backprop86.tables.stats.bootstrap_median_interval` does for the median
    (sorted input, fixed seed: the same sample always gives the same interval)."""
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(resamples, x.size))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


# ---- the runs table ----------------------------------------------------------------------

def _subset(rows: pd.DataFrame, subset: str) -> pd.DataFrame:
    if subset == "converged":
        return rows[rows["converged"]]
    if subset == "not_converged":
        return rows[~rows["converged"]]
    return rows


def _column(rows: pd.DataFrame, column: str) -> pd.Series:
    if column in rows:
        return rows[column]
    if column.startswith(CRITERION_PREFIX):
        # A monitored criterion no network met in any chunk has no column at all.
        return pd.Series(pd.NA, index=rows.index, dtype="Int64")
    raise KeyError(f"no column {column!r} in the runs table")


def _holds(values: pd.Series, cond: Condition) -> np.ndarray:
    """Where ``values`` meet the condition; a missing value never does."""
    present = values.notna().to_numpy()
    v = values.astype(object).where(values.notna(), None)
    if cond.op == "in":
        out = v.isin(cond.value).to_numpy()
    else:
        target = cond.value
        compare = {"==": lambda a: a == target, "!=": lambda a: a != target,
                   "<": lambda a: a < target, "<=": lambda a: a <= target,
                   ">": lambda a: a > target, ">=": lambda a: a >= target}[cond.op]
        out = np.array([bool(compare(a)) if a is not None else False for a in v])
    return out & present


def _beyond_budget(cond: Condition, budget: int | None) -> bool:
    """Whether a condition asks for a criterion met by a sweep the run never reached."""
    return (budget is not None and cond.column.startswith(CRITERION_PREFIX)
            and cond.op in ("<", "<=") and cond.value > budget)


def runs_share(tables: Tables, run: str, where, subset: str = "all",
               label: str = "") -> Value:
    """Share of the run's networks (in ``subset``) meeting every condition."""
    if not tables.has_run(run):
        return Value("share", missing=not_trained(run), label=label)
    rows = _subset(tables.run_rows(run), subset)
    n = len(rows)
    if n == 0:
        return Value("share", missing=f"no {subset.replace('_', ' ')} network in {run}",
                     label=label)
    ok = np.ones(n, dtype=bool)
    censored_matter = False
    budget = tables.budgets.get(run)
    for cond in where:
        values = _column(rows, cond.column)
        ok &= _holds(values, cond)
        censored_matter |= _beyond_budget(cond, budget) and bool(values.isna().any())
    count = int(ok.sum())
    low, high = wilson_interval(count, n)
    return Value("share", count / n, low, high, n=n, count=count,
                 lower_bound=censored_matter, label=label)


def runs_location(tables: Tables, run: str, column: str, statistic: str,
                  subset: str = "all", label: str = "", unit: str = "") -> Value:
    """Median or mean of a column over the run's networks (in ``subset``) with a value."""
    if not tables.has_run(run):
        return Value(statistic, missing=not_trained(run), label=label)
    rows = _subset(tables.run_rows(run), subset)
    x = _column(rows, column).dropna().to_numpy(dtype=float)
    if x.size == 0:
        return Value(statistic, missing=f"no value of {column} in {run} ({subset})",
                     label=label)
    if statistic == "median":
        centre, (low, high) = float(np.median(x)), bootstrap_median_interval(x)
    else:
        centre, (low, high) = float(x.mean()), bootstrap_mean_interval(x)
    return Value(statistic, centre, low, high, n=int(x.size), label=label, unit=unit,
                 extra={"of": len(rows)})


def percentile_of_paper(tables: Tables, run: str, column: str, paper: float,
                        label: str = "") -> Value:
    """Share of the run's networks that met the criterion within ``paper`` sweeps.

    A network that never met it (censored) counts as slower than the paper. ``extra``
    holds the median sweeps of the networks that met it and its interval, how many met
    it, and the threshold.
    """
    if not tables.has_run(run):
        return Value("percentile", missing=not_trained(run), label=label)
    rows = tables.run_rows(run)
    sweeps = _column(rows, column)
    met = sweeps.dropna().to_numpy(dtype=float)
    n = len(rows)
    count = int((met <= paper).sum())
    low, high = wilson_interval(count, n)
    budget = tables.budgets.get(run)
    beyond = budget is not None and paper > budget and met.size < n
    median = float(np.median(met)) if met.size else math.nan
    m_low, m_high = bootstrap_median_interval(met)
    return Value("percentile", count / n, low, high, n=n, count=count, lower_bound=beyond,
                 label=label, extra={"threshold": paper, "converged": int(met.size),
                                     "median": median, "median_low": m_low,
                                     "median_high": m_high, "budget": budget})


# ---- the other tables ----------------------------------------------------------------------

SUMMARY_SHARES = {"converged_share": ("converged_low", "converged_high", "converged"),
                  "within_paper_share": ("within_paper_low", "within_paper_high",
                                         "within_paper")}


def _summary_row(tables: Tables, run: str, criterion: str) -> pd.Series | None:
    s = tables.summary
    task, label = run.split("/", 1)
    rows = s[(s["task"] == task) & (s["variant"] == label) & (s["criterion"] == criterion)]
    return rows.iloc[0] if len(rows) else None


def summary_value(tables: Tables, m: Measure, criterion: str) -> Value:
    row = _summary_row(tables, m.run, criterion)
    if row is None:
        return Value(m.statistic, missing=not_trained(m.run), label=criterion)
    if m.statistic == "median":
        if int(row["converged"]) == 0:
            return Value("median", missing=f"no network of {m.run} met {criterion}",
                         label=criterion)
        return Value("median", float(row[m.column]), float(row[m.column + "_low"]),
                     float(row[m.column + "_high"]), n=int(row["converged"]),
                     label=criterion, unit="sweeps", extra={"of": int(row["seeds"])})
    low, high, count = SUMMARY_SHARES[m.column]
    if pd.isna(row[m.column]):
        return Value("share", missing=f"{m.column} is empty for {m.run}", label=criterion)
    return Value("share", float(row[m.column]), float(row[low]), float(row[high]),
                 n=int(row["seeds"]), count=int(row[count]), label=criterion)


def structure_value(tables: Tables, m: Measure) -> Value:
    s = tables.structure
    task, label = m.run.split("/", 1)
    rows = s[(s["task"] == task) & (s["variant"] == label) & (s["subset"] == m.subset)
             & (s["score"] == m.column)]
    if not len(rows):
        if tables.has_run(m.run) and m.subset == "converged":
            return Value("share", missing=f"no converged subset for {m.run}")
        return Value("share", missing=not_trained(m.run))
    row = rows.iloc[0]
    if row["kind"] != "boolean":
        raise ValueError(f"{m.column} of {m.run} is {row['kind']}, not boolean")
    if int(row["n"]) == 0:
        return Value("share", missing=f"no {m.subset} network in {m.run}")
    return Value("share", float(row["share"]), float(row["share_low"]),
                 float(row["share_high"]), n=int(row["n"]), count=int(row["count"]))


def paper_weights_value(tables: Tables, m: Measure) -> Value:
    t = tables.paper_weights
    rows = t[t["net"] == m.net]
    if not len(rows):
        raise KeyError(f"no printed net {m.net!r} in the paper_weights table")
    if m.cases:
        missing = sorted(set(m.cases) - set(rows["case"].astype(str)))
        if missing:
            raise KeyError(f"printed net {m.net}: no case {missing[0]!r}")
        rows = rows[rows["case"].astype(str).isin(m.cases)]
    values = rows[m.column]
    if m.statistic == "all":
        return Value("all", bool(values.astype(bool).all()), n=len(rows))
    return Value("values", [float(v) for v in values], n=len(rows))


# ---- dispatch ------------------------------------------------------------------------------

def _fill(text: str | None, criterion: str) -> str | None:
    return text.replace(CRITERION, criterion) if text else text


def _filled(m: Measure, criterion: str) -> Measure:
    where = tuple(Condition(_fill(c.column, criterion), c.op, c.value) for c in m.where)
    return replace(m, column=_fill(m.column, criterion), where=where)


def measure(tables: Tables, m: Measure, paper_value: Any = None,
            run: str | None = None) -> list[Value]:
    """Every value of a measure: one per criterion (and per reading of the paper's value,
    for ``percentile_of_paper``); one if it names no criterion.

    ``run`` stands in for the measure's run (an ablation's measures name none).
    """
    run = run or m.run
    criteria = m.criteria or ("",)
    out = []
    for criterion in criteria:
        f = _filled(m, criterion) if criterion else m
        label = criterion
        if m.table == "paper_weights":
            out.append(paper_weights_value(tables, f))
        elif m.table == "summary":
            out.append(summary_value(tables, replace(f, run=run), criterion))
        elif m.table == "structure":
            out.append(structure_value(tables, replace(f, run=run)))
        elif m.statistic == "share":
            value = runs_share(tables, run, f.where, f.subset, label)
            if m.reference_run:
                ref = runs_share(tables, m.reference_run, f.where, f.subset, label)
                value = replace(value, extra={"reference": ref,
                                              "reference_run": m.reference_run})
            out.append(value)
        elif m.statistic in ("median", "mean"):
            unit = "sweeps" if f.column.startswith(CRITERION_PREFIX) else ""
            out.append(runs_location(tables, run, f.column, m.statistic, f.subset, label, unit))
        else:
            for reading in m.readings:
                name = f"{criterion}, {reading.name}" if len(m.readings) > 1 else criterion
                out.append(percentile_of_paper(tables, run, f.column,
                                               paper_value / reading.divide_by, name))
    return out
