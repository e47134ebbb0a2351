"""Which networks the figures show.

:func:`example_seeds` chooses, per task and variant, the *median run*, not the prettiest:
the converged seed whose sweeps to the stop criterion is the (lower) median among the
converged seeds, the lowest seed on ties. For a fixed-length run (stop ``budget``: family
trees) no network converges, and the median run is the seed with the median final error.
The *stuck* example is the first seed, by number, that did not meet the stop criterion.
:func:`curve_seeds` chooses the single runs drawn over the error bands.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Quantiles of sweeps to the stop criterion (of final error, for fixed-length runs) at
# which single runs are drawn over the error bands, so that the plateau-then-drop of
# individual networks, smeared out by the quantiles, stays visible.
CURVE_QUANTILES = {"q10": 0.10, "q25": 0.25, "median": 0.50, "q75": 0.75, "q90": 0.90}


def _quantile_pick(values: pd.Series, seeds: pd.Series, q: float) -> tuple[int, float]:
    """The lower ``q``-quantile of ``values`` (a value that occurs) and the lowest seed
    that has it."""
    order = np.sort(values.to_numpy(dtype=float))
    value = order[int(np.floor(q * (len(order) - 1)))]
    return int(seeds[values.to_numpy(dtype=float) == value].min()), float(value)


def _ranked(rows: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The candidates for the median run of one variant and the column they are ranked by."""
    stop = rows["stop"].iloc[0]
    if stop == "budget":
        return rows, "final_error"
    return rows[rows["converged"].astype(bool)], f"sweeps_to_{stop}"


def example_seeds(runs: pd.DataFrame) -> pd.DataFrame:
    """The seeds the figures show: the median run and the first stuck run of each variant.

    Parameters
    ----------
    runs : the runs table (one row per network: task, variant, seed, stop, converged,
        final_error, sweeps_to_<criterion>, ...).

    Returns
    -------
    One row per (task, variant, role):

    * ``median``: among the converged seeds, the one whose sweeps to the stop criterion is
      the median (the lower one for an even count, so that it is a real run), the lowest
      seed on ties. With stop ``budget`` no network converges and the seeds are ranked by
      final error instead. Absent when no seed converged.
    * ``stuck``: the lowest-numbered seed that did not meet its stop criterion (not for
      stop ``budget``). Absent when every seed converged.
    """
    out = []
    for (task, variant), rows in runs.groupby(["task", "variant"], sort=False):
        base = rows["base_variant"].iloc[0] if "base_variant" in rows else variant
        candidates, column = _ranked(rows)
        common = {"task": task, "variant": variant, "base_variant": base}
        if len(candidates):
            seed, value = _quantile_pick(candidates[column], candidates["seed"], 0.5)
            what = "converged seeds" if column != "final_error" else "seeds"
            out.append({**common, "role": "median", "seed": seed, "chosen_by": column,
                        "value": value, "n_candidates": len(candidates),
                        "rule": f"median {column} among the {len(candidates)} {what} "
                                "(lower median, lowest seed on ties)"})
        if rows["stop"].iloc[0] != "budget":
            stuck = rows[~rows["converged"].astype(bool)]
            if len(stuck):
                row = stuck.loc[stuck["seed"].idxmin()]
                out.append({**common, "role": "stuck", "seed": int(row["seed"]),
                            "chosen_by": "seed", "value": float(row["final_error"]),
                            "n_candidates": len(stuck),
                            "rule": f"lowest-numbered of the {len(stuck)} seeds that did "
                                    f"not meet {rows['stop'].iloc[0]}"})
    return pd.DataFrame(out, columns=["task", "variant", "base_variant", "role", "seed",
                                      "chosen_by", "value", "n_candidates", "rule"])


def curve_seeds(rows: pd.DataFrame) -> list[tuple[str, int, float]]:
    """Seeds at the :data:`CURVE_QUANTILES` of sweeps to the stop criterion (of final
    error with stop ``budget``), chosen as in :func:`example_seeds`, for one variant.

    Returns
    -------
    (role, seed, ranked value) for each quantile, a seed only once (under its lowest
    quantile) when few seeds converged; empty when none did.
    """
    candidates, column = _ranked(rows)
    picks: dict[int, tuple[str, int, float]] = {}
    for role, q in CURVE_QUANTILES.items() if len(candidates) else ():
        seed, value = _quantile_pick(candidates[column], candidates["seed"], q)
        picks.setdefault(seed, (role, seed, value))
    return list(picks.values())
