"""The timings table: one row per training job, from Snakemake's benchmark files.

Unlike every other table, its numbers are measurements of this machine and change from
run to run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

# Snakemake benchmark column -> our column (seconds and megabytes).
BENCHMARK_COLUMNS = {"s": "wall_s", "cpu_time": "cpu_s", "max_rss": "max_rss_mb",
                     "mean_load": "mean_load"}


def read_benchmark(path: str | Path) -> dict[str, float]:
    """The first repeat of a Snakemake benchmark file, renamed to our columns (NaN where
    the platform did not measure a quantity)."""
    table = pd.read_csv(path, sep="\t")
    if table.empty or "s" not in table:
        raise ValueError(f"{path}: not a Snakemake benchmark file")
    row = table.iloc[0]
    return {ours: float(pd.to_numeric(row.get(theirs, np.nan), errors="coerce"))
            for theirs, ours in BENCHMARK_COLUMNS.items()}


def timings_table(paths: Sequence[str | Path],
                  chunks: Sequence[Mapping]) -> pd.DataFrame:
    """One row per training job (see :data:`.columns.TIMINGS`).

    Parameters
    ----------
    paths : benchmark files, one per job.
    chunks : per job, in the same order, as :meth:`backprop86.plan.plan.Plan.chunk_meta`
        gives them: task, variant, chunk, seeds, first_seed, last_seed.
    """
    if len(paths) != len(chunks):
        raise ValueError(f"{len(paths)} benchmark files for {len(chunks)} jobs")
    rows = [{**dict(c), **read_benchmark(p)} for p, c in zip(paths, chunks)]
    table = pd.DataFrame(rows, columns=["task", "variant", "chunk", "seeds", "first_seed",
                                        "last_seed", *BENCHMARK_COLUMNS.values()])
    table["wall_s_per_seed"] = table["wall_s"] / table["seeds"]
    return table
