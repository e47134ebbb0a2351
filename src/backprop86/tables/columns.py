"""What every column of every table in ``results/tables/`` means; the pipeline writes this
out as ``results/tables/README.md`` (:func:`tables_readme`), with each task's own score
columns taken from ``Task.score_columns``."""

from __future__ import annotations

from typing import Mapping

from .probes import PAPER_WEIGHTS_COLUMNS
from .stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, LEVEL
from .structure import MAX_LEVELS

_CI = f"{LEVEL:.0%}"

RUNS = {
    "task": "task name (`backprop86 tasks`)",
    "variant": "the run's label: the variant trained at the paper's settings, or an "
               "ablation's name (config key runs: TASK/LABEL)",
    "base_variant": "the task variant that was trained (an ablation changes its settings)",
    "seed": "the network's seed; with the task it fixes the initial weights",
    "stop": "the criterion that stopped training (budget: a fixed number of sweeps)",
    "sweeps": "weight changes made when the network stopped (sweeps, in batch mode)",
    "converged": "whether it met the stop criterion within the budget (False for budget)",
    "final_error": "the error E at the end (Nature eq. 3, as the run computed it)",
    "sweeps_to_<criterion>": "first sweep at which the criterion held; empty if never "
                             "(censored). Criteria: see backprop86.core.criteria",
    "<score>": "the task's structure scores (below); empty for other tasks' rows",
}

SUMMARY = {
    "task": RUNS["task"],
    "variant": RUNS["variant"],
    "base_variant": RUNS["base_variant"],
    "criterion": "the monitored criterion this row is about",
    "is_stop": "whether it is the criterion that stopped training",
    "budget": "the most sweeps a network was given",
    "seeds": "networks trained",
    "converged": "networks that met the criterion within the budget (censored ones did not)",
    "converged_share": "converged / seeds",
    "converged_low": f"Wilson {_CI} interval of converged_share, lower end",
    "converged_high": f"Wilson {_CI} interval of converged_share, upper end",
    "sweeps_median": "median sweeps to the criterion, over converged networks only",
    "sweeps_median_low": f"percentile bootstrap {_CI} interval of sweeps_median, lower end "
                         f"({BOOTSTRAP_RESAMPLES} resamples, seed {BOOTSTRAP_SEED})",
    "sweeps_median_high": "the same interval, upper end",
    "sweeps_q1": "first quartile of sweeps, converged networks only",
    "sweeps_q3": "third quartile of sweeps, converged networks only",
    "sweeps_min": "fewest sweeps, converged networks only",
    "sweeps_max": "most sweeps, converged networks only",
    "paper_sweeps": "sweeps the paper reports for this network (empty: none reported)",
    "within_paper": "networks that met the criterion within paper_sweeps",
    "within_paper_share": "within_paper / seeds (censored networks count as not solved)",
    "within_paper_low": f"Wilson {_CI} interval of within_paper_share, lower end",
    "within_paper_high": f"Wilson {_CI} interval of within_paper_share, upper end",
    "paper_sweeps_source": "where the paper reports paper_sweeps",
}

STRUCTURE = {
    "task": RUNS["task"],
    "variant": RUNS["variant"],
    "base_variant": RUNS["base_variant"],
    "subset": "all: every network; converged: those that met the stop criterion (absent "
              "for runs of a fixed number of sweeps)",
    "score": "the score column of the runs table (meaning: description)",
    "kind": f"numeric, boolean, category (at most {MAX_LEVELS} values) or text (more)",
    "level": "for a category, the value this row counts; else empty",
    "n": "networks in the subset with a value for the score",
    "mean": "numeric: mean",
    "sd": "numeric: standard deviation (n - 1 in the denominator)",
    "median": "numeric: median",
    "q1": "numeric: first quartile",
    "q3": "numeric: third quartile",
    "count": "boolean: networks where true; category: networks with this level; text: "
             "number of distinct values",
    "share": "boolean and category: count / n",
    "share_low": f"Wilson {_CI} interval of share, lower end",
    "share_high": f"Wilson {_CI} interval of share, upper end",
    "description": "what the score means (the task's documentation)",
}

TIMINGS = {
    "task": RUNS["task"],
    "variant": RUNS["variant"],
    "chunk": "the training job's chunk number within its run",
    "seeds": "networks the job trained",
    "first_seed": "its first seed",
    "last_seed": "its last seed",
    "wall_s": "wall-clock seconds of the job (Snakemake benchmark, column s)",
    "cpu_s": "CPU seconds (benchmark cpu_time)",
    "max_rss_mb": "peak resident memory in MB (benchmark max_rss)",
    "mean_load": "mean CPU load of the job (benchmark mean_load)",
    "wall_s_per_seed": "wall_s / seeds",
}

TABLES = {
    "runs": ("one row per task, variant and seed: what training wrote, gathered from the "
             "chunks unchanged", RUNS),
    "summary": ("one row per task, variant and monitored criterion", SUMMARY),
    "structure": ("one row per task, variant, subset of seeds, score (and level)",
                  STRUCTURE),
    "timings": ("one row per training job; measured, so not reproducible", TIMINGS),
}


def documented(table: str, column: str) -> bool:
    """Whether ``column`` of ``table`` is documented here (a runs column may be any
    criterion or score, documented by its task)."""
    docs = TABLES[table][1]
    if column in docs:
        return True
    return table == "runs" and column.startswith("sweeps_to_")


def _cell(text) -> str:
    """Text fit for a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def tables_readme(score_columns: Mapping[str, Mapping[str, str]], parquet: bool) -> str:
    """Markdown describing every table and column.

    Parameters
    ----------
    score_columns : task name to its ``Task.score_columns``.
    parquet : whether each table is also written as Parquet.
    """
    formats = "CSV and Parquet" if parquet else "CSV"
    lines = ["# Tables", "",
             f"Written by the pipeline (`snakemake`), each as {formats}. Tidy: one "
             "observation per row, one variable per column; an empty cell is a missing "
             "value.", ""]
    printed = ("the papers' printed nets run forward (rule paper_weights_table): one row "
               "per net, case and output unit", PAPER_WEIGHTS_COLUMNS)
    for name, (what, docs) in {**TABLES, "paper_weights": printed}.items():
        lines += [f"## {name}", "", f"{what}.", "", "| column | meaning |", "| --- | --- |"]
        lines += [f"| `{c}` | {_cell(d)} |" for c, d in docs.items()]
        lines.append("")
    lines += ["## Structure scores", "",
              "The `<score>` columns of `runs` (and the `score` values of `structure`), "
              "by task.", ""]
    for task, docs in score_columns.items():
        lines += [f"### {task}", "", "| score | meaning |", "| --- | --- |"]
        lines += [f"| `{c}` | {_cell(d)} |" for c, d in docs.items()]
        lines.append("")
    return "\n".join(lines)
