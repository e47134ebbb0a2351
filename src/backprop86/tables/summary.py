"""The summary table: for every run and every monitored criterion, how many seeds met it
and how many sweeps they took.

A seed that did not meet a criterion while it trained (it used up the sweep budget, or it
met a looser stop criterion first) is *censored*: it counts as not converged, and it is
left out of the sweep statistics, which therefore describe the converged seeds only. The
share solved within the paper's number of sweeps counts censored seeds as not solved, so
it does not depend on the budget, as long as that is at least the paper's number.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .collect import CRITERION_PREFIX, check_complete
from .stats import bootstrap_median_interval, quartiles, wilson_interval


def _criterion_rows(rows: pd.DataFrame, criterion: str, meta: Mapping[str, Any]) -> dict:
    column = CRITERION_PREFIX + criterion
    if column in rows:
        first = rows[column]
        sweeps = first.dropna().to_numpy(dtype=float)
    else:  # monitored, but no seed met it in any chunk, so the column was never written
        sweeps = np.array([], dtype=float)
    n, k = len(rows), len(sweeps)
    low, high = wilson_interval(k, n)
    q1, median, q3 = quartiles(sweeps)
    median_low, median_high = bootstrap_median_interval(sweeps)
    out = {
        "task": meta["task"], "variant": meta["variant"], "base_variant": meta["base_variant"],
        "criterion": criterion, "is_stop": criterion == meta["stop"],
        "budget": meta["budget"], "seeds": n, "converged": k,
        "converged_share": k / n if n else np.nan,
        "converged_low": low, "converged_high": high,
        "sweeps_median": median, "sweeps_median_low": median_low,
        "sweeps_median_high": median_high, "sweeps_q1": q1, "sweeps_q3": q3,
        "sweeps_min": sweeps.min() if k else np.nan,
        "sweeps_max": sweeps.max() if k else np.nan,
    }
    paper = meta.get("paper_sweeps")
    if paper is None or (isinstance(paper, float) and np.isnan(paper)):
        out.update(paper_sweeps=pd.NA, within_paper=pd.NA, within_paper_share=np.nan,
                   within_paper_low=np.nan, within_paper_high=np.nan)
    else:
        within = int((sweeps <= paper).sum())
        low, high = wilson_interval(within, n)
        out.update(paper_sweeps=int(paper), within_paper=within,
                   within_paper_share=within / n if n else np.nan,
                   within_paper_low=low, within_paper_high=high)
    out["paper_sweeps_source"] = meta.get("paper_sweeps_source") or ""
    return out


def summarise(runs: pd.DataFrame, meta: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per run and monitored criterion (see :data:`.columns.SUMMARY`).

    Parameters
    ----------
    runs : the typed runs table (:func:`.collect.read_runs`).
    meta : per run, as :meth:`backprop86.plan.plan.Plan.run_meta` gives it: task, variant,
        base_variant, seeds, budget, stop, criteria, paper_sweeps, paper_sweeps_source.
        Runs appear in this order.

    Raises
    ------
    ConfigError
        when a run's seed count differs from what the plan trained (a missing chunk).
    """
    check_complete(runs, {(m["task"], m["variant"]): m["seeds"] for m in meta})
    groups = {key: rows for key, rows in runs.groupby(["task", "variant"], sort=False)}
    out = []
    for m in meta:
        out += [_criterion_rows(groups[m["task"], m["variant"]], c, m) for c in m["criteria"]]
    table = pd.DataFrame(out)
    table["paper_sweeps"] = table["paper_sweeps"].astype("Int64")
    table["within_paper"] = table["within_paper"].astype("Int64")
    return table
