"""Whether everything the ledger names exists: its runs in a plan (a config), their
columns and criteria, the printed nets and their cases, the figures.

The tests check the ledger against the default config with every run required; the
report checks it against whatever config it is run with, where a run that was not
trained is allowed (its claims are not comparable) but a column that no run could have is
not.
"""

from __future__ import annotations

from typing import Iterable

from ..figures import FIGURES
from ..plan.plan import Plan, Run
from ..plan.setup import setup
from ..tables.collect import CORE_COLUMNS, CRITERION_PREFIX
from ..tables.columns import SUMMARY
from ..tables.probes import PAPER_WEIGHTS_COLUMNS
from ..tasks import PRINTED_NETS, TASKS
from .ledger import CRITERION, Ledger, Measure
from .measure import SUMMARY_SHARES


def _runs_columns(run: Run) -> set[str]:
    """Every column the runs table can hold for this run."""
    criteria = {CRITERION_PREFIX + c for c in run.criteria}
    return set(CORE_COLUMNS) | criteria | set(TASKS[run.task].score_columns)


def _filled(columns: Iterable[str], criteria: tuple[str, ...]) -> list[str]:
    out = []
    for c in columns:
        out += [c.replace(CRITERION, k) for k in criteria] if CRITERION in c else [c]
    return out


def _paper_weights(m: Measure, task: str, where: str) -> list[str]:
    if m.net not in PRINTED_NETS:
        return [f"{where}: unknown printed net {m.net!r} ({', '.join(PRINTED_NETS)})"]
    net = PRINTED_NETS[m.net]
    problems = []
    if net.task != task:
        problems.append(f"{where}: printed net {m.net} belongs to task {net.task}")
    if m.column not in PAPER_WEIGHTS_COLUMNS:
        problems.append(f"{where}: paper_weights has no column {m.column!r}")
    cases = set(setup(net.task, net.variant).patterns.labels)
    problems += [f"{where}: printed net {m.net} has no case {c!r}" for c in m.cases
                 if c not in cases]
    return problems


def _run_measure(m: Measure, run: Run, where: str) -> list[str]:
    problems = []
    if m.table == "summary":
        criterion = m.criteria[0]
        if criterion not in run.criteria:
            problems.append(f"{where}: {run.name} does not monitor {criterion}")
        allowed = set(SUMMARY_SHARES) if m.statistic == "share" else {"sweeps_median"}
        if m.column not in allowed or m.column not in SUMMARY:
            problems.append(f"{where}: summary {m.statistic} reads {', '.join(sorted(allowed))},"
                            f" not {m.column!r}")
        return problems
    if m.table == "structure":
        if m.column not in TASKS[run.task].score_columns:
            problems.append(f"{where}: {m.column!r} is not a score of task {run.task}")
        if m.subset == "converged" and run.settings["stop"] == "budget":
            problems.append(f"{where}: {run.name} runs a fixed budget, so it has no "
                            "converged subset")
        return problems
    have = _runs_columns(run)
    for column in _filled(m.columns(), m.criteria or ("",)):
        if column not in have:
            problems.append(f"{where}: no column {column!r} for run {run.name}")
    if m.subset != "all" and run.settings["stop"] == "budget":
        problems.append(f"{where}: {run.name} runs a fixed budget, so it has no "
                        f"{m.subset} subset")
    return problems


def _paper_within_budget(m: Measure, paper_value, run: Run, where: str) -> list[str]:
    if m.statistic != "percentile_of_paper":
        return []
    budget = run.settings["budget"]
    return [f"{where}: the paper's {paper_value} / {r.divide_by:g} is beyond {run.name}'s "
            f"budget {budget}" for r in m.readings if paper_value / r.divide_by > budget]


def check_references(ledger: Ledger, plan: Plan, require_runs: bool = True) -> list[str]:
    """Every problem, one line each: a run not in the plan, a run of another task, a
    column, criterion or subset the run cannot have, a printed net or case that does not
    exist, a figure not drawn for the task, a paper value beyond the run's budget.
    Empty when all is well.

    With ``require_runs`` false (a small config), runs missing from the plan and paper
    values beyond a shortened budget are allowed: the report marks those claims not
    comparable.
    """
    runs = {r.name: r for r in plan.runs}
    problems: list[str] = []

    def run_of(name: str, task: str | None, where: str) -> Run | None:
        if name not in runs:
            if require_runs:
                problems.append(f"{where}: run {name} is not in the config")
            return None
        if task is not None and runs[name].task != task:
            problems.append(f"{where}: run {name} is not a run of task {task}")
            return None
        return runs[name]

    for c in ledger.claims:
        where = f"claims[{c.id}]"
        for i, m in enumerate((c.measure, *c.context)):
            here = f"{where}.measure" if i == 0 else f"{where}.context[{i - 1}]"
            if m.table == "paper_weights":
                problems += _paper_weights(m, c.task, here)
                continue
            # A context line may cite another task's run (Nature's claim on local minima
            # is about every net); the measurement itself is of the claim's task.
            for name in filter(None, (m.run, m.reference_run)):
                run = run_of(name, c.task if i == 0 else None, here)
                if run is not None:
                    problems += _run_measure(m, run, here)
                    if name == m.run and i == 0 and require_runs:
                        problems += _paper_within_budget(m, c.paper_value, run, here)
        for f in c.figures:
            fig = FIGURES.get(f)
            if fig is None:
                problems.append(f"{where}.figures: unknown figure {f!r}")
            elif not (fig.per_task or fig.task == c.task):
                problems.append(f"{where}.figures: {f} is not drawn for task {c.task}")
    for a in ledger.ablations:
        where = f"ablations[{a.id}]"
        for name in a.runs:
            run = run_of(name, a.task, where)
            if run is not None:
                for j, m in enumerate(a.measures):
                    problems += _run_measure(m, run, f"{where}.measures[{j}]")
        if a.observation is not None and a.measures[a.observation.measure].statistic != "share":
            problems.append(f"{where}.observation: measure {a.observation.measure} is not a "
                            "share")
    return problems
