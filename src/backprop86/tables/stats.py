"""Interval estimates for the summary tables: Wilson intervals for shares, bootstrap
intervals for medians, quartiles.

Every function is deterministic: the bootstrap draws from a fixed seed and sorts its input
first, so a table does not depend on the order its rows were gathered in.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

LEVEL = 0.95
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 1986  # fixed so that the tables are bit-identical run to run


def normal_quantile(level: float = LEVEL) -> float:
    """The two-sided standard normal quantile, e.g. 1.95996... for ``level`` 0.95."""
    if not 0 < level < 1:
        raise ValueError(f"level {level!r} not in (0, 1)")
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson_interval(successes: int, trials: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : number of successes, 0 <= successes <= trials.
    trials : number of trials.
    level : coverage, e.g. 0.95.

    Returns
    -------
    (low, high) : NaN, NaN when ``trials`` is 0.

    Notes
    -----
    Chosen over the normal (Wald) interval because shares here are often near 0 or 1
    (every seed converged, or none), where the Wald interval collapses to a point.
    """
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes}/{trials}")
    if trials == 0:
        return float("nan"), float("nan")
    z = normal_quantile(level)
    p = successes / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * np.sqrt(p * (1 - p) / trials + z2n / (4 * trials))
    # At 0/n and n/n the exact ends are 0 and 1; the formula leaves rounding residue there.
    low = 0.0 if successes == 0 else float(centre - half)
    high = 1.0 if successes == trials else float(centre + half)
    return low, high


def bootstrap_median_interval(values, level: float = LEVEL,
                              resamples: int = BOOTSTRAP_RESAMPLES,
                              seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile bootstrap interval for the median.

    Parameters
    ----------
    values : the sample (NaN not allowed).
    level : coverage, e.g. 0.95.
    resamples : number of bootstrap resamples.
    seed : seed of the resampling; fixed so that the result is reproducible.

    Returns
    -------
    (low, high) : NaN, NaN for an empty sample.
    """
    x = np.sort(np.asarray(values, dtype=float))  # sorted: the result ignores input order
    if x.ndim != 1:
        raise ValueError("values must be one-dimensional")
    if np.isnan(x).any():
        raise ValueError("values contain NaN")
    if x.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    medians = np.median(x[rng.integers(0, x.size, size=(resamples, x.size))], axis=1)
    low, high = np.quantile(medians, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def quartiles(values) -> tuple[float, float, float]:
    """First quartile, median and third quartile (linear interpolation between order
    statistics, numpy's default); NaN for an empty sample."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    q1, q2, q3 = np.percentile(x, [25, 50, 75])
    return float(q1), float(q2), float(q3)
