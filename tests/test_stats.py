"""The statistics of the summary tables, against values worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from backprop86.errors import ConfigError
from backprop86.tables.stats import (
    bootstrap_median_interval,
    normal_quantile,
    quartiles,
    wilson_interval,
)
from backprop86.tables.structure import summarise_structure
from backprop86.tables.summary import summarise

Z = 1.959963984540054  # the 97.5 % standard normal quantile, from tables


def test_normal_quantile():
    assert normal_quantile(0.95) == pytest.approx(Z, abs=1e-12)


def test_wilson_8_of_10_by_hand():
    n, p, z2 = 10, 0.8, Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(centre - half, abs=1e-12)
    assert high == pytest.approx(centre + half, abs=1e-12)
    # The textbook values for 8/10 (e.g. Newcombe 1998, method 3).
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)


def test_wilson_extremes():
    z2 = Z * Z
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(z2 / (10 + z2), abs=1e-12)
    low, high = wilson_interval(10, 10)
    assert high == 1.0 and low == pytest.approx(10 / (10 + z2), abs=1e-12)
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_bootstrap_constant_sample():
    assert bootstrap_median_interval([7.0] * 25) == (7.0, 7.0)
    assert all(math.isnan(x) for x in bootstrap_median_interval([]))


def test_bootstrap_is_deterministic_and_ignores_order():
    x = np.random.default_rng(3).exponential(100, size=301)
    first = bootstrap_median_interval(x)
    assert bootstrap_median_interval(x) == first
    assert bootstrap_median_interval(x[::-1]) == first
    assert first[0] <= np.median(x) <= first[1]


def test_bootstrap_width_matches_large_sample_theory():
    # The median of n normal draws has standard deviation sqrt(pi/2) sigma / sqrt(n).
    n = 400
    x = np.random.default_rng(0).normal(0.0, 1.0, size=n)
    low, high = bootstrap_median_interval(x)
    expected = 2 * Z * math.sqrt(math.pi / 2) / math.sqrt(n)
    assert 0.75 * expected < high - low < 1.25 * expected


def test_quartiles():
    assert quartiles([5, 1, 4, 2, 3]) == (2.0, 3.0, 4.0)
    assert quartiles([1, 2, 3, 4]) == (1.75, 2.5, 3.25)
    assert all(math.isnan(x) for x in quartiles([]))


def _runs(sweeps, stop="within_0.1"):
    """A typed runs table of one run: ``None`` marks a censored network."""
    n = len(sweeps)
    first = pd.array([s if s is not None else pd.NA for s in sweeps], dtype="Int64")
    return pd.DataFrame({
        "task": "xor", "variant": "2-2-1", "base_variant": "2-2-1",
        "seed": np.arange(n), "stop": stop,
        "sweeps": [s if s is not None else 1000 for s in sweeps],
        "converged": [s is not None for s in sweeps],
        "final_error": 0.01, "sweeps_to_within_0.1": first,
    })


META = {"task": "xor", "variant": "2-2-1", "base_variant": "2-2-1", "seeds": 10,
        "budget": 1000, "stop": "within_0.1", "criteria": ["within_0.1"],
        "paper_sweeps": 300, "paper_sweeps_source": "a page"}


def test_summary_counts_censored_as_not_converged():
    sweeps = [100, 200, 300, 400, 500, 600, 700, 800, None, None]
    row = summarise(_runs(sweeps), [META]).iloc[0]
    assert (row["seeds"], row["converged"]) == (10, 8)
    assert row["converged_share"] == 0.8
    assert (row["converged_low"], row["converged_high"]) == wilson_interval(8, 10)
    # Censored networks are left out of the sweep statistics.
    assert row["sweeps_median"] == 450.0
    assert (row["sweeps_q1"], row["sweeps_q3"]) == (275.0, 625.0)
    assert (row["sweeps_min"], row["sweeps_max"]) == (100, 800)
    assert row["sweeps_median_low"] <= 450.0 <= row["sweeps_median_high"]
    # Within the paper's 300 sweeps: 3 of all 10 networks.
    assert (row["within_paper"], row["within_paper_share"]) == (3, 0.3)
    assert (row["within_paper_low"], row["within_paper_high"]) == wilson_interval(3, 10)
    assert bool(row["is_stop"])


def test_summary_without_paper_value_and_missing_chunk():
    meta = {**META, "paper_sweeps": None, "paper_sweeps_source": ""}
    row = summarise(_runs([10] * 10), [meta]).iloc[0]
    assert pd.isna(row["paper_sweeps"]) and math.isnan(row["within_paper_share"])
    with pytest.raises(ConfigError, match="has 9 of its 10 seeds"):
        summarise(_runs([10] * 9), [meta])


def test_structure_by_kind():
    runs = _runs([100, 200, None, 400])
    runs["solved_it"] = pd.array([True, True, False, True], dtype="boolean")
    runs["weight"] = pd.array([1.0, 2.0, 3.0, 6.0], dtype="Float64")
    runs["outcome"] = pd.array(["a", "a", "b", "a"], dtype="string")
    table = summarise_structure(runs, {"xor": {"weight": "a weight"}})
    get = table.set_index(["subset", "score", "level"])
    assert get.loc[("all", "solved_it", ""), "share"] == 0.75
    assert get.loc[("converged", "solved_it", ""), "share"] == 1.0
    low, high = wilson_interval(3, 4)
    assert (get.loc[("all", "solved_it", ""), "share_low"],
            get.loc[("all", "solved_it", ""), "share_high"]) == (low, high)
    assert get.loc[("all", "weight", ""), "mean"] == 3.0
    assert get.loc[("converged", "weight", ""), "mean"] == 3.0
    assert get.loc[("all", "weight", ""), "sd"] == pytest.approx(np.std([1, 2, 3, 6], ddof=1))
    assert get.loc[("all", "weight", ""), "description"] == "a weight"
    assert get.loc[("all", "outcome", "b"), "count"] == 1
    assert get.loc[("converged", "outcome", "b"), "count"] == 0


def test_structure_drops_converged_subset_for_fixed_budget_runs():
    runs = _runs([None] * 3, stop="budget")
    runs["weight"] = pd.array([1.0, 2.0, 3.0], dtype="Float64")
    assert set(summarise_structure(runs)["subset"]) == {"all"}
