"""Error curves across seeds, and of single networks.

A network stops when it meets the stop criterion; from then on it **keeps its final
error**, so that the quantiles at a sweep are always over every seed (a converged network
counts as the low error it reached, a censored one as its error at the budget). The
curves are read on a grid of :data:`CURVE_POINTS` log-spaced sweeps (plus sweep 0).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..core.records import RecordFile

# Sweep grid of the error curves: enough points that a drop spanning a few percent of the
# run is resolved on a log axis, few enough that the table stays small.
CURVE_POINTS = 240


def sweep_grid(max_sweep: int, points: int = CURVE_POINTS) -> np.ndarray:
    """Sweep 0 and up to ``points`` log-spaced whole sweeps from 1 to ``max_sweep``."""
    if max_sweep < 1:
        return np.array([0])
    grid = np.unique(np.round(np.geomspace(1, max_sweep, points)).astype(np.int64))
    return np.concatenate([[0], grid])


def errors_on_grid(values: np.ndarray, offsets: np.ndarray, sweeps: np.ndarray,
                   grid: np.ndarray) -> np.ndarray:
    """Every network's error at every grid sweep, (K, G); a network that stopped keeps
    its final error."""
    at = np.minimum(grid[None, :], sweeps[:, None])
    return values[offsets[:-1, None] + at]


def error_quantiles(files: Sequence[RecordFile]) -> pd.DataFrame:
    """Median and 10/25/75/90 % quantiles of the error across every seed of a run."""
    loaded = [f.arrays(["error_values", "error_offsets", "sweeps"]) for f in files]
    max_sweep = max(int(a["sweeps"].max()) for a in loaded if len(a["sweeps"]))
    grid = sweep_grid(max_sweep)
    errors = np.concatenate([errors_on_grid(a["error_values"], a["error_offsets"],
                                            a["sweeps"], grid) for a in loaded])
    sweeps = np.concatenate([a["sweeps"] for a in loaded])
    q = np.quantile(errors, [0.5, 0.1, 0.25, 0.75, 0.9], axis=0)
    return pd.DataFrame({"sweep": grid, "n_seeds": errors.shape[0],
                         "n_running": (sweeps[:, None] >= grid[None, :]).sum(axis=0),
                         "median": q[0], "q10": q[1], "q25": q[2], "q75": q[3], "q90": q[4]})


def single_curve(error: np.ndarray) -> pd.DataFrame:
    """One network's error on the log grid up to the sweep it stopped at (included)."""
    stopped = len(error) - 1
    grid = sweep_grid(stopped)
    return pd.DataFrame({"stopped_at": stopped, "sweep": grid, "error": error[grid]})
